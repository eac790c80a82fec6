package deploy

import (
	"fmt"
	"strings"
)

// Supervisord returns a supervisord configuration that runs `<binary> <args...>` as the
// program `outpost-agent`, in the layout of Prefect's `prefect agent local install`.
// Unlike Prefect's, every argument is quoted, so labels, env values and paths with
// spaces, quotes or `%` survive (supervisord expands `%(name)s`, hence `%%`), and
// credentials go in environ (KEY=VALUE) rather than on the command line.
func Supervisord(binary string, args, environ []string) string {
	words := make([]string, 0, len(args)+1)
	for _, a := range append([]string{binary}, args...) {
		words = append(words, strings.ReplaceAll(shellQuote(a), "%", "%%"))
	}
	return fmt.Sprintf(`; Supervisor config for the Outpost agent, written by %[1]s agent local install.
; Start it with: supervisord -c ./supervisord.conf

[unix_http_server]
file=/tmp/supervisor.sock   ; the path to the socket file

[supervisord]
loglevel=debug               ; log level; default info; others: debug,warn,trace

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix:///tmp/supervisor.sock ; use a unix:// URL  for a unix socket

[program:outpost-agent]
command=%[2]s
; The agent drains on SIGTERM: give it its grace period before supervisord kills it.
stopsignal=TERM
stopwaitsecs=%[3]d
stopasgroup=false
killasgroup=true
autorestart=true
%[4]s`, "outpost", strings.Join(words, " "), stopWait(args), supervisordEnv(environ))
}

// supervisordEnv renders environment=KEY="VALUE",... with supervisord's quoting: values
// in double quotes, `"` and `\` escaped, `%` doubled.
func supervisordEnv(environ []string) string {
	if len(environ) == 0 {
		return ""
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%")
	pairs := make([]string, 0, len(environ))
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		pairs = append(pairs, k+`="`+r.Replace(v)+`"`)
	}
	return "environment=" + strings.Join(pairs, ",") + "\n"
}
