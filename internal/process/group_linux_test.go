package process

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"testing"
)

// helperEnv makes the test binary act as a child process instead of running tests.
const helperEnv = "OUTPOST_PROCESS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "block":
		// Block until killed: reading stdin, which the test holds open and never writes.
		_, _ = os.Stdin.Read(make([]byte, 1))
		os.Exit(0)
	case "exit3":
		os.Exit(3)
	case "fork":
		// Start a child in this group that blocks like "block", print its pid, then block.
		child := exec.Command(os.Args[0])
		child.Env = []string{helperEnv + "=block"}
		child.Stdin = os.Stdin
		if err := child.Start(); err != nil {
			os.Exit(2)
		}
		fmt.Println(child.Process.Pid)
		_, _ = os.Stdin.Read(make([]byte, 1))
		os.Exit(0)
	}
	os.Exit(2)
}

// startGroup starts the test binary in mode as the leader of a new process group.
// The returned pipe is the child's stdin: closing it ends a "block" child.
func startGroup(t *testing.T, mode string) (*exec.Cmd, *os.File) {
	t.Helper()
	attr, err := GroupAttr()
	if err != nil {
		t.Fatal(err)
	}
	stdin, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{helperEnv + "=" + mode}
	cmd.Stdin = stdin
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	t.Cleanup(func() {
		w.Close()
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, w
}

func TestGroupLifecycle(t *testing.T) {
	cmd, _ := startGroup(t, "block")
	pgid := cmd.Process.Pid

	members, err := GroupMembers(pgid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(members, []int{pgid}) {
		t.Fatalf("GroupMembers(%d) = %v, want just the leader", pgid, members)
	}

	if err := SignalGroup(pgid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := WaitExit(pgid); err != nil {
		t.Fatal(err)
	}
	// The zombie leader still holds the group id: the kernel cannot tell it is empty.
	if gone, err := GroupGone(pgid); err != nil || gone {
		t.Fatalf("GroupGone with an unreaped leader = %v, %v; want false", gone, err)
	}
	// The leader is now an unreaped zombie: not a member, but its status is still there.
	members, err = GroupMembers(pgid)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != 0 {
		t.Fatalf("GroupMembers after the leader exited = %v, want none (zombies are not members)", members)
	}
	err = cmd.Wait()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("Wait after WaitExit = %v, want the kill status (WaitExit must not reap)", err)
	}
	code, sig := ExitStatus(cmd.ProcessState)
	if code != 137 || sig != "SIGKILL" {
		t.Fatalf("ExitStatus = %d, %q; want 137, SIGKILL", code, sig)
	}

	// Reaped, the leader no longer holds the group id, and nothing else ever had it.
	if gone, err := GroupGone(pgid); err != nil || !gone {
		t.Fatalf("GroupGone after the leader was reaped = %v, %v; want true", gone, err)
	}
	// The group is gone now: signalling it is not an error.
	if err := SignalGroup(pgid, syscall.SIGTERM); err != nil {
		t.Fatalf("SignalGroup on an ended group = %v, want nil", err)
	}
}

func TestExitStatusOfExit(t *testing.T) {
	cmd, _ := startGroup(t, "exit3")
	_ = cmd.Wait()
	code, sig := ExitStatus(cmd.ProcessState)
	if code != 3 || sig != "" {
		t.Fatalf("ExitStatus = %d, %q; want 3 and no signal", code, sig)
	}
}

func TestRefusesSpecialGroups(t *testing.T) {
	for _, pgid := range []int{-5, 0, 1} {
		if err := SignalGroup(pgid, 0); err == nil {
			t.Errorf("SignalGroup(%d) = nil, want a refusal", pgid)
		}
		if _, err := GroupMembers(pgid); err == nil {
			t.Errorf("GroupMembers(%d) = nil error, want a refusal", pgid)
		}
		if _, err := GroupGone(pgid); err == nil {
			t.Errorf("GroupGone(%d) = nil error, want a refusal", pgid)
		}
		if _, err := NewScanner().Members(context.Background(), pgid); err == nil {
			t.Errorf("Scanner.Members(%d) = nil error, want a refusal", pgid)
		}
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name, stat string
		state      byte
		pgid       int
		ok         bool
	}{
		{"plain", "123 (sleep) S 1 123 123 0 -1", 'S', 123, true},
		{"spaces and parens in comm", "77 (a) b (c) Z 5 42 42 0", 'Z', 42, true},
		{"cut after the group", "77 (x) R 5 42", 'R', 42, true},
		{"newline after the group", "77 (x) R 5 42\n", 'R', 42, true},
		{"kernel thread", "2 (kthreadd) S 0 0 0 0 -1", 'S', 0, true},
		{"long state", "77 (x) RS 5 42", 0, 0, false},
		{"negative group", "77 (x) R 5 -4", 0, 0, false},
		{"group too long", "77 (x) R 5 12345678901", 0, 0, false},
		{"no comm", "77 S 5 42", 0, 0, false},
		{"truncated", "77 (x) R 5", 0, 0, false},
		{"bad group", "77 (x) R 5 abc", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, pgid, ok := parseStat([]byte(tt.stat))
			if state != tt.state || pgid != tt.pgid || ok != tt.ok {
				t.Fatalf("parseStat(%q) = %q, %d, %v; want %q, %d, %v", tt.stat, state, pgid, ok, tt.state, tt.pgid, tt.ok)
			}
		})
	}
}
