package runconfig

import (
	"regexp"
	"strconv"
	"strings"
)

// NativeCoreVersionPrefix marks a native Outpost flow: its flow.core_version is
// "outpost-<outpost version>", e.g. "outpost-0.3.0". A prefix that is not a version
// cannot be mistaken for a real Prefect core_version (PEP 440 versions start with a
// digit or "v"), and Prefect's own agents fail such a flow visibly (no image by that
// tag, no storage of type Script) instead of running it the wrong way.
const NativeCoreVersionPrefix = "outpost-"

// IsNative reports whether a flow with this core_version is a native Outpost flow.
func IsNative(coreVersion string) bool {
	return strings.HasPrefix(coreVersion, NativeCoreVersionPrefix)
}

// Command is the argv a container runs for a flow run. Native flows run
// `outpost execute flow-run`. Prefect flows run what Prefect's Docker agent runs
// (get_flow_run_command): `prefect execute flow-run`, or `prefect execute cloud-flow`
// when core_version is missing or older than 0.13.0, where the command was renamed.
// argv[0] is the program's name; a launcher may replace it with a full path.
func Command(coreVersion string) []string {
	if IsNative(coreVersion) {
		return []string{"outpost", "execute", "flow-run"}
	}
	if coreVersion == "" {
		coreVersion = "0.0.0"
	}
	if versionBefore0130(coreVersion) {
		return []string{"prefect", "execute", "cloud-flow"}
	}
	return []string{"prefect", "execute", "flow-run"}
}

// LocalCommand is the argv a local process runs: Prefect's local agent always runs
// `prefect execute flow-run`, whatever the core_version; native flows run outpost.
func LocalCommand(coreVersion string) []string {
	if IsNative(coreVersion) {
		return []string{"outpost", "execute", "flow-run"}
	}
	return []string{"prefect", "execute", "flow-run"}
}

// pep440 matches a PEP 440 version, with the spellings packaging normalises.
var pep440 = regexp.MustCompile(`(?i)^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)` +
	`([-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?` +
	`(-\d+|[-_.]?(?:post|rev|r)[-_.]?\d*)?` +
	`([-_.]?dev[-_.]?\d*)?` +
	`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$`)

// versionBefore0130 is packaging's parse(v) < parse("0.13.0"). A string that is not a
// PEP 440 version parses as a LegacyVersion there, which sorts before every real one.
func versionBefore0130(v string) bool {
	m := pep440.FindStringSubmatch(v)
	if m == nil {
		return true
	}
	if epoch := strings.TrimLeft(m[1], "0"); epoch != "" {
		return false
	}
	release := strings.Split(m[2], ".")
	for i, want := range []int{0, 13, 0} {
		got := 0
		if i < len(release) {
			digits := strings.TrimLeft(release[i], "0")
			if len(digits) > 6 {
				return false // far beyond 13, and beyond what Atoi need handle
			}
			got, _ = strconv.Atoi("0" + digits)
		}
		if got != want {
			return got < want
		}
	}
	for _, part := range release[min(3, len(release)):] {
		if strings.Trim(part, "0") != "" {
			return false // 0.13.0.1 and the like
		}
	}
	pre, post, dev := m[3] != "", m[4] != "", m[5] != ""
	// Same release as 0.13.0: a pre-release, or a dev release that is not of a post
	// release, comes before it.
	return pre || (dev && !post)
}
