package docker

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// runHost is the host side of one container as the launcher builds it, and what the
// run config's host_config may change of it.
type runHost struct {
	hc      *container.HostConfig
	exposed network.PortSet
	// keep is set by auto_remove: false: the container stays once its run is over.
	keep bool
}

// hostConfigKeys maps each supported host_config key (the keyword arguments of
// docker-py's create_host_config, which Prefect's DockerRun passes on) to how it
// changes the container. As in Prefect, a key replaces what the agent set (binds,
// extra_hosts, network_mode, ...) rather than adding to it.
var hostConfigKeys = map[string]func(h *runHost, v any) error{
	"auto_remove":       func(h *runHost, v any) error { b, err := asBool(v); h.keep = !b; return err },
	"binds":             field(asBinds, func(c *hostConfig) *[]string { return &c.Binds }),
	"cap_add":           field(asStrings, func(c *hostConfig) *[]string { return &c.CapAdd }),
	"cap_drop":          field(asStrings, func(c *hostConfig) *[]string { return &c.CapDrop }),
	"cgroup_parent":     field(asString, func(c *hostConfig) *string { return &c.CgroupParent }),
	"cpu_period":        field(asInt, func(c *hostConfig) *int64 { return &c.CPUPeriod }),
	"cpu_quota":         field(asInt, func(c *hostConfig) *int64 { return &c.CPUQuota }),
	"cpu_shares":        field(asInt, func(c *hostConfig) *int64 { return &c.CPUShares }),
	"cpuset_cpus":       field(asString, func(c *hostConfig) *string { return &c.CpusetCpus }),
	"cpuset_mems":       field(asString, func(c *hostConfig) *string { return &c.CpusetMems }),
	"dns":               field(asAddrs, func(c *hostConfig) *[]netip.Addr { return &c.DNS }),
	"dns_opt":           field(asStrings, func(c *hostConfig) *[]string { return &c.DNSOptions }),
	"dns_search":        field(asStrings, func(c *hostConfig) *[]string { return &c.DNSSearch }),
	"extra_hosts":       field(asExtraHosts, func(c *hostConfig) *[]string { return &c.ExtraHosts }),
	"group_add":         field(asStrings, func(c *hostConfig) *[]string { return &c.GroupAdd }),
	"init":              field(ptrTo(asBool), func(c *hostConfig) **bool { return &c.Init }),
	"ipc_mode":          field(asText[container.IpcMode], func(c *hostConfig) *container.IpcMode { return &c.IpcMode }),
	"log_config":        field(asLogConfig, func(c *hostConfig) *container.LogConfig { return &c.LogConfig }),
	"mem_limit":         field(asBytes, func(c *hostConfig) *int64 { return &c.Memory }),
	"mem_reservation":   field(asBytes, func(c *hostConfig) *int64 { return &c.MemoryReservation }),
	"mem_swappiness":    field(ptrTo(asInt), func(c *hostConfig) **int64 { return &c.MemorySwappiness }),
	"memswap_limit":     field(asBytes, func(c *hostConfig) *int64 { return &c.MemorySwap }),
	"nano_cpus":         field(asInt, func(c *hostConfig) *int64 { return &c.NanoCPUs }),
	"network_mode":      field(asText[container.NetworkMode], func(c *hostConfig) *container.NetworkMode { return &c.NetworkMode }),
	"oom_kill_disable":  field(ptrTo(asBool), func(c *hostConfig) **bool { return &c.OomKillDisable }),
	"oom_score_adj":     field(asSmallInt, func(c *hostConfig) *int { return &c.OomScoreAdj }),
	"pid_mode":          field(asText[container.PidMode], func(c *hostConfig) *container.PidMode { return &c.PidMode }),
	"pids_limit":        field(ptrTo(asInt), func(c *hostConfig) **int64 { return &c.PidsLimit }),
	"port_bindings":     func(h *runHost, v any) error { return h.setPortBindings(v) },
	"privileged":        field(asBool, func(c *hostConfig) *bool { return &c.Privileged }),
	"publish_all_ports": field(asBool, func(c *hostConfig) *bool { return &c.PublishAllPorts }),
	"read_only":         field(asBool, func(c *hostConfig) *bool { return &c.ReadonlyRootfs }),
	"runtime":           field(asString, func(c *hostConfig) *string { return &c.Runtime }),
	"security_opt":      field(asStrings, func(c *hostConfig) *[]string { return &c.SecurityOpt }),
	"shm_size":          field(asBytes, func(c *hostConfig) *int64 { return &c.ShmSize }),
	"sysctls":           field(asStringMap, func(c *hostConfig) *map[string]string { return &c.Sysctls }),
	"tmpfs":             field(asTmpfs, func(c *hostConfig) *map[string]string { return &c.Tmpfs }),
	"ulimits":           field(asUlimits, func(c *hostConfig) *[]*container.Ulimit { return &c.Ulimits }),
	"userns_mode":       field(asText[container.UsernsMode], func(c *hostConfig) *container.UsernsMode { return &c.UsernsMode }),
	"uts_mode":          field(asText[container.UTSMode], func(c *hostConfig) *container.UTSMode { return &c.UTSMode }),
	"volumes_from":      field(asStrings, func(c *hostConfig) *[]string { return &c.VolumesFrom }),
}

type hostConfig = container.HostConfig

// field makes a host_config key's setter: conv reads the value, which goes to the
// field of the HostConfig that at picks.
func field[T any](conv func(any) (T, error), at func(*hostConfig) *T) func(*runHost, any) error {
	return func(h *runHost, v any) error {
		x, err := conv(v)
		if err == nil {
			*at(h.hc) = x
		}
		return err
	}
}

// misplacedKeys are keys people put in host_config that belong elsewhere, with where.
var misplacedKeys = map[string]string{
	"environment":    `set the variables in the run config's "env" instead`,
	"env":            `set the variables in the run config's "env" instead`,
	"volumes":        `mount volumes with "binds" ({"/host/path": {"bind": "/in/container", "mode": "rw"}}) or with the agent's --volume`,
	"ports":          `list the ports in the run config's "ports", and map them with "port_bindings"`,
	"restart_policy": "the agent owns the container's life (it collects the exit code, then removes it), so a restart policy is not allowed",
	"command":        "the agent sets the command",
	"image":          `set the image in the run config's "image"`,
	"labels":         "the agent sets the container's labels",
}

// applyHostConfig merges a run config's host_config into h. Every bad key and value is
// reported, each by name, and h is left as it was on any error.
func (h *runHost) applyHostConfig(in map[string]any) error {
	next := *h
	hc := *h.hc
	next.hc = &hc
	next.exposed = maps.Clone(h.exposed)
	var errs []error
	for _, key := range slices.Sorted(maps.Keys(in)) {
		set, ok := hostConfigKeys[key]
		if !ok {
			errs = append(errs, unknownKeyError(key))
			continue
		}
		if err := set(&next, in[key]); err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", key, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("docker launcher: the run config's host_config cannot be used: %w", errors.Join(errs...))
	}
	*h = next
	return nil
}

func unknownKeyError(key string) error {
	if hint, ok := misplacedKeys[key]; ok {
		return fmt.Errorf("%q is not supported: %s", key, hint)
	}
	return fmt.Errorf("%q is not a supported key; use one of %s", key, strings.Join(slices.Sorted(maps.Keys(hostConfigKeys)), ", "))
}
