package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/api"
	"github.com/outposthq/outpost/runconfig"
)

// pollEvery is how often --wait and --follow ask the backend about a run.
const pollEvery = 500 * time.Millisecond

// exitInterrupted is the exit code of a command stopped by SIGINT, as shells report it.
const exitInterrupted = 130

func flowRunCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "flow-run",
		Usage: "create, inspect, follow and cancel flow runs",
		Subcommands: []*ucli.Command{
			flowRunCreateCommand(e),
			flowRunGetCommand(e),
			flowRunListCommand(e),
			flowRunLogsCommand(e),
			flowRunCancelCommand(e),
		},
	}
}

func flowRunCreateCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "create",
		Usage: "schedule a run of a flow and print its id",
		Description: "--flow takes a flow id or a flow name (its newest version).\n" +
			"--param values are JSON when they parse as JSON (42, true, [1,2], \"x\"), else strings.\n" +
			"--env overrides the flow's run config env for this run only.\n" +
			"--wait waits for the run to finish: exit 0 for Success, 1 otherwise, 130 when interrupted.",
		Flags: slices.Concat(clientFlagDefs(),
			[]ucli.Flag{&ucli.StringFlag{Name: "flow", Aliases: []string{"f"}, Usage: "the flow's id or name"}},
			repeatedFlags("label", "l", "a label of the run, replacing the flow's labels"),
			repeatedFlags("env", "e", "KEY=VALUE added to the run's environment"),
			repeatedFlags("param", "p", "KEY=VALUE parameter of the run"),
			[]ucli.Flag{
				&ucli.StringFlag{Name: "start-at", Usage: "when to start: an RFC 3339 time (2024-05-01T12:00:00Z) or a delay (+5m); default now"},
				&ucli.BoolFlag{Name: "wait", Aliases: []string{"w"}, Usage: "wait for the run to finish and exit with its outcome"},
				&ucli.StringFlag{Name: "name", Aliases: []string{"n"}, Usage: "the run's name (default: a generated one)"},
				&ucli.StringFlag{Name: "idempotency-key", Usage: "creating again with the same key returns the same run"},
			},
		),
		Action: func(c *ucli.Context) error { return createFlowRun(c, e) },
	}
}

func createFlowRun(c *ucli.Context, e env) error {
	if c.Args().Present() {
		return usageError("flow-run create takes no arguments, got %q", c.Args().First())
	}
	in, runEnv, err := flowRunInput(c, time.Now())
	if err != nil {
		return err
	}
	ref := strings.TrimSpace(c.String("flow"))
	client, _, err := connect(c, e)
	if err != nil {
		return err
	}
	waitCtx := c.Context
	if c.Bool("wait") {
		// Caught from here on, SIGINT only stops the waiting: a run being created is
		// still created and its id printed, so the user knows what goes on.
		var stop context.CancelFunc
		waitCtx, stop = signal.NotifyContext(c.Context, os.Interrupt)
		defer stop()
	}
	flow, err := findFlow(c.Context, client, ref)
	if err != nil {
		return err
	}
	in.FlowID = flow.ID
	if runEnv != nil {
		if in.RunConfig, err = runConfigOverride(flow.RunConfig, runEnv); err != nil {
			return fmt.Errorf("flow %q: %w", ref, err)
		}
	}
	id, err := client.CreateFlowRun(c.Context, in)
	if err != nil {
		return fmt.Errorf("create a run of flow %q: %w", ref, err)
	}
	if _, err := fmt.Fprintln(c.App.Writer, id); err != nil {
		return err
	}
	if !c.Bool("wait") {
		return nil
	}
	return waitForRun(waitCtx, c, client, id)
}

// flowRunInput reads every flag of `flow-run create` except the connection, so that bad
// input is refused before anything is sent. runEnv is the --env map, nil when none.
func flowRunInput(c *ucli.Context, now time.Time) (in api.CreateFlowRunInput, runEnv map[string]string, err error) {
	if strings.TrimSpace(c.String("flow")) == "" {
		return in, nil, usageError("flow-run create needs --flow ID or --flow NAME")
	}
	if runEnv, err = parseKeyValues("--env", repeatedValues(c, "env")); err != nil {
		return in, nil, err
	}
	if in.Parameters, err = parseParams(repeatedValues(c, "param")); err != nil {
		return in, nil, err
	}
	if in.Labels, err = labelValues(c); err != nil {
		return in, nil, err
	}
	if c.IsSet("start-at") {
		if in.ScheduledStartTime, err = parseStartAt(c.String("start-at"), now); err != nil {
			return in, nil, err
		}
	}
	in.FlowRunName = c.String("name")
	in.IdempotencyKey = c.String("idempotency-key")
	return in, runEnv, nil
}

