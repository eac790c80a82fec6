package docker

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"reflect"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
)

// decodeHostConfig decodes JSON as runconfig does, numbers as json.Number.
func decodeHostConfig(t *testing.T, text string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decoding %s: %v", text, err)
	}
	return m
}

// agentHost is the host side as the launcher builds it before host_config applies.
func agentHost() runHost {
	return runHost{hc: &container.HostConfig{
		Binds:      []string{"/agent:/agent:rw"},
		ExtraHosts: []string{"host.docker.internal:host-gateway"},
	}}
}

func ptr[T any](v T) *T { return &v }

func TestApplyHostConfig(t *testing.T) {
	port := func(s string) network.Port { return network.MustParsePort(s) }
	tests := []struct {
		name string
		in   string
		want func(h *runHost) // turns agentHost() into the expected result
	}{
		{"empty changes nothing", `{}`, func(h *runHost) {}},
		{"mem_limit with unit", `{"mem_limit": "512m"}`, func(h *runHost) { h.hc.Memory = 512 << 20 }},
		{"mem_limit with unit and b", `{"mem_limit": "1GB"}`, func(h *runHost) { h.hc.Memory = 1 << 30 }},
		{"mem_limit fractional", `{"mem_limit": "1.5k"}`, func(h *runHost) { h.hc.Memory = 1536 }},
		{"mem_limit bytes as text", `{"mem_limit": "100"}`, func(h *runHost) { h.hc.Memory = 100 }},
		{"mem_limit number", `{"mem_limit": 1048576}`, func(h *runHost) { h.hc.Memory = 1 << 20 }},
		{"sizes", `{"memswap_limit": "1g", "mem_reservation": "256m", "shm_size": "64m"}`, func(h *runHost) {
			h.hc.MemorySwap, h.hc.MemoryReservation, h.hc.ShmSize = 1<<30, 256<<20, 64<<20
		}},
		{"cpu", `{"cpu_shares": 512, "nano_cpus": 1500000000, "cpu_period": 100000, "cpu_quota": 50000, "cpuset_cpus": "0-1"}`, func(h *runHost) {
			h.hc.CPUShares, h.hc.NanoCPUs, h.hc.CPUPeriod, h.hc.CPUQuota, h.hc.CpusetCpus = 512, 1500000000, 100000, 50000, "0-1"
		}},
		{"flags", `{"privileged": true, "read_only": true, "publish_all_ports": true, "oom_kill_disable": true}`, func(h *runHost) {
			h.hc.Privileged, h.hc.ReadonlyRootfs, h.hc.PublishAllPorts, h.hc.OomKillDisable = true, true, true, ptr(true)
		}},
		{"modes", `{"network_mode": "host", "ipc_mode": "shareable", "pid_mode": "host", "runtime": "runc"}`, func(h *runHost) {
			h.hc.NetworkMode, h.hc.IpcMode, h.hc.PidMode, h.hc.Runtime = "host", "shareable", "host", "runc"
		}},
		{"extra_hosts object replaces the agent's", `{"extra_hosts": {"db": "10.0.0.5", "cache": "10.0.0.6"}}`, func(h *runHost) {
			h.hc.ExtraHosts = []string{"cache:10.0.0.6", "db:10.0.0.5"}
		}},
		{"extra_hosts list", `{"extra_hosts": ["db:10.0.0.5"]}`, func(h *runHost) { h.hc.ExtraHosts = []string{"db:10.0.0.5"} }},
		{"binds object replaces the agent's", `{"binds": {"/data": {"bind": "/in", "mode": "ro"}, "/logs": "/var/log/app"}}`, func(h *runHost) {
			h.hc.Binds = []string{"/data:/in:ro", "/logs:/var/log/app:rw"}
		}},
		{"binds list", `{"binds": ["/data:/in:ro"]}`, func(h *runHost) { h.hc.Binds = []string{"/data:/in:ro"} }},
		{"dns", `{"dns": ["8.8.8.8", "::1"], "dns_search": ["corp"], "dns_opt": ["ndots:2"]}`, func(h *runHost) {
			h.hc.DNS = []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("::1")}
			h.hc.DNSSearch, h.hc.DNSOptions = []string{"corp"}, []string{"ndots:2"}
		}},
		{"port_bindings", `{"port_bindings": {"8080/tcp": 8080, "9000": null, "53/udp": ["127.0.0.1", 5353], "7000": [7001, "7002"], "6000": "127.0.0.1:6001"}}`, func(h *runHost) {
			lo := netip.MustParseAddr("127.0.0.1")
			h.hc.PortBindings = network.PortMap{
				port("8080/tcp"): {{HostPort: "8080"}},
				port("9000/tcp"): {{}},
				port("53/udp"):   {{HostIP: lo, HostPort: "5353"}},
				port("7000/tcp"): {{HostPort: "7001"}, {HostPort: "7002"}},
				port("6000/tcp"): {{HostIP: lo, HostPort: "6001"}},
			}
			h.exposed = network.PortSet{port("8080/tcp"): {}, port("9000/tcp"): {}, port("53/udp"): {}, port("7000/tcp"): {}, port("6000/tcp"): {}}
		}},
		{"auto_remove false keeps the container", `{"auto_remove": false}`, func(h *runHost) { h.keep = true }},
		{"auto_remove true", `{"auto_remove": true}`, func(h *runHost) {}},
		{"init", `{"init": false}`, func(h *runHost) { h.hc.Init = ptr(false) }},
		{"log_config", `{"log_config": {"type": "json-file", "config": {"max-size": "10m"}}}`, func(h *runHost) {
			h.hc.LogConfig = container.LogConfig{Type: "json-file", Config: map[string]string{"max-size": "10m"}}
		}},
		{"ulimits", `{"ulimits": [{"name": "nofile", "soft": 1024, "hard": 2048}]}`, func(h *runHost) {
			h.hc.Ulimits = []*container.Ulimit{{Name: "nofile", Soft: 1024, Hard: 2048}}
		}},
		{"sysctls and tmpfs", `{"sysctls": {"net.core.somaxconn": 1024}, "tmpfs": ["/scratch:size=1m"]}`, func(h *runHost) {
			h.hc.Sysctls = map[string]string{"net.core.somaxconn": "1024"}
			h.hc.Tmpfs = map[string]string{"/scratch": "size=1m"}
		}},
		{"limits", `{"pids_limit": 100, "mem_swappiness": 0, "oom_score_adj": -500, "group_add": ["audio", 1001]}`, func(h *runHost) {
			h.hc.PidsLimit, h.hc.MemorySwappiness, h.hc.OomScoreAdj, h.hc.GroupAdd = ptr(int64(100)), ptr(int64(0)), -500, []string{"audio", "1001"}
		}},
		{"capabilities", `{"cap_add": ["NET_ADMIN"], "cap_drop": ["ALL"], "security_opt": ["no-new-privileges"]}`, func(h *runHost) {
			h.hc.CapAdd, h.hc.CapDrop, h.hc.SecurityOpt = []string{"NET_ADMIN"}, []string{"ALL"}, []string{"no-new-privileges"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, want := agentHost(), agentHost()
			if err := got.applyHostConfig(decodeHostConfig(t, tt.in)); err != nil {
				t.Fatalf("applyHostConfig(%s): %v", tt.in, err)
			}
			tt.want(&want)
			if !reflect.DeepEqual(got.hc, want.hc) || got.keep != want.keep || !reflect.DeepEqual(got.exposed, want.exposed) {
				t.Errorf("applyHostConfig(%s)\n got %+v keep=%v exposed=%v\nwant %+v keep=%v exposed=%v",
					tt.in, *got.hc, got.keep, got.exposed, *want.hc, want.keep, want.exposed)
			}
		})
	}
}

func TestApplyHostConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"unknown key", `{"bogus": 1}`, []string{`"bogus"`, "supported key", "mem_limit"}},
		{"restart policy", `{"restart_policy": {"Name": "always"}}`, []string{`"restart_policy"`, "not allowed"}},
		{"environment belongs in env", `{"environment": {"A": "1"}}`, []string{`"environment"`, `"env"`}},
		{"volumes belong in binds", `{"volumes": ["/x"]}`, []string{`"volumes"`, "binds"}},
		{"size with an unknown unit", `{"mem_limit": "12x"}`, []string{`"mem_limit"`, "unknown unit"}},
		{"size of the wrong type", `{"mem_limit": true}`, []string{`"mem_limit"`, "size", "true"}},
		{"negative size", `{"shm_size": "-1m"}`, []string{`"shm_size"`}},
		{"number as text", `{"cpu_shares": "lots"}`, []string{`"cpu_shares"`, "whole number", `"lots"`}},
		{"fractional number", `{"cpu_shares": 1.5}`, []string{`"cpu_shares"`, "whole number", "1.5"}},
		{"bool as text", `{"privileged": "yes"}`, []string{`"privileged"`, "true or false"}},
		{"bad address", `{"dns": ["resolver"]}`, []string{`"dns"`, "not an IP address"}},
		{"host port out of range", `{"port_bindings": {"80": 70000}}`, []string{`"port_bindings"`, "host port", "70000"}},
		{"container port not a port", `{"port_bindings": {"http": 80}}`, []string{`"port_bindings"`, `"http"`}},
		{"bind without a target", `{"binds": {"/h": {"mode": "ro"}}}`, []string{`"binds"`, `"bind"`}},
		{"list where an object goes", `{"log_config": ["json-file"]}`, []string{`"log_config"`, "a list"}},
		{"every bad key is named", `{"bogus": 1, "privileged": 1, "mem_limit": "x"}`, []string{`"bogus"`, `"privileged"`, `"mem_limit"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := agentHost()
			err := h.applyHostConfig(decodeHostConfig(t, tt.in))
			errorMentions(t, err, append(tt.want, "host_config")...)
			if want := agentHost(); !reflect.DeepEqual(h, want) {
				t.Errorf("after a failed applyHostConfig, the host is %+v, want it unchanged", *h.hc)
			}
		})
	}
}
