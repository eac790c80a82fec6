package launchertest

import (
	"encoding/json"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// envCases: the child gets exactly Spec.Env, Spec.Dir, and a command found through the
// PATH of Spec.Env.
func (s *suite) envCases() []testCase {
	exactly := func(name string, env []string) testCase {
		return testCase{name, func(t *testing.T) {
			sp, out := s.spec("env")
			sp.Env = env
			assertResult(t, s.run(t, sp), 0, "")
			var got []string
			if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
				t.Fatalf("decoding the child's env %q: %v", out.String(), err)
			}
			want := slices.Sorted(slices.Values(env))
			if got := s.sortedEnv(got, env); !slices.Equal(got, want) {
				t.Errorf("child env = %q\nwant exactly %q", got, want)
			}
		}}
	}
	cases := []testCase{
		exactly("nil is empty, not the agent's", nil),
		exactly("empty", []string{}),
		exactly("exactly Spec.Env", []string{
			"PREFECT__CONTEXT__FLOW_RUN_ID=00000000-0000-0000-0000-000000000000",
			"EMPTY=",
			"WITH_EQUALS=a=b=c",
			"UNICODE=héllo ✓",
			"MULTI_LINE=line 1\nline 2",
			"PATH=/nowhere",
		}),
		{"working dir", func(t *testing.T) {
			dir := s.tools.WorkDir(t)
			sp, out := s.spec("pwd")
			sp.Dir = dir
			assertResult(t, s.run(t, sp), 0, "")
			got := strings.TrimSuffix(out.String(), "\n")
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				real = dir // a path inside a container, not on this host
			}
			if got != dir && got != real {
				t.Errorf("child ran in %q, want %q", got, dir)
			}
		}},
		{"argv[0] looked up in the PATH of Spec.Env", func(t *testing.T) {
			sp, out := s.spec("print", "found")
			sp.Argv[0] = path.Base(s.tools.Program)
			sp.Env = []string{"PATH=/nonexistent:" + path.Dir(s.tools.Program)}
			assertResult(t, s.run(t, sp), 0, "")
			if got := out.String(); got != "found\n" {
				t.Errorf("output = %q, want %q", got, "found\n")
			}
		}},
	}
	if s.tools.CreatesWorkDir {
		// launchErrorCases checks the error of a launcher that refuses a missing dir.
		cases = append(cases, testCase{"missing working dir is created", func(t *testing.T) {
			dir := path.Join(s.tools.WorkDir(t), "no-such-dir")
			sp, out := s.spec("pwd")
			sp.Dir = dir
			assertResult(t, s.run(t, sp), 0, "")
			if got := strings.TrimSuffix(out.String(), "\n"); got != dir {
				t.Errorf("child ran in %q, want %q, created by the runtime", got, dir)
			}
		}})
	}
	return cases
}
