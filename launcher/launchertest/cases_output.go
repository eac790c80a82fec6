package launchertest

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/outposthq/outpost/launcher"
	"github.com/outposthq/outpost/secrets"
)

// secretValue has characters that JSON escapes, so its escaped form differs.
const secretValue = `s3cr<t"pa\ss-0xDEADBEEF`

// outputCases: stdout and stderr arrive merged, in order, complete and redacted.
func (s *suite) outputCases() []testCase {
	exact := func(name string, want string, args ...string) testCase {
		return testCase{name, func(t *testing.T) {
			sp, out := s.spec(args...)
			assertResult(t, s.run(t, sp), 0, "")
			if got := out.String(); got != want {
				t.Errorf("output = %.200q (%d bytes), want %.200q (%d bytes)", got, len(got), want, len(want))
			}
		}}
	}
	secret := func(how, want string) testCase {
		return testCase{"secret " + how, func(t *testing.T) {
			sp, out := s.spec("secret", "TOKEN", how)
			sp.Env = []string{"TOKEN=" + secretValue}
			sp.Redact = []string{secretValue}
			res := s.run(t, sp)
			assertResult(t, res, 0, "")
			escaped, _ := json.Marshal(secretValue)
			got := out.String()
			for _, leak := range []string{secretValue, strings.Trim(string(escaped), `"`)} {
				if strings.Contains(got, leak) {
					t.Errorf("the secret leaked into the output, in the form %q", leak)
				}
			}
			if got != want {
				t.Errorf("output = %q, want %q", got, want)
			}
			if res.Err != nil && strings.Contains(res.Err.Error(), secretValue) {
				t.Errorf("the secret leaked into Result.Err")
			}
		}}
	}
	const line = "a line of output, long enough to fill the pipe quickly"
	const lines = 20000 // well over a pipe's buffer
	many := strings.Repeat(line+"\n", lines)
	return []testCase{
		exact("stdout", "to stdout\n", "print", "to stdout"),
		exact("stderr", "to stderr\n", "stderr", "to stderr"),
		s.interleaveCase(),
		{"partial last line", func(t *testing.T) {
			const text = "no newline at the end"
			sp, out := s.spec("partial", text)
			// A secret that starts like the text's tail makes the redactor hold that tail
			// back: only a final flush delivers it.
			sp.Redact = []string{"the end is near"}
			assertResult(t, s.run(t, sp), 0, "")
			if got := out.String(); got != text {
				t.Errorf("output = %q, want %q", got, text)
			}
		}},
		exact("more than a pipe holds", many, "repeat", strconv.Itoa(lines), line),
		secret("plain", secrets.Redacted+"\n"),
		secret("split", secrets.Redacted+"\n"),
		secret("json", `{"token":"`+secrets.Redacted+`"}`+"\n"),
		{"nil output discards", func(t *testing.T) {
			sp, _ := s.spec("repeat", strconv.Itoa(lines), line)
			sp.Output = nil
			res := s.run(t, sp)
			assertResult(t, res, 0, "")
			if res.Err != nil {
				t.Errorf("Result.Err = %v, want nil", res.Err)
			}
		}},
		{"failing output does not block the run", func(t *testing.T) {
			sp, _ := s.spec("repeat", strconv.Itoa(lines), line)
			sp.Output = failingWriter{}
			res := s.run(t, sp)
			assertResult(t, res, 0, "")
			if res.Err == nil {
				t.Errorf("Result.Err = nil, want the output's write error")
			}
		}},
		{"50 concurrent runs", func(t *testing.T) {
			const n = 50
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					word := "run-" + strconv.Itoa(i)
					sp, out := s.spec("print", word)
					h, err := s.tryLaunch(t, sp)
					if err != nil {
						t.Errorf("Launch %d: %v", i, err)
						return
					}
					res, err := waitResult(h)
					if err != nil {
						t.Errorf("Wait %d: %v", i, err)
						return
					}
					if left, err := s.tools.Leftovers(h); err != nil || len(left) > 0 {
						t.Errorf("run %d left %v running (%v)", i, left, err)
					}
					if res.ExitCode != 0 || res.Signal != "" || out.String() != word+"\n" {
						t.Errorf("run %d: result %v, output %q; want exit code 0 and %q", i, res, out.String(), word+"\n")
					}
				})
			}
			wg.Wait()
		}},
	}
}

// waitResult waits for h within the suite's patience, for use off the test goroutine.
func waitResult(h launcher.Handle) (launcher.Result, error) {
	ctx, cancel := contextWithPatience()
	defer cancel()
	return h.Wait(ctx)
}

// interleaveCase: stdout and stderr arrive merged in the order written or, for a runtime
// that carries them apart, each in its own order.
func (s *suite) interleaveCase() testCase {
	const want = "out 1\nerr 2\nout 3\n"
	return testCase{"stdout and stderr merged in order", func(t *testing.T) {
		sp, out := s.spec("interleave")
		assertResult(t, s.run(t, sp), 0, "")
		got := out.String()
		if !s.tools.SeparateStreams {
			if got != want {
				t.Errorf("output = %q, want %q", got, want)
			}
			return
		}
		valid := []string{want, "err 2\nout 1\nout 3\n", "out 1\nout 3\nerr 2\n"}
		if !slices.Contains(valid, got) {
			t.Errorf("output = %q, want the lines of %q with stdout's in order", got, want)
		}
	}}
}
