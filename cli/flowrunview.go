package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"
	"time"

	ucli "github.com/urfave/cli/v2"

	"github.com/outposthq/outpost/api"
)

// defaultListLimit is how many runs `flow-run list` shows unless told otherwise.
const defaultListLimit = 10

func flowRunGetCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:      "get",
		Usage:     "show a flow run: its state, message, labels and times",
		ArgsUsage: "ID",
		Flags:     append(clientFlagDefs(), &ucli.BoolFlag{Name: "json", Usage: "print JSON"}),
		Action: func(c *ucli.Context) error {
			id, client, err := runAndClient(c, e)
			if err != nil {
				return err
			}
			run, err := client.FlowRun(c.Context, id)
			if err != nil {
				return runLookupError(id, err)
			}
			if c.Bool("json") {
				return writeJSON(c.App.Writer, viewOf(run))
			}
			return writeRunTable(c.App.Writer, viewOf(run))
		},
	}
}

func flowRunListCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:  "list",
		Usage: "list the most recently scheduled flow runs",
		Flags: append(clientFlagDefs(),
			&ucli.IntFlag{Name: "limit", Value: defaultListLimit, Usage: "how many runs to show; 0 shows all"},
			&ucli.BoolFlag{Name: "json", Usage: "print a JSON array"},
		),
		Action: func(c *ucli.Context) error {
			if c.Args().Present() {
				return usageError("flow-run list takes no arguments, got %q", c.Args().First())
			}
			if c.Int("limit") < 0 {
				return usageError("--limit %d is negative: give a number of runs, or 0 for all", c.Int("limit"))
			}
			client, _, err := connect(c, e)
			if err != nil {
				return err
			}
			runs, err := client.ListFlowRuns(c.Context, c.Int("limit"))
			if err != nil {
				return err
			}
			views := make([]flowRunView, len(runs))
			for i, r := range runs {
				views[i] = viewOf(r)
			}
			if c.Bool("json") {
				return writeJSON(c.App.Writer, views)
			}
			return writeRunList(c.App.Writer, views)
		},
	}
}

func flowRunLogsCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:      "logs",
		Usage:     "print a flow run's logs, one line each: TIMESTAMP LEVEL NAME: MESSAGE",
		ArgsUsage: "ID",
		Flags: append(clientFlagDefs(),
			&ucli.BoolFlag{Name: "follow", Aliases: []string{"f"}, Usage: "keep printing new logs until the run is finished"},
		),
		Action: func(c *ucli.Context) error {
			id, client, err := runAndClient(c, e)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(c.Context, os.Interrupt)
			defer stop()
			err = printLogs(ctx, client, c.App.Writer, id, c.Bool("follow"), pollEvery)
			if err != nil && ctx.Err() != nil && c.Context.Err() == nil {
				return ucli.Exit("", exitInterrupted)
			}
			return runLookupError(id, err)
		},
	}
}

func flowRunCancelCommand(e env) *ucli.Command {
	return &ucli.Command{
		Name:      "cancel",
		Usage:     "cancel a flow run and print its state: Cancelling while its process stops, else Cancelled",
		ArgsUsage: "ID",
		Flags:     clientFlagDefs(),
		Action: func(c *ucli.Context) error {
			id, client, err := runAndClient(c, e)
			if err != nil {
				return err
			}
			state, err := client.CancelFlowRun(c.Context, id)
			if err != nil {
				return runLookupError(id, err)
			}
			_, err = fmt.Fprintln(c.App.Writer, state)
			return err
		},
	}
}

// runLogReader is what printing a run's logs needs from the backend.
type runLogReader interface {
	runStateReader
	FlowRunLogs(ctx context.Context, runID string, after time.Time) ([]api.LogEntry, error)
}

// printLogs prints the run's logs. Following, it polls until the run is finished; the
// state is read before the logs each time, so the last round prints every log written
// before the run finished.
func printLogs(ctx context.Context, r runLogReader, w io.Writer, id string, follow bool, every time.Duration) error {
	_, state, err := r.FlowRunState(ctx, id)
	if err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	var after time.Time
	for {
		entries, err := r.FlowRunLogs(ctx, id, after)
		if err != nil {
			return err
		}
		for _, l := range entries {
			if _, err := fmt.Fprintf(w, "%s %s %s: %s\n", api.FormatTime(l.Timestamp), l.Level, l.Name, l.Message); err != nil {
				return err
			}
			if l.Timestamp.After(after) {
				after = l.Timestamp
			}
		}
		if !follow || api.IsFinished(state) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if _, state, err = r.FlowRunState(ctx, id); err != nil {
			return err
		}
	}
}

// flowRunView is a flow run as `flow-run get` and `flow-run list` show it.
type flowRunView struct {
	ID                 string          `json:"id"`
	Name               string          `json:"name"`
	FlowID             string          `json:"flow_id"`
	FlowName           string          `json:"flow_name"`
	State              string          `json:"state"`
	StateMessage       string          `json:"state_message"`
	Version            int             `json:"version"`
	Labels             []string        `json:"labels"`
	Parameters         json.RawMessage `json:"parameters,omitempty"`
	ScheduledStartTime *time.Time      `json:"scheduled_start_time,omitempty"`
	StartTime          *time.Time      `json:"start_time,omitempty"`
	EndTime            *time.Time      `json:"end_time,omitempty"`
}

func viewOf(r api.FlowRunInfo) flowRunView {
	v := flowRunView{
		ID: r.ID, Name: r.Name, FlowID: r.FlowID, FlowName: r.Flow.Name,
		State: r.State, StateMessage: r.StateMessage, Version: r.Version, Labels: r.Labels,
		ScheduledStartTime: timeOrNil(r.ScheduledStartTime),
		StartTime:          timeOrNil(r.StartTime),
		EndTime:            timeOrNil(r.EndTime),
	}
	if v.Labels == nil {
		v.Labels = []string{}
	}
	if len(r.Parameters) > 0 && string(r.Parameters) != "null" {
		v.Parameters = r.Parameters
	}
	return v
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeRunTable(w io.Writer, v flowRunView) error {
	state := v.State
	if v.StateMessage != "" {
		state += ": " + v.StateMessage
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"ID", v.ID},
		{"NAME", v.Name},
		{"FLOW", fmt.Sprintf("%s (%s)", v.FlowName, v.FlowID)},
		{"STATE", state},
		{"VERSION", fmt.Sprint(v.Version)},
		{"LABELS", strings.Join(v.Labels, ", ")},
		{"SCHEDULED", showTime(v.ScheduledStartTime)},
		{"STARTED", showTime(v.StartTime)},
		{"ENDED", showTime(v.EndTime)},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func writeRunList(w io.Writer, views []flowRunView) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tFLOW\tSTATE\tSCHEDULED")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.ID, v.Name, v.FlowName, v.State, showTime(v.ScheduledStartTime))
	}
	return tw.Flush()
}

func showTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

// runAndClient reads a command's run ID argument and connects to the backend.
func runAndClient(c *ucli.Context, e env) (string, *api.Client, error) {
	id, err := runID(c)
	if err != nil {
		return "", nil, err
	}
	client, _, err := connect(c, e)
	return id, client, err
}
