package runconfig

import (
	"fmt"
	"regexp"
	"runtime"
	"strings"
)

// Volume is one parsed --volume spec.
type Volume struct {
	// Source is the host path or the named volume; when the spec gave only one path it
	// is that path, mounted at the same place in the container.
	Source string
	Target string // the path inside the container
	Mode   string // "rw" unless the spec gave one; passed to the engine as given
	Named  bool   // Source is a named volume, which the agent creates when missing
}

// Bind is the volume in the engine's HostConfig.Binds form, source:target:mode.
func (v Volume) Bind() string { return v.Source + ":" + v.Target + ":" + v.Mode }

// VolumeSet is what a list of specs gives the container, as Prefect's agent builds it.
type VolumeSet struct {
	MountPaths   []string // every Target in spec order, duplicates kept (Config.Volumes)
	NamedVolumes []string // named sources in spec order, to create when missing
	Binds        []string // one per Source; a later spec for the same Source replaces
	// the earlier one in place (HostConfig.Binds)
}

// ParseVolume parses one --volume spec with the rules of the agent's platform, as
// Prefect's Docker agent does: Windows rules on Windows, POSIX rules elsewhere.
func ParseVolume(spec string) (Volume, error) {
	return parseVolume(spec, runtime.GOOS == "windows")
}

// ParseVolumes parses every spec and assembles the container's mounts.
func ParseVolumes(specs []string) (VolumeSet, error) {
	var set VolumeSet
	at := map[string]int{}
	for _, spec := range specs {
		v, err := ParseVolume(spec)
		if err != nil {
			return VolumeSet{}, err
		}
		set.MountPaths = append(set.MountPaths, v.Target)
		if v.Named {
			set.NamedVolumes = append(set.NamedVolumes, v.Source)
		}
		if i, seen := at[v.Source]; seen {
			set.Binds[i] = v.Bind()
			continue
		}
		at[v.Source] = len(set.Binds)
		set.Binds = append(set.Binds, v.Bind())
	}
	return set, nil
}

func parseVolume(spec string, windows bool) (Volume, error) {
	if windows {
		return parseVolumeWin32(spec)
	}
	return parseVolumeUnix(spec)
}

// parseVolumeUnix follows _parse_volume_spec_unix: external:internal[:mode], each path
// stripped and normalised, the mode taken as given. Outpost also refuses an empty spec,
// which Prefect would mount at ".".
func parseVolumeUnix(spec string) (Volume, error) {
	fields := strings.Split(spec, ":")
	if len(fields) > 3 || strings.TrimSpace(spec) == "" {
		return Volume{}, fmt.Errorf("Docker volume format is invalid: %s (should be 'external:internal[:mode]')", spec)
	}
	var external, internal string
	if len(fields) == 1 {
		internal = posixNormpath(strings.TrimSpace(fields[0]))
	} else {
		external = posixNormpath(strings.TrimSpace(fields[0]))
		internal = posixNormpath(strings.TrimSpace(fields[1]))
	}
	mode := "rw"
	if len(fields) == 3 {
		mode = fields[2]
	}
	return finishVolume(external, internal, mode, isNamedVolumeUnix)
}

// isNamedVolumeUnix: a source that is not a path. It runs after normpath, so ./data
// (normalised to data) counts as a named volume, as in Prefect.
func isNamedVolumeUnix(p string) bool {
	return !strings.HasPrefix(p, ".") && !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "~")
}

func finishVolume(external, internal, mode string, named func(string) bool) (Volume, error) {
	v := Volume{Source: external, Target: internal, Mode: mode}
	if external != "" && named(external) {
		v.Named = true
		if mode != "rw" {
			return Volume{}, fmt.Errorf("Named volumes can only have 'rw' mode, provided '%s'", mode)
		}
	}
	if v.Source == "" {
		v.Source = internal
	}
	return v, nil
}

// parseVolumeWin32 follows _parse_volume_spec_win32: a trailing ro/rw is the mode, and a
// drive-letter path alone (C:\data) is mounted at its POSIX form (/c/data).
func parseVolumeWin32(spec string) (Volume, error) {
	fields := strings.Split(spec, ":")
	mode := "rw"
	if last := fields[len(fields)-1]; last == "ro" || last == "rw" {
		mode, fields = last, fields[:len(fields)-1]
	}
	var external, internal string
	switch {
	case len(fields) == 3 && len(fields[0]) == 1:
		external = ntNormpath(fields[0] + ":" + fields[1])
		internal = posixNormpath(fields[2])
	case len(fields) == 2:
		combined := fields[0] + ":" + fields[1]
		if drive, rest := ntSplitdrive(combined); drive != "" {
			external = ntNormpath(combined)
			internal = posixNormpath(strings.ReplaceAll("/"+strings.TrimRight(strings.ToLower(drive), ":")+rest, `\`, "/"))
		} else {
			external = ntNormpath(fields[0])
			internal = posixNormpath(fields[1])
		}
	case len(fields) == 1 && fields[0] == "//var/run/docker.sock":
		// The Docker socket, for docker-in-docker, keeps its POSIX form on both sides.
		external, internal = fields[0], fields[0][1:]
	case len(fields) == 1:
		external = ntNormpath(fields[0])
		internal = external
	default:
		return Volume{}, fmt.Errorf("Unable to parse volume specification '%s'", spec)
	}
	return finishVolume(external, internal, mode, isNamedVolumeWin32)
}

var windowsDrivePath = regexp.MustCompile(`^[A-Za-z]:\\`)

func isNamedVolumeWin32(p string) bool {
	return isNamedVolumeUnix(p) && !windowsDrivePath.MatchString(p) && !strings.HasPrefix(p, `\`)
}
