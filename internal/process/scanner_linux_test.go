package process

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
)

// answer is what one caller of Members got, and when.
type answer struct {
	pids []int
	err  error
	at   time.Time
}

func ask(s *Scanner, pgid int, to chan<- answer) {
	pids, err := s.Members(context.Background(), pgid)
	to <- answer{pids, err, time.Now()}
}

// TestScannerSharesPasses: callers asking together share passes over /proc. The
// scanner's rests run on the bubble's clock, which moves only once every caller waits.
func TestScannerSharesPasses(t *testing.T) {
	const callers = 50
	tests := []struct {
		name string
		// primed: one caller asks first, so the others ask while the scanner rests.
		primed bool
		// passes made for the callers (after the priming one), at least and at most.
		least, most int32
	}{
		{"asking while the scanner rests", true, 1, 1},
		// The first caller's pass may begin before the others join it; they share the next.
		{"asking at once of an idle scanner", false, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var passes atomic.Int32
				s := NewScanner(WithScanHook(func() { passes.Add(1) }))
				pgid := syscall.Getpgrp()
				if tt.primed {
					if _, err := s.Members(context.Background(), pgid); err != nil {
						t.Fatal(err)
					}
					passes.Store(0)
				}
				answers := make(chan answer, callers)
				for range callers {
					go ask(s, pgid, answers)
				}
				for range callers {
					a := <-answers
					if a.err != nil || !slices.Contains(a.pids, os.Getpid()) {
						t.Fatalf("Members(own group %d) = %v, %v; want one holding this process %d", pgid, a.pids, a.err, os.Getpid())
					}
				}
				if got := passes.Load(); got < tt.least || got > tt.most {
					t.Errorf("%d callers took %d passes, want %d to %d", callers, got, tt.least, tt.most)
				}
			})
		})
	}
}

// recordingClock is the real clock (the bubble's, in a synctest bubble) that notes the
// rests asked of it.
type recordingClock struct {
	mu    sync.Mutex
	rests []time.Duration
}

func (c *recordingClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.rests = append(c.rests, d)
	c.mu.Unlock()
	return time.After(d)
}

// TestScannerAnswersFromLaterPass: a caller who asks while a pass is under way is not
// answered from it, as it may have read /proc before the caller asked, and the next
// pass waits for the rest, timed by the injected clock.
func TestScannerAnswersFromLaterPass(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const interval = 30 * time.Millisecond
		release := make(chan struct{})
		var starts []time.Time // written only by the pass in progress
		clock := &recordingClock{}
		s := NewScanner(WithScanInterval(interval), WithScanClock(clock), WithScanHook(func() {
			starts = append(starts, time.Now())
			if len(starts) == 1 {
				<-release // hold the first pass until the second caller has asked
			}
		}))
		pgid := syscall.Getpgrp()
		first, second := make(chan answer, 1), make(chan answer, 1)

		go ask(s, pgid, first)
		synctest.Wait() // the first pass has begun and is held
		go ask(s, pgid, second)
		synctest.Wait() // the second caller waits
		select {
		case a := <-second:
			t.Fatalf("the second caller was answered (%v) before the pass under way ended", a)
		default:
		}
		close(release)

		a1, a2 := <-first, <-second
		if a1.err != nil || a2.err != nil {
			t.Fatalf("Members = %v, %v", a1.err, a2.err)
		}
		if len(starts) != 2 {
			t.Fatalf("%d passes, want 2: the second caller needs a pass of its own", len(starts))
		}
		if gap := starts[1].Sub(starts[0]); gap < interval {
			t.Errorf("passes began %s apart, want at least the interval %s", gap, interval)
		}
		if a2.at.Before(starts[1]) {
			t.Errorf("the second caller was answered at %s, before the second pass began at %s", a2.at, starts[1])
		}
		synctest.Wait() // the last pass has asked for its rest
		clock.mu.Lock()
		defer clock.mu.Unlock()
		if len(clock.rests) == 0 || slices.Min(clock.rests) < interval {
			t.Errorf("rests asked of the clock = %v, want each at least %s", clock.rests, interval)
		}
	})
}

