package docker

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeRegistry serves one image, holding the test program, over the registry API on
// 127.0.0.1, which the engine treats as an insecure registry: the real thing would
// need the network. It counts manifest requests and can fail them.
type fakeRegistry struct {
	srv      *httptest.Server
	manifest []byte
	blobs    map[string][]byte // digest to content

	mu        sync.Mutex
	manifests int             // manifest requests so far
	fail      func(n int) int // the status failing manifest request n (from 1), or 0
	login     string          // "user:password" every request must carry; "" for none
}

const manifestType = "application/vnd.docker.distribution.manifest.v2+json"

func newFakeRegistry(t *testing.T) *fakeRegistry {
	t.Helper()
	layer, diffID := testLayer(t)
	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"created":      time.Unix(0, 0).UTC().Format(time.RFC3339),
		"config":       map[string]any{"Labels": map[string]string{testLabel: env.run}},
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{diffID}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &fakeRegistry{blobs: map[string][]byte{digest(config): config, digest(layer): layer}}
	r.manifest, err = json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     manifestType,
		"config":        map[string]any{"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
		"layers":        []any{map[string]any{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digest(layer)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

// testLayer is a gzipped layer holding the test program at imageProgram, and the
// digest of its uncompressed form.
func testLayer(t *testing.T) (layer []byte, diffID string) {
	t.Helper()
	prog, err := os.ReadFile(env.program)
	if err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	tw := tar.NewWriter(&raw)
	hdrs := []*tar.Header{
		{Name: "outpost/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: strings.TrimPrefix(imageProgram, "/"), Mode: 0o755, Size: int64(len(prog))},
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tw.Write(prog); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
	if _, err := zw.Write(raw.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return gz.Bytes(), digest(raw.Bytes())
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// registryLogin is what a registry that wants credentials accepts.
const registryLogin = "outpost:letmein-0xC0FFEE"

// host is the registry's host:port, as image names give it.
func (r *fakeRegistry) host() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// image names an image of the registry.
func (r *fakeRegistry) image(name string) string { return r.host() + "/outpost-test/" + name }

func (r *fakeRegistry) manifestRequests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.manifests
}

func (r *fakeRegistry) serve(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	r.mu.Lock()
	login := r.login
	r.mu.Unlock()
	if user, password, ok := req.BasicAuth(); login != "" && (!ok || user+":"+password != login) {
		w.Header().Set("WWW-Authenticate", `Basic realm="outpost-test"`)
		registryError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
		return
	}
	path := req.URL.Path
	switch {
	case path == "/v2/":
		w.WriteHeader(http.StatusOK)
	case strings.Contains(path, "/manifests/"):
		r.mu.Lock()
		r.manifests++
		n, fail := r.manifests, r.fail
		r.mu.Unlock()
		if fail != nil {
			switch status := fail(n); status {
			case 0:
			case http.StatusNotFound:
				registryError(w, status, "MANIFEST_UNKNOWN", "manifest unknown")
				return
			default:
				registryError(w, status, "UNAVAILABLE", http.StatusText(status))
				return
			}
		}
		w.Header().Set("Content-Type", manifestType)
		w.Header().Set("Docker-Content-Digest", digest(r.manifest))
		w.Header().Set("Content-Length", fmt.Sprint(len(r.manifest)))
		if req.Method != http.MethodHead {
			_, _ = w.Write(r.manifest)
		}
	case strings.Contains(path, "/blobs/"):
		blob, ok := r.blobs[path[strings.LastIndex(path, "/")+1:]]
		if !ok {
			registryError(w, http.StatusNotFound, "BLOB_UNKNOWN", "blob unknown")
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(blob)))
		w.Header().Set("Content-Type", "application/octet-stream")
		if req.Method != http.MethodHead {
			_, _ = w.Write(blob)
		}
	default:
		http.NotFound(w, req)
	}
}

func registryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]string{"code": code, "message": msg}}})
}
