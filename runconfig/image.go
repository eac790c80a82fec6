package runconfig

import (
	"fmt"
	"strings"
)

// DefaultImageRepo is where Prefect's own flow-run images live.
const DefaultImageRepo = "prefecthq/prefect"

// FlowImage is the image a flow run's container is created from, in Prefect's order
// (get_flow_image): the image of Docker storage, then the run config's image, then the
// agent's default, then prefecthq/prefect tagged with the flow's core_version without
// its "+local" part ("latest" when there is none).
//
// A native flow has no Prefect image to fall back to (Prefect's images do not hold the
// outpost binary), so without an image from the first three sources it is an error
// rather than a container that cannot run.
func FlowImage(storage Storage, rc DockerRun, agentDefault, coreVersion string) (string, error) {
	if storage.Type == StorageDocker {
		return storage.ImageRef()
	}
	if rc.Image != "" {
		return rc.Image, nil
	}
	if agentDefault != "" {
		return agentDefault, nil
	}
	if IsNative(coreVersion) {
		return "", fmt.Errorf("flow has core_version %q (a native Outpost flow) and no image: set \"image\" in its DockerRun run config, or give the agent a default image with the Outpost binary", coreVersion)
	}
	version := coreVersion
	if version == "" {
		version = "latest"
	}
	version, _, _ = strings.Cut(version, "+")
	return DefaultImageRepo + ":" + version, nil
}
