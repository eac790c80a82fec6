package deploy

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// awkward holds arguments that break naive concatenation (Prefect's install output).
var awkward = [][]string{
	{"agent", "local", "start", "-l", "dev", "-l", "gpu"},
	{"agent", "local", "start", "-e", "GREETING=hello world", "-e", "Q='single' \"double\""},
	{"agent", "local", "start", "-p", "/opt/my flows", "-k", "opk_secret", "--tenant-id", "t-1"},
	{"agent", "local", "start", "-e", "PCT=100%", "-e", "HOME=$HOME", "-e", `BS=a\b`, "-e", "EMPTY="},
	{"agent", "local", "start", "-e", "TAB=a\tb", "-e", "SEMI=a;b", "-l", ""},
}

func TestSupervisordQuotesEveryArgument(t *testing.T) {
	for _, args := range awkward {
		conf := Supervisord("/usr/local/bin/outpost", args, nil)
		line := lineWithPrefix(t, conf, "command=")
		// supervisord expands %(name)s and takes %% as a literal %.
		words := shlexSplit(t, strings.ReplaceAll(line, "%%", "%"))
		want := append([]string{"/usr/local/bin/outpost"}, args...)
		if diff := cmp.Diff(want, words); diff != "" {
			t.Errorf("command= does not split back into the arguments (-want +got):\n%s\n%s", diff, line)
		}
	}
}

func TestSupervisordStopWaitFollowsDrainGrace(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "stopwaitsecs=345"},
		{[]string{"--drain-grace", "2m"}, "stopwaitsecs=165"},
		{[]string{"--drain-grace=10s"}, "stopwaitsecs=55"},
	} {
		if conf := Supervisord("outpost", tc.args, nil); !strings.Contains(conf, "\n"+tc.want+"\n") {
			t.Errorf("args %q: want %s in\n%s", tc.args, tc.want, conf)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	for _, args := range awkward {
		unit := Systemd("/usr/local/bin/outpost", args, SystemdOptions{DrainGrace: time.Minute, User: "outpost"})
		line := lineWithPrefix(t, unit, "ExecStart=")
		want := append([]string{"/usr/local/bin/outpost"}, args...)
		if diff := cmp.Diff(want, systemdSplit(t, line)); diff != "" {
			t.Errorf("ExecStart does not split back into the arguments (-want +got):\n%s\n%s", diff, line)
		}
		for _, must := range []string{"Restart=on-failure", "TimeoutStopSec=105", "KillMode=mixed", "KillSignal=SIGTERM", "User=outpost", "WantedBy=multi-user.target"} {
			if !strings.Contains(unit, "\n"+must+"\n") {
				t.Errorf("unit lacks %q:\n%s", must, unit)
			}
		}
	}
}

func lineWithPrefix(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, l := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(l, prefix); ok {
			return rest
		}
	}
	t.Fatalf("no line starting with %q in:\n%s", prefix, text)
	return ""
}

// shlexSplit splits like Python's shlex.split in POSIX mode, which supervisord uses:
// single quotes are literal, double quotes allow \" \\ \$ \`, backslash escapes outside.
func shlexSplit(t *testing.T, s string) []string {
	t.Helper()
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				t.Fatalf("unterminated single quote in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+j])
			i, inWord = i+1+j, true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				t.Fatalf("unterminated double quote in %q", s)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// systemdSplit splits an ExecStart line as systemd does for the cases quoting produces:
// whitespace separates words, double-quoted words take C escapes, $$ and %% are literal.
func systemdSplit(t *testing.T, s string) []string {
	t.Helper()
	unescape := strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n", `\t`, "\t")
	var words []string
	for s = strings.TrimLeft(s, " "); s != ""; s = strings.TrimLeft(s, " ") {
		var w string
		if s[0] == '"' {
			end := 1
			for end < len(s) && s[end] != '"' {
				if s[end] == '\\' {
					end++
				}
				end++
			}
			if end >= len(s) {
				t.Fatalf("unterminated quote in %q", s)
			}
			w, s = unescape.Replace(s[1:end]), s[end+1:]
		} else {
			end := strings.IndexByte(s, ' ')
			if end < 0 {
				end = len(s)
			}
			w, s = s[:end], s[end:]
			if strings.ContainsAny(w, "\"'\\") {
				t.Fatalf("unquoted word %q holds a quote or backslash", w)
			}
		}
		words = append(words, strings.ReplaceAll(strings.ReplaceAll(w, "$$", "$"), "%%", "%"))
	}
	return words
}

func TestCredentialsGoToTheEnvironment(t *testing.T) {
	environ := []string{`OUTPOST_KEY=opk_a"b%c\d`}
	conf := Supervisord("outpost", []string{"agent", "local", "start"}, environ)
	if want := `environment=OUTPOST_KEY="opk_a\"b%%c\\d"`; !strings.Contains(conf, "\n"+want+"\n") {
		t.Errorf("supervisord config lacks %s:\n%s", want, conf)
	}
	if strings.Contains(lineWithPrefix(t, conf, "command="), "opk_") {
		t.Error("the key is on supervisord's command line")
	}
	unit := Systemd("outpost", []string{"agent"}, SystemdOptions{Environment: environ})
	got := systemdSplit(t, lineWithPrefix(t, unit, "Environment="))
	if len(got) != 1 || got[0] != environ[0] {
		t.Errorf("systemd Environment= splits into %q, want %q", got, environ)
	}
	if strings.Contains(lineWithPrefix(t, unit, "ExecStart="), "opk_") {
		t.Error("the key is on systemd's ExecStart line")
	}
}
