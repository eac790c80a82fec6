package launcher

import (
	"context"
	"io"
)

// Labels a launcher may put on what it starts, so that a run can be recognised from the
// outside (Prefect's docker agent uses the same names).
const (
	LabelFlowRunID = "io.prefect.flow-run-id"
	LabelFlowName  = "io.prefect.flow-name"
	LabelFlowID    = "io.prefect.flow-id"
)

// Adopter is a launcher whose runs outlive the agent process that started them (a
// container keeps running when its agent restarts), so a new agent can take them back.
type Adopter interface {
	Adopt(ctx context.Context, output OutputFunc) ([]Adopted, error)
}

// Adopted is a run that an earlier agent process left behind.
type Adopted struct {
	// RunID is the flow run's id, from the LabelFlowRunID label.
	RunID string
	// ContainerID (or another launcher's own id) names what is followed.
	ContainerID string
	// Labels are the labels it was started with, LabelFlowName among them.
	Labels map[string]string
	// Handle follows it as Launch's handles do: Wait reports its end; Stop stops it.
	Handle Handle
}

// OutputFunc says, for an adopted run, where its output goes from now on and which
// values to redact in it; a nil writer discards the output.
type OutputFunc func(runID string) (out io.Writer, redact []string)