// TestScannerRest: the rest after a pass is the interval, unless callers were waiting
// for the next pass while it ran: then it grows with the pass, to bound the share of a
// core that scanning takes. The pass's length is played on the bubble's clock.
func TestScannerRest(t *testing.T) {
	const interval, pass = 2 * time.Millisecond, 10 * time.Millisecond
	tests := []struct {
		name    string
		waiting bool // a second caller asks while the first pass runs
		want    time.Duration
	}{
		{"nobody waiting", false, interval},
		{"a caller waiting", true, 2 * pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				passes := 0 // touched only by the pass in progress
				clock := &recordingClock{}
				s := NewScanner(WithScanInterval(interval), WithScanClock(clock), WithScanHook(func() {
					if passes++; passes == 1 {
						<-release
						time.Sleep(pass) // the pass takes this long on the bubble's clock
					}
				}))
				pgid := syscall.Getpgrp()
				answers := make(chan answer, 2)
				go ask(s, pgid, answers)
				synctest.Wait() // the first pass has begun and is held
				asked := 1
				if tt.waiting {
					go ask(s, pgid, answers)
					synctest.Wait()
					asked++
				}
				close(release)
				for range asked {
					if a := <-answers; a.err != nil {
						t.Fatal(a.err)
					}
				}
				synctest.Wait() // the last pass has asked for its rest
				clock.mu.Lock()
				defer clock.mu.Unlock()
				if len(clock.rests) == 0 || clock.rests[0] != tt.want {
					t.Errorf("rests = %v, want the first to be %s", clock.rests, tt.want)
				}
			})
		})
	}
}

// TestScannerFollowsGroup follows a group of a leader and its child as it ends: the live
// members are listed, a zombie is not, and a group whose last live process ended is
// reported empty.
func TestScannerFollowsGroup(t *testing.T) {
	cmd, child := startForked(t)
	pgid := cmd.Process.Pid
	s := NewScanner()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	steps := []struct {
		name string
		act  func() error
		want []int
	}{
		{"leader and child", func() error { return nil }, slices.Sorted(slices.Values([]int{pgid, child}))},
		{"leader ended, unreaped", func() error {
			if err := syscall.Kill(pgid, syscall.SIGKILL); err != nil {
				return err
			}
			return WaitExit(pgid)
		}, []int{child}},
		{"child ended too", func() error { return SignalGroup(pgid, syscall.SIGKILL) }, nil},
	}
	for _, step := range steps {
		if err := step.act(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		// A killed process takes a moment to become a zombie: ask until the answer is
		// the one expected, each time from a new pass, or until the deadline.
		var got []int
		for {
			pids, err := s.Members(ctx, pgid)
			if err != nil {
				t.Fatalf("%s: Members = %v (last answer %v, want %v)", step.name, err, got, step.want)
			}
			if got = pids; slices.Equal(got, step.want) {
				break
			}
		}
	}
}

// startForked starts a "fork" group leader and returns it and its child's pid. Whatever is left of the group is killed when the test ends.
func startForked(t *testing.T) (*exec.Cmd, int) {
	t.Helper()
	out, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	attr, err := GroupAttr()
	if err != nil {
		t.Fatal(err)
	}
	stdin, in, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{helperEnv + "=fork"}
	cmd.Stdin, cmd.Stdout, cmd.SysProcAttr = stdin, w, attr
	err = cmd.Start()
	stdin.Close()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		if cmd.ProcessState == nil { // unreaped, the leader still holds the group id
			_ = SignalGroup(cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child's pid: %v", err)
	}
	child, err := strconv.Atoi(line[:len(line)-1])
	if err != nil {
		t.Fatalf("child pid %q: %v", line, err)
	}
	return cmd, child
}