// parseParams reads KEY=VALUE parameters. A value that is valid JSON is sent as that
// JSON value (numbers keep their digits); anything else is sent as a string.
func parseParams(pairs []string) (map[string]any, error) {
	if len(pairs) == 0 {
		return nil, nil
	}
	params := make(map[string]any, len(pairs))
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok || k == "" {
			return nil, usageError("--param %q is not KEY=VALUE: write it as --param name=value", p)
		}
		params[k] = v
		if json.Valid([]byte(v)) {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			var val any
			if dec.Decode(&val) == nil {
				params[k] = val
			}
		}
	}
	return params, nil
}

// parseStartAt reads an RFC 3339 time or a delay from now such as +5m or 90s.
func parseStartAt(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(strings.TrimPrefix(s, "+")); err == nil && d >= 0 && !strings.HasPrefix(s, "-") {
		return now.Add(d), nil
	}
	return time.Time{}, usageError("--start-at %q is neither an RFC 3339 time such as 2024-05-01T12:00:00Z nor a delay such as +5m", s)
}

// runConfigOverride is the flow's run config (of the same type, UniversalRun when the
// flow has none) with extra merged over its env.
func runConfigOverride(flowRunConfig json.RawMessage, extra map[string]string) (map[string]any, error) {
	rc := map[string]any{"type": runconfig.TypeUniversal}
	if raw := bytes.TrimSpace(flowRunConfig); len(raw) > 0 && string(raw) != "null" {
		if _, err := runconfig.Decode(raw); err != nil {
			return nil, fmt.Errorf("its run config cannot take an --env override: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&rc); err != nil {
			return nil, fmt.Errorf("its run config is not a JSON object: %w", err)
		}
	}
	merged := map[string]any{}
	if old, ok := rc["env"].(map[string]any); ok {
		for k, v := range old {
			merged[k] = v
		}
	}
	for k, v := range extra {
		merged[k] = v
	}
	rc["env"] = merged
	return rc, nil
}

// runStateReader is what waiting for a run needs from the backend.
type runStateReader interface {
	FlowRunState(ctx context.Context, id string) (version int, state string, err error)
}

// waitForRun waits until the run is finished and reports its final state on stderr.
// ctx ends on SIGINT.
func waitForRun(ctx context.Context, c *ucli.Context, client *api.Client, id string) error {
	state, err := waitFinished(ctx, client, id, pollEvery)
	if err != nil {
		if ctx.Err() != nil && c.Context.Err() == nil {
			return ucli.Exit(fmt.Sprintf("stopped waiting for flow run %s; the run itself goes on", id), exitInterrupted)
		}
		return runLookupError(id, err)
	}
	msg := ""
	if run, err := client.FlowRun(c.Context, id); err == nil && run.State == state {
		msg = run.StateMessage
	}
	line := fmt.Sprintf("flow run %s finished: %s", id, state)
	if msg != "" {
		line += ": " + msg
	}
	fmt.Fprintln(c.App.ErrWriter, line)
	if state != "Success" {
		return ucli.Exit("", 1)
	}
	return nil
}

// waitFinished polls the run's state every interval until it is finished or ctx ends.
func waitFinished(ctx context.Context, r runStateReader, id string, every time.Duration) (string, error) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		_, state, err := r.FlowRunState(ctx, id)
		if err != nil {
			return "", err
		}
		if api.IsFinished(state) {
			return state, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
	}
}

// runLookupError turns "no such run" into the message and exit code users expect.
func runLookupError(id string, err error) error {
	if errors.Is(err, api.ErrNotFound) {
		return ucli.Exit(fmt.Sprintf("Error: flow run %s not found: list runs with `outpost flow-run list`", id), 1)
	}
	return err
}

// isUUID reports whether s is a flow or run id in its canonical form.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil && len(s) == 36
}

// runID reads the one ID argument of a flow-run subcommand.
func runID(c *ucli.Context) (string, error) {
	if c.NArg() != 1 {
		return "", usageError("flow-run %s takes exactly one flow run ID, got %d arguments", c.Command.Name, c.NArg())
	}
	id := c.Args().First()
	if !isUUID(id) {
		return "", usageError("%q is not a flow run ID: an ID looks like 3f2b8a8e-5d0c-4f7e-9a55-1c1d2e3f4a5b", id)
	}
	return id, nil
}

// findFlow looks a flow up by id (a UUID) or by name (its newest version).
func findFlow(ctx context.Context, client *api.Client, ref string) (api.Flow, error) {
	lookup, by := client.FlowByName, "named"
	if isUUID(ref) {
		lookup, by = client.Flow, "with id"
	}
	flow, err := lookup(ctx, ref)
	if errors.Is(err, api.ErrNotFound) {
		return flow, ucli.Exit(fmt.Sprintf("Error: no flow %s %q at %s: register it with `outpost flow register`", by, ref, client.URL()), 1)
	}
	return flow, err
}
