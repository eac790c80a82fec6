package docker

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/moby/api/types/network"
)

// exposePorts exposes each port and publishes it on a random host port.
func (h *runHost) exposePorts(ports []int) error {
	if len(ports) == 0 {
		return nil
	}
	h.exposed = network.PortSet{}
	h.hc.PortBindings = network.PortMap{}
	for _, n := range ports {
		port, err := network.ParsePort(strconv.Itoa(n))
		if err != nil || n <= 0 {
			return fmt.Errorf("docker launcher: the run config's port %d is not a port; use 1 to 65535", n)
		}
		h.exposed[port] = struct{}{}
		h.hc.PortBindings[port] = []network.PortBinding{{}}
	}
	return nil
}

// setPortBindings maps container ports to host ports, as docker-py's port_bindings:
// {"8080/tcp": 8080, "9000": null, "53/udp": ["127.0.0.1", 5353]}. Each bound port is
// also exposed.
func (h *runHost) setPortBindings(v any) error {
	m, ok := v.(map[string]any)
	if !ok {
		return fmt.Errorf("want an object of container port to host port, got %s", describe(v))
	}
	pm := network.PortMap{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		port, err := network.ParsePort(k)
		if err != nil {
			return fmt.Errorf("container port %q: %w", k, err)
		}
		b, err := asPortBindings(m[k])
		if err != nil {
			return fmt.Errorf("container port %q: %w", k, err)
		}
		pm[port] = b
		if h.exposed == nil {
			h.exposed = network.PortSet{}
		}
		h.exposed[port] = struct{}{}
	}
	h.hc.PortBindings = pm
	return nil
}

// asPortBindings takes what docker-py takes for one container port: null (a random
// host port), a host port (8080 or "8080"), "ip:port", an [ip, port] pair, or a list
// of those.
func asPortBindings(v any) ([]network.PortBinding, error) {
	list, isList := v.([]any)
	if isList && len(list) >= 1 && len(list) <= 2 {
		if ip, ok := list[0].(string); ok {
			if addr, err := netip.ParseAddr(ip); err == nil {
				b := network.PortBinding{HostIP: addr}
				if len(list) == 2 {
					port, err := hostPort(list[1])
					if err != nil {
						return nil, err
					}
					b.HostPort = port
				}
				return []network.PortBinding{b}, nil
			}
		}
	}
	if !isList {
		list = []any{v}
	}
	var out []network.PortBinding
	for _, e := range list {
		b, err := portBinding(e)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

func portBinding(v any) (network.PortBinding, error) {
	s, isString := v.(string)
	if !isString || !strings.Contains(s, ":") {
		port, err := hostPort(v)
		return network.PortBinding{HostPort: port}, err
	}
	i := strings.LastIndex(s, ":")
	addr, err := netip.ParseAddr(strings.Trim(s[:i], "[]"))
	if err != nil {
		return network.PortBinding{}, fmt.Errorf("host address %q is not an IP address", s[:i])
	}
	port, err := hostPort(s[i+1:])
	return network.PortBinding{HostIP: addr, HostPort: port}, err
}

// hostPort reads a host port; null or "" lets the engine pick one.
func hostPort(v any) (string, error) {
	switch p := v.(type) {
	case nil:
		return "", nil
	case string:
		if p == "" {
			return "", nil
		}
		if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 1<<16 {
			return p, nil
		}
	default:
		if n, err := asInt(v); err == nil && n > 0 && n < 1<<16 {
			return strconv.FormatInt(n, 10), nil
		}
	}
	return "", fmt.Errorf("want a host port from 1 to 65535 or null, got %s", describe(v))
}
