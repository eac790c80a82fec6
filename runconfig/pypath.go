package runconfig

import "strings"

// The path helpers below reproduce Python's, because Prefect's results (bind sources,
// image names, working dirs) depend on their exact quirks: a leading "//" survives
// posixpath.normpath, "" becomes ".", and ".." is resolved textually.

// posixNormpath is Python's posixpath.normpath.
func posixNormpath(p string) string {
	if p == "" {
		return "."
	}
	lead := ""
	switch {
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		lead = "//"
	case strings.HasPrefix(p, "/"):
		lead = "/"
	}
	var comps []string
	for _, c := range strings.Split(p, "/") {
		switch {
		case c == "" || c == ".":
		case c != ".." || (lead == "" && len(comps) == 0) || (len(comps) > 0 && comps[len(comps)-1] == ".."):
			comps = append(comps, c)
		case len(comps) > 0:
			comps = comps[:len(comps)-1]
		}
	}
	out := lead + strings.Join(comps, "/")
	if out == "" {
		return "."
	}
	return out
}

// purePosixJoin is str(PurePosixPath(a, b)): b replaces a when absolute; empty and "."
// parts drop out, ".." stays, and exactly two leading slashes are kept.
func purePosixJoin(a, b string) string {
	p := b
	if !strings.HasPrefix(b, "/") && a != "" {
		p = a + "/" + b
	}
	lead := ""
	switch {
	case strings.HasPrefix(p, "//") && !strings.HasPrefix(p, "///"):
		lead = "//"
	case strings.HasPrefix(p, "/"):
		lead = "/"
	}
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			parts = append(parts, c)
		}
	}
	out := lead + strings.Join(parts, "/")
	if out == "" {
		return "."
	}
	return out
}

// ntSplitdrive is Python's ntpath.splitdrive: a drive letter ("C:") or a UNC share
// ("\\host\share") and the rest.
func ntSplitdrive(p string) (drive, rest string) {
	if len(p) < 2 {
		return "", p
	}
	norm := strings.ReplaceAll(p, "/", `\`)
	if norm[:2] == `\\` && (len(norm) < 3 || norm[2] != '\\') {
		i := strings.Index(norm[2:], `\`)
		if i < 0 {
			return "", p
		}
		i += 2
		j := strings.Index(norm[i+1:], `\`)
		if j == 0 {
			return "", p
		}
		if j < 0 {
			j = len(p)
		} else {
			j += i + 1
		}
		return p[:j], p[j:]
	}
	if norm[1] == ':' {
		return p[:2], p[2:]
	}
	return "", p
}

// ntNormpath is Python's ntpath.normpath.
func ntNormpath(p string) string {
	if strings.HasPrefix(p, `\\.\`) || strings.HasPrefix(p, `\\?\`) {
		return p
	}
	p = strings.ReplaceAll(p, "/", `\`)
	prefix, rest := ntSplitdrive(p)
	if strings.HasPrefix(rest, `\`) {
		prefix += `\`
		rest = strings.TrimLeft(rest, `\`)
	}
	comps := strings.Split(rest, `\`)
	for i := 0; i < len(comps); {
		switch {
		case comps[i] == "" || comps[i] == ".":
			comps = append(comps[:i], comps[i+1:]...)
		case comps[i] == ".." && i > 0 && comps[i-1] != "..":
			comps = append(comps[:i-1], comps[i+1:]...)
			i--
		case comps[i] == ".." && i == 0 && strings.HasSuffix(prefix, `\`):
			comps = comps[1:]
		default:
			i++
		}
	}
	if prefix == "" && len(comps) == 0 {
		comps = []string{"."}
	}
	return prefix + strings.Join(comps, `\`)
}
