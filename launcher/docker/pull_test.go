package docker

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
)

func TestParsePullPolicy(t *testing.T) {
	tests := []struct {
		in   string
		want PullPolicy
		err  bool
	}{
		{"", PullDefault, false},
		{"always", PullAlways, false},
		{" Never ", PullNever, false},
		{"IF-NOT-PRESENT", PullIfNotPresent, false},
		{"sometimes", "", true},
		{"IfNotPresent", "", true},
	}
	for _, tt := range tests {
		got, err := ParsePullPolicy(tt.in)
		if tt.err {
			errorMentions(t, err, fmt.Sprintf("%q", tt.in), pullPolicyNames)
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestPullPolicyForImage(t *testing.T) {
	const id = "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"
	tests := []struct {
		policy PullPolicy
		image  string
		want   PullPolicy
	}{
		{PullDefault, "prefecthq/prefect:1.4.1", PullAlways},
		{PullDefault, "ghcr.io/org/flow:2", PullAlways},
		{PullDefault, "python:3.9", PullIfNotPresent},
		{PullDefault, "myflow", PullIfNotPresent},
		{PullAlways, "python:3.9", PullAlways},
		{PullNever, "prefecthq/prefect:1.4.1", PullNever},
		{PullIfNotPresent, "prefecthq/prefect:1.4.1", PullIfNotPresent},
		{PullAlways, id, PullNever},
		{PullAlways, id[len("sha256:"):], PullNever},
	}
	for _, tt := range tests {
		if got := tt.policy.forImage(tt.image); got != tt.want {
			t.Errorf("%s.forImage(%q) = %s, want %s", tt.policy, tt.image, got, tt.want)
		}
	}
}

func TestCheckAllowed(t *testing.T) {
	tests := []struct {
		image   string
		allow   []string
		refused []string // what the error names; nil: allowed
	}{
		{"anything/at:all", nil, nil},
		{"prefecthq/prefect:1.4.1", []string{"docker.io"}, nil},
		{"prefecthq/prefect:1.4.1", []string{"prefecthq"}, nil}, // Prefect's reg_allow_list rule
		{"python:3.9", []string{"index.docker.io"}, nil},
		{"ghcr.io/org/flow:2", []string{"quay.io", "GHCR.io"}, nil},
		{"localhost:5000/flow", []string{"localhost:5000"}, nil},
		{"ghcr.io/org/flow:2", []string{"quay.io"}, []string{`"ghcr.io/org/flow:2"`, `"ghcr.io"`, "allow-list", "quay.io"}},
		{"python:3.9", []string{"ghcr.io"}, []string{`"docker.io"`}},
		{"sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945", []string{"docker.io"}, []string{"by ID"}},
		{"Bad::Ref", []string{"docker.io"}, []string{"not a valid image reference"}},
	}
	for _, tt := range tests {
		err := checkAllowed(tt.image, tt.allow)
		if tt.refused == nil {
			if err != nil {
				t.Errorf("checkAllowed(%q, %q) = %v, want allowed", tt.image, tt.allow, err)
			}
			continue
		}
		errorMentions(t, err, tt.refused...)
	}
}

func TestPermanentPullError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{cerrdefs.ErrNotFound.WithMessage("manifest unknown"), true},
		{cerrdefs.ErrUnauthenticated.WithMessage("no credentials"), true},
		{cerrdefs.ErrPermissionDenied, true},
		{errors.New("pull access denied for x, repository does not exist"), true},
		{errors.New("Head https://r/v2/x/manifests/1: no basic auth credentials"), true},
		{context.Canceled, true},
		{cerrdefs.ErrUnavailable.WithMessage("received unexpected HTTP status: 503 Service Unavailable"), false},
		{errors.New("dial tcp: lookup registry-1.docker.io: no such host"), false},
		{errors.New("net/http: TLS handshake timeout"), false},
	}
	for _, tt := range tests {
		if got := permanentPullError(tt.err); got != tt.want {
			t.Errorf("permanentPullError(%q) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// TestPull pulls from a registry on this host, for each policy and failure.
func TestPull(t *testing.T) {
	t.Parallel()
	type outcome struct {
		pulls  bool            // the registry was asked for the manifest
		waits  []time.Duration // the backoffs waited
		errs   []string        // what the launch error names; nil: the run printed
		status int             // manifest requests fail with this status until the first backoff (0: never, -1: always 503)
	}
	tests := []struct {
		name    string
		policy  PullPolicy
		present bool // the image is on this host before the launch
		auth    bool // the registry wants credentials
		login   bool // this host has them (docker login)
		want    outcome
	}{
		{name: "default pulls a name with a registry", policy: PullDefault, present: true, want: outcome{pulls: true}},
		{name: "always pulls a missing image", policy: PullAlways, want: outcome{pulls: true}},
		{name: "always pulls a present image", policy: PullAlways, present: true, want: outcome{pulls: true}},
		{name: "if-not-present pulls a missing image", policy: PullIfNotPresent, want: outcome{pulls: true}},
		{name: "if-not-present uses the present image", policy: PullIfNotPresent, present: true, want: outcome{pulls: false}},
		{name: "never uses the present image", policy: PullNever, present: true, want: outcome{pulls: false}},
		{name: "never refuses a missing image", policy: PullNever, want: outcome{errs: []string{"not on this host", "pull policy never", "docker pull"}}},
		{name: "a transient failure is retried", policy: PullAlways, want: outcome{pulls: true, status: http.StatusServiceUnavailable, waits: []time.Duration{pullFirstDelay}}},
		{name: "transient failures give up after three attempts", policy: PullAlways, want: outcome{pulls: true, status: -1,
			waits: []time.Duration{pullFirstDelay, 2 * pullFirstDelay}, errs: []string{"pull policy always", "after 3 attempt(s)", "503"}}},
		{name: "a missing image is not retried", policy: PullIfNotPresent, want: outcome{pulls: true, status: http.StatusNotFound,
			errs: []string{"pull policy if-not-present", "after 1 attempt(s)", "check the image name"}}},
		{name: "refused access is not retried", policy: PullAlways, auth: true, want: outcome{errs: []string{"pull policy always", "after 1 attempt(s)", "docker login"}}},
		{name: "credentials from docker login are used", policy: PullAlways, auth: true, login: true, want: outcome{pulls: true}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := newFakeRegistry(t)
			image := reg.image(fmt.Sprintf("pull-%d:1", i))
			if tt.present {
				s, _ := testSpec(imageProgram, "exit", "0")
				s.Image = image
				wait(t, launch(t, newLauncher(t, Options{PullPolicy: PullAlways}), s))
			}
			clock := &countingClock{}
			opts := Options{PullPolicy: tt.policy, Clock: clock}
			if tt.login {
				opts.DockerConfig = writeDockerConfig(t, map[string]any{"auths": map[string]any{
					reg.host(): map[string]string{"auth": base64.StdEncoding.EncodeToString([]byte(registryLogin))},
				}})
			}
			reg.mu.Lock()
			before := reg.manifests
			if tt.auth {
				reg.login = registryLogin
			}
			switch tt.want.status {
			case 0:
			case -1:
				reg.fail = func(int) int { return http.StatusServiceUnavailable }
			default:
				reg.fail = func(int) int {
					if len(clock.Waits()) == 0 {
						return tt.want.status
					}
					return 0
				}
			}
			reg.mu.Unlock()

			l := newLauncher(t, opts)
			s, out := testSpec(imageProgram, "print", "pulled")
			s.Image = image
			ctx, cancel := context.WithTimeout(context.Background(), patience)
			defer cancel()
			h, err := l.Launch(ctx, s)
			if tt.want.errs == nil {
				if err != nil {
					t.Fatalf("Launch: %v", err)
				}
				if res := wait(t, h); res.ExitCode != 0 || out.String() != "pulled\n" {
					t.Errorf("run: %v, output %q; want exit code 0 and %q", res, out.String(), "pulled\n")
				}
			} else {
				if err == nil {
					stopAndWait(t, h)
				}
				errorMentions(t, err, append(tt.want.errs, image)...)
			}
			if pulled := reg.manifestRequests() > before; pulled != tt.want.pulls {
				t.Errorf("the registry was asked for the image: %v, want %v", pulled, tt.want.pulls)
			}
			if got := clock.Waits(); !slices.Equal(got, tt.want.waits) {
				t.Errorf("backoffs = %v, want %v", got, tt.want.waits)
			}
		})
	}
}

// TestAllowList: an image from a registry out of the list never gets to a pull.
func TestAllowList(t *testing.T) {
	t.Parallel()
	l := newLauncher(t, Options{PullPolicy: PullAlways, AllowList: []string{"quay.io"}})
	s, _ := testSpec(imageProgram, "exit", "0")
	s.Image = "ghcr.io/outpost-test/none:1"
	_, err := l.Launch(context.Background(), s)
	errorMentions(t, err, `"ghcr.io/outpost-test/none:1"`, `"ghcr.io"`, "allow-list")

	// The local test image counts as Docker Hub's, as the engine names it.
	l = newLauncher(t, Options{AllowList: []string{"docker.io"}})
	s, out := testSpec(imageProgram, "print", "allowed")
	if res := wait(t, launch(t, l, s)); res.ExitCode != 0 || out.String() != "allowed\n" {
		t.Errorf("run of an allowed image: %v, output %q", res, out.String())
	}
}
