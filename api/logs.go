package api

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// LogEntry is one run log line, written by WriteRunLogs and read by FlowRunLogs.
// Messages must already be redacted: the backend stores them as given.
type LogEntry struct {
	FlowRunID string    `json:"flow_run_id"`
	TaskRunID string    `json:"task_run_id"` // "" for flow-level logs
	Timestamp time.Time `json:"timestamp"`   // zero lets the backend use its clock
	Name      string    `json:"name"`        // the logger, e.g. "agent" or "prefect.FlowRunner"
	Level     string    `json:"level"`       // DEBUG, INFO, WARNING, ERROR or CRITICAL; "" is INFO
	Message   string    `json:"message"`
}

// wireLog is write_run_log_input; absent fields take the backend's defaults.
type wireLog struct {
	FlowRunID string  `json:"flow_run_id"`
	TaskRunID *string `json:"task_run_id,omitempty"`
	Timestamp *string `json:"timestamp,omitempty"`
	Name      string  `json:"name"`
	Level     string  `json:"level"`
	Message   string  `json:"message"`
}

// WriteRunLogs sends log lines. The batch is checked before anything is sent, so a bad
// entry sends none.
func (c *Client) WriteRunLogs(ctx context.Context, entries []LogEntry) error {
	if len(entries) == 0 {
		return nil
	}
	logs := make([]wireLog, len(entries))
	for i, e := range entries {
		if e.FlowRunID == "" {
			return fmt.Errorf("write_run_logs: log entry %d has no flow run id", i)
		}
		level, err := logLevel(e.Level)
		if err != nil {
			return fmt.Errorf("write_run_logs: log entry %d: %w", i, err)
		}
		logs[i] = wireLog{FlowRunID: e.FlowRunID, TaskRunID: optional(e.TaskRunID), Name: e.Name, Level: level, Message: e.Message}
		if !e.Timestamp.IsZero() {
			ts := FormatTime(e.Timestamp)
			logs[i].Timestamp = &ts
		}
	}
	r := request{op: "write_run_logs", query: mutationWriteRunLogs, vars: inputVars(map[string]any{"logs": logs})}
	return c.doSuccess(ctx, r, "write_run_logs")
}

// logLevel maps a level name onto the backend's log_level enum, which refuses others.
func logLevel(level string) (string, error) {
	switch l := strings.ToUpper(strings.TrimSpace(level)); l {
	case "":
		return "INFO", nil
	case "WARN":
		return "WARNING", nil
	case "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL":
		return l, nil
	}
	return "", fmt.Errorf("log level %q is not one of DEBUG, INFO, WARNING, ERROR, CRITICAL", level)
}

// FlowRunLogs returns a run's logs written strictly after `after` (all of them for the
// zero time), oldest first.
func (c *Client) FlowRunLogs(ctx context.Context, runID string, after time.Time) ([]LogEntry, error) {
	if runID == "" {
		return nil, errors.New("log: a flow run id is required")
	}
	if after.IsZero() {
		after = time.Unix(0, 0)
	}
	vars := map[string]any{"flow_run_id": runID, "after": FormatTime(after)}
	var data struct {
		Log []LogEntry `json:"log"`
	}
	if err := c.do(ctx, request{op: "flow_run_logs", query: queryFlowRunLogs, vars: vars}, &data); err != nil {
		return nil, err
	}
	return data.Log, nil
}
