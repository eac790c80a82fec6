package deploy

import (
	"fmt"
	"strings"
	"time"
)

// SystemdOptions shape the unit beyond the agent's own arguments.
type SystemdOptions struct {
	User       string        // run as this user; "" leaves systemd's default (root)
	DrainGrace time.Duration // the agent's drain grace; the stop timeout adds a margin to it
	// Environment holds KEY=VALUE pairs for the service (credentials such as
	// OUTPOST_KEY belong here, not on the command line).
	Environment []string
}

// Systemd returns a systemd unit that runs `<binary> <args...>`, restarts it on failure,
// and gives it its drain grace to stop: SIGTERM goes to the agent alone (KillMode=mixed),
// which stops claiming, lets runs finish, and stops their process groups itself;
// whatever is left when the timeout ends is killed.
func Systemd(binary string, args []string, o SystemdOptions) string {
	words := make([]string, 0, len(args)+1)
	for _, a := range append([]string{binary}, args...) {
		words = append(words, systemdQuote(a))
	}
	user := ""
	if o.User != "" {
		user = "User=" + o.User + "\n"
	}
	for _, kv := range o.Environment {
		user += "Environment=" + systemdQuote(kv) + "\n"
	}
	stop := int((o.DrainGrace + stopMargin).Round(time.Second) / time.Second)
	return fmt.Sprintf(`[Unit]
Description=Outpost agent (Prefect 1.x flow runs)
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
%sExecStart=%s
Restart=on-failure
RestartSec=5
KillSignal=SIGTERM
KillMode=mixed
TimeoutStopSec=%d

[Install]
WantedBy=multi-user.target
`, user, strings.Join(words, " "), stop)
}

// stopMargin is added to the drain grace, so that after it the agent has time to stop
// the runs it cancels (the cancel grace, 10 s by default) and deliver their states (30 s)
// before the service manager kills everything.
const stopMargin = 45 * time.Second

// stopWait reads --drain-grace from args (default 30 s) for supervisord's stopwaitsecs.
func stopWait(args []string) int {
	grace := DefaultDrainGrace
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--drain-grace=")
		if !ok && a == "--drain-grace" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if d, err := time.ParseDuration(v); ok && err == nil {
			grace = d
		}
	}
	return int((grace + stopMargin).Round(time.Second) / time.Second)
}

// DefaultDrainGrace is how long a stopping agent waits for running runs by default
// (the agent's own default).
const DefaultDrainGrace = 5 * time.Minute
