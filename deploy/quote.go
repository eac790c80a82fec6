package deploy

import "strings"

// shellQuote quotes one argument for a POSIX-shell-style word splitter (supervisord
// splits `command=` with Python's shlex): plain words stay as they are, anything else
// goes in single quotes, with embedded single quotes written as '"'"'.
func shellQuote(arg string) string {
	if arg != "" && strings.IndexFunc(arg, needsShellQuote) < 0 {
		return arg
	}
	return "'" + strings.ReplaceAll(arg, "'", `'"'"'`) + "'"
}

func needsShellQuote(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return false
	}
	return !strings.ContainsRune("-_./:=,@+", r)
}

// systemdQuote quotes one argument of ExecStart. systemd splits on whitespace, honours
// double quotes with C-style backslash escapes, expands `$VAR` and `%` specifiers, so
// those are doubled ($$, %%) to reach the agent literally.
func systemdQuote(arg string) string {
	arg = strings.ReplaceAll(arg, "%", "%%")
	arg = strings.ReplaceAll(arg, "$", "$$")
	if arg != "" && !strings.ContainsAny(arg, " \t\n\"'\\;") {
		return arg
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\t", `\t`)
	return `"` + r.Replace(arg) + `"`
}
