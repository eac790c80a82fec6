package cli

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string // substring of the error; "" means none
	}{
		{in: "", want: nil},
		{in: " \t\n ", want: nil},
		{in: "echo hello", want: []string{"echo", "hello"}},
		{in: "  echo \t hello\nworld  ", want: []string{"echo", "hello", "world"}},
		{in: `python -c 'print("hi there")'`, want: []string{"python", "-c", `print("hi there")`}},
		{in: `'a b'"c d"e`, want: []string{"a bc de"}},
		{in: `'' ""`, want: []string{"", ""}},
		{in: `x''`, want: []string{"x"}},
		{in: `'$HOME \n "x"'`, want: []string{`$HOME \n "x"`}},
		{in: `"\$HOME \` + "`" + `date\` + "`" + ` \"q\" \\ \n \a"`, want: []string{"$HOME `date` \"q\" \\ \\n \\a"}},
		{in: "\"a\\\nb\"", want: []string{"ab"}},
		{in: `"$HOME" $PATH`, want: []string{"$HOME", "$PATH"}},
		{in: `a\ b \'c\' \"d\" \\`, want: []string{"a b", "'c'", `"d"`, `\`}},
		{in: "one\\\ntwo", want: []string{"onetwo"}},
		{in: `echo a | grep b > out; # not a comment`, want: []string{"echo", "a", "|", "grep", "b", ">", "out;", "#", "not", "a", "comment"}},
		{in: `echo "it's"`, want: []string{"echo", "it's"}},
		{in: `echo 'it'\''s'`, want: []string{"echo", "it's"}},
		{in: "héllo wörld", want: []string{"héllo", "wörld"}},
		{in: `echo 'unterminated`, wantErr: "single quote at offset 5 is never closed"},
		{in: `echo "unterminated`, wantErr: "double quote at offset 5 is never closed"},
		{in: `echo "ends in escape\"`, wantErr: "double quote at offset 5 is never closed"},
		{in: `echo \`, wantErr: "ends with a backslash"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := splitWords(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("splitWords(%q) = %q, %v; want an error containing %q", tc.in, got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("splitWords(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("splitWords(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

// quoteWord quotes s for a POSIX shell: in single quotes, where each single quote of s
// closes the quoting, is escaped with a backslash, and reopens it.
func quoteWord(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// FuzzSplitWords checks that splitting never panics and that the words it finds survive
// being quoted and split again unchanged.
func FuzzSplitWords(f *testing.F) {
	for _, seed := range []string{"", "echo hi", `a 'b c' "d \" e" f\ g`, `'x`, `"y`, `\`, "a\\\nb", `"\$\a"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		words, err := splitWords(line)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quoteWord(w)
		}
		again, err := splitWords(strings.Join(quoted, " "))
		if err != nil {
			t.Fatalf("re-splitting the quoted words %q: %v", words, err)
		}
		if diff := cmp.Diff(words, again); diff != "" {
			t.Fatalf("words changed after quoting (-first +again):\n%s", diff)
		}
	})
}
