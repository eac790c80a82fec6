// Package runconfig holds the wire forms a flow run is launched from — run configs
// (LocalRun, DockerRun, UniversalRun, KubernetesRun) and flow storage — and the pure
// functions that turn them into what a launcher needs: the child environment for each
// launcher, the secrets a run needs, Docker volume specs, the image and the command.
//
// Everything here follows the Prefect 1.x agents so that a flow run launched by Outpost
// sees what it would have seen under Prefect's own agents; where Outpost deliberately
// differs, the comment at that spot says so and why. The package does no I/O: callers
// pass in the agent's environment, working directory and configuration.
package runconfig
