// Package launcher defines how Outpost starts the process of one flow run and what it
// gets back: a Launcher turns a Spec into a running Handle, and the Handle reports how
// the run ended or stops it. Implementations: launcher/local (a process group on this
// host); a Docker launcher follows the same contract. launcher/launchertest is the
// conformance suite every implementation must pass.
//
// The agent defines the narrower interface it needs; this one is for launchers and the
// suite.
package launcher

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// Errors a Launch may wrap, so that callers can tell a run that can never start (fail it
// with the message) from a transient problem.
var (
	// ErrCommandNotFound: argv[0] names no executable in the PATH the run was given.
	ErrCommandNotFound = errors.New("command not found")
	// ErrWorkDirNotFound: Spec.Dir does not exist or is not a directory.
	ErrWorkDirNotFound = errors.New("working directory not found")
)

// Spec is what to run. The launcher adds nothing to it: the environment, in particular,
// is exactly Env, never the agent's own.
type Spec struct {
	RunID, RunName string

	// Argv is the command. argv[0] without a slash is looked up in the PATH of Env
	// (local) or run as the container's command (Docker).
	Argv []string
	// Env is exactly the child's environment, as KEY=VALUE; nil means an empty one.
	Env []string
	// Dir is the working directory; "" is the agent's own (local) or the image's (Docker).
	Dir string
	// Output receives the child's stdout and stderr, merged in the order written and
	// redacted. It is written from one goroutine at a time; nil discards the output.
	Output io.Writer
	// Redact holds values that must never reach Output, such as the secrets in Env.
	Redact []string

	// Labels and Image are for container launchers; local ignores them.
	Labels map[string]string
	Image  string
	// Ports and HostConfig are for the Docker launcher; others ignore them. Ports are the
	// run config's container ports, exposed and published on random host ports.
	// HostConfig is the run config's host_config (docker-py create_host_config keyword
	// arguments, numbers as json.Number), merged over the launcher's own settings.
	Ports      []int
	HostConfig map[string]any
}

// Result is how a run's process ended.
type Result struct {
	// ExitCode is the process's exit code. A process killed by signal n gets 128+n, as
	// shells and container runtimes report it (137 for SIGKILL).
	ExitCode int
	// Signal names the signal that killed the process ("SIGKILL"), or is "" when it
	// exited by itself.
	Signal string
	// Err reports trouble around the run that does not change its exit status, such as
	// output that could not be written or a process group that would not die. ExitCode
	// and Signal are still valid.
	Err error
}

// String describes the end of the run the way a Failed state's message puts it:
// "exit code 3" or "killed by SIGKILL".
func (r Result) String() string {
	if r.Signal != "" {
		return "killed by " + r.Signal
	}
	return "exit code " + strconv.Itoa(r.ExitCode)
}

// Handle is one launched run.
type Handle interface {
	// ID identifies the run's process for people: "PID: 1234" or "Container ID: abc",
	// what Prefect's agents report as a run's deploy info.
	ID() string
	// Wait blocks until the process has ended and all of its output was delivered, and
	// returns how it ended. It may be called any number of times, from any goroutine. ctx
	// bounds only the wait: when it ends, Wait returns ctx's error and the run goes on.
	Wait(ctx context.Context) (Result, error)
	// Stop ends the run: SIGTERM to all of its processes, up to grace for them to exit,
	// then SIGKILL (grace <= 0 goes straight to SIGKILL). It returns once none of the
	// run's processes is left. Stop on a run that has ended does nothing. ctx bounds only
	// Stop's wait: the stop goes on after ctx ends, and Wait reports its outcome.
	Stop(ctx context.Context, grace time.Duration) error
}

// Launcher starts runs.
type Launcher interface {
	// Launch starts s and returns once the process runs. ctx bounds the start only: the
	// run outlives it, and ends by itself or through Handle.Stop.
	Launch(ctx context.Context, s Spec) (Handle, error)
}
