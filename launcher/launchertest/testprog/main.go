//go:build unix

// Command testprog is the program the launcher conformance suite runs. It is built
// static (CGO_ENABLED=0) so that the same binary also runs in a container image that
// holds nothing else. Every mode that must be interrupted prints "ready" once it is in
// the state the test needs, so tests wait on output instead of on time.
//
// Usage: testprog MODE [ARGS...]
//
//	env                  print the environment as a sorted JSON array
//	pwd                  print the working directory
//	print TEXT           print TEXT and a newline
//	stderr TEXT          print TEXT and a newline to stderr
//	interleave           print "out 1", "err 2", "out 3" alternating stdout and stderr
//	partial TEXT         print TEXT with no newline
//	repeat N TEXT        print N lines of TEXT
//	secret NAME HOW      print the value of env var NAME: plain, split (in small writes)
//	                     or json (as {"token": VALUE})
//	exit N               exit with code N
//	kill SIG             kill itself with SIG (KILL or TERM)
//	sleep                print "ready", then block
//	trap                 ignore SIGTERM, start a child that ignores it too, print
//	                     "ready", then block
//	orphan               start a child that ignores SIGTERM, print "ready", then exit 0
//	escape               start a child in a session of its own (out of the process
//	                     group) that keeps stdout open, print "escaped PID", then exit 0
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: testprog MODE [ARGS...]")
	}
	mode, args := os.Args[1], os.Args[2:]
	switch mode {
	case "env":
		env := os.Environ()
		slices.Sort(env)
		out, _ := json.Marshal(env)
		fmt.Printf("%s\n", out)
	case "pwd":
		dir, err := os.Getwd()
		if err != nil {
			fail(err.Error())
		}
		fmt.Println(dir)
	case "print":
		fmt.Println(arg(args, 0))
	case "stderr":
		fmt.Fprintln(os.Stderr, arg(args, 0))
	case "interleave":
		fmt.Fprintln(os.Stdout, "out 1")
		fmt.Fprintln(os.Stderr, "err 2")
		fmt.Fprintln(os.Stdout, "out 3")
	case "partial":
		fmt.Print(arg(args, 0))
	case "repeat":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			fail("repeat: " + err.Error())
		}
		for range n {
			fmt.Println(arg(args, 1))
		}
	case "secret":
		printSecret(os.Getenv(arg(args, 0)), arg(args, 1))
	case "exit":
		n, err := strconv.Atoi(arg(args, 0))
		if err != nil {
			fail("exit: " + err.Error())
		}
		os.Exit(n)
	case "kill":
		sig := map[string]syscall.Signal{"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM}[arg(args, 0)]
		if sig == 0 {
			fail("kill: want KILL or TERM")
		}
		_ = syscall.Kill(os.Getpid(), sig)
		block()
	case "sleep":
		fmt.Println("ready")
		block()
	case "trap":
		signal.Ignore(syscall.SIGTERM)
		startChild("hold", nil)
		fmt.Println("ready")
		block()
	case "orphan":
		startChild("hold", nil)
		fmt.Println("ready")
	case "escape":
		pid := startChild("hold", &syscall.SysProcAttr{Setsid: true})
		fmt.Printf("escaped %d\n", pid)
	case "hold":
		// A child of trap, orphan or escape: ignore SIGTERM, tell the parent through fd 3.
		signal.Ignore(syscall.SIGTERM)
		ready := os.NewFile(3, "ready")
		_, _ = ready.Write([]byte{1})
		_ = ready.Close()
		block()
	default:
		fail("unknown mode " + strconv.Quote(mode))
	}
}

// printSecret writes v the way a flow might leak it.
func printSecret(v, how string) {
	switch how {
	case "plain":
		fmt.Println(v)
	case "split":
		// Small writes with pauses, so that the reader most likely gets the value in
		// several reads; the redactor must catch it however the stream is cut.
		for i := 0; i < len(v); i += 3 {
			_, _ = os.Stdout.WriteString(v[i:min(i+3, len(v))])
			time.Sleep(time.Millisecond)
		}
		fmt.Println()
	case "json":
		out, _ := json.Marshal(map[string]string{"token": v})
		fmt.Printf("%s\n", out)
	default:
		fail("secret: want plain, split or json")
	}
}

// startChild starts this program in mode with stdout and stderr inherited, and returns
// its pid once the child reported that it is ready.
func startChild(mode string, attr *syscall.SysProcAttr) int {
	self, err := os.Executable()
	if err != nil {
		fail(err.Error())
	}
	r, w, err := os.Pipe()
	if err != nil {
		fail(err.Error())
	}
	cmd := exec.Command(self, mode)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		fail(err.Error())
	}
	_ = w.Close()
	if _, err := r.Read(make([]byte, 1)); err != nil {
		fail("child did not report ready: " + err.Error())
	}
	return cmd.Process.Pid
}

func arg(args []string, i int) string {
	if i >= len(args) {
		fail("missing argument " + strconv.Itoa(i+1))
	}
	return args[i]
}

// block waits until the process is killed.
func block() {
	for {
		time.Sleep(time.Hour)
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "testprog:", msg)
	os.Exit(100)
}
