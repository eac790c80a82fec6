package runconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Expected values are what Prefect's _parse_volume_spec_unix/_win32 give for each spec.
func TestParseVolumeUnix(t *testing.T) {
	tests := []struct {
		spec    string
		want    Volume
		wantErr string
	}{
		{spec: "/host:/ctr", want: Volume{"/host", "/ctr", "rw", false}},
		{spec: "/host/:/ctr/:ro", want: Volume{"/host", "/ctr", "ro", false}},
		{spec: "data:/data", want: Volume{"data", "/data", "rw", true}},
		{spec: "./data:/x", want: Volume{"data", "/x", "rw", true}},
		{spec: "~/x:/y", want: Volume{"~/x", "/y", "rw", false}},
		{spec: "/only", want: Volume{"/only", "/only", "rw", false}},
		{spec: "rel", want: Volume{"rel", "rel", "rw", false}},
		{spec: "  /a/./b/../c : /x ", want: Volume{"/a/c", "/x", "rw", false}},
		{spec: "//net/x:/y", want: Volume{"//net/x", "/y", "rw", false}},
		{spec: "///three:/y", want: Volume{"/three", "/y", "rw", false}},
		{spec: " name:/y", want: Volume{"name", "/y", "rw", true}},
		{spec: "..:/x", want: Volume{"..", "/x", "rw", false}},
		{spec: "/a:/b:z", want: Volume{"/a", "/b", "z", false}},
		{spec: "/a:/b:", want: Volume{"/a", "/b", "", false}},
		{spec: "data:/data:ro", wantErr: "Named volumes can only have 'rw' mode, provided 'ro'"},
		{spec: "/a:/b:c:d", wantErr: "Docker volume format is invalid: /a:/b:c:d (should be 'external:internal[:mode]')"},
		{spec: "", wantErr: "Docker volume format is invalid:  (should be 'external:internal[:mode]')"},
		{spec: "  ", wantErr: "Docker volume format is invalid:    (should be 'external:internal[:mode]')"},
	}
	for _, tt := range tests {
		got, err := parseVolume(tt.spec, false)
		checkVolume(t, tt.spec, got, err, tt.want, tt.wantErr)
	}
}

func TestParseVolumeWindows(t *testing.T) {
	tests := []struct {
		spec    string
		want    Volume
		wantErr string
	}{
		{spec: `C:\some\path`, want: Volume{`C:\some\path`, "/c/some/path", "rw", false}},
		{spec: `C:\a:/b`, want: Volume{`C:\a`, "/b", "rw", false}},
		{spec: `C:\a:/b:ro`, want: Volume{`C:\a`, "/b", "ro", false}},
		{spec: `D:\x:ro`, want: Volume{`D:\x`, "/d/x", "ro", false}},
		{spec: `C:/path2`, want: Volume{`C:\path2`, "/c/path2", "rw", false}},
		{spec: `C:\a\..\b:/x/./y:rw`, want: Volume{`C:\b`, "/x/y", "rw", false}},
		{spec: "//var/run/docker.sock", want: Volume{"//var/run/docker.sock", "/var/run/docker.sock", "rw", false}},
		{spec: `\path1`, want: Volume{`\path1`, `\path1`, "rw", false}},
		{spec: `/path1:\path2`, want: Volume{`\path1`, `\path2`, "rw", false}},
		{spec: `\\server\share\dir:/mnt`, want: Volume{`\\server\share\dir:\mnt`, "/server/share/dir:/mnt", "rw", false}},
		{spec: "vol:/data", want: Volume{"vol", "/data", "rw", true}},
		{spec: "x:y:z", want: Volume{"x:y", "z", "rw", true}},
		{spec: "vol:/data:ro", wantErr: "Named volumes can only have 'rw' mode, provided 'ro'"},
		{spec: "a:b:c:d", wantErr: "Unable to parse volume specification 'a:b:c:d'"},
		{spec: "ro", wantErr: "Unable to parse volume specification 'ro'"},
	}
	for _, tt := range tests {
		got, err := parseVolume(tt.spec, true)
		checkVolume(t, tt.spec, got, err, tt.want, tt.wantErr)
	}
}

func checkVolume(t *testing.T, spec string, got Volume, err error, want Volume, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Errorf("parse %q: error = %v, want %q", spec, err, wantErr)
		}
		return
	}
	if err != nil {
		t.Errorf("parse %q: %v", spec, err)
		return
	}
	if got != want {
		t.Errorf("parse %q = %+v, want %+v", spec, got, want)
	}
}

func TestParseVolumes(t *testing.T) {
	set, err := ParseVolumes([]string{"/a:/x", "data:/d", "/b:/y:ro", "/a:/z:ro", "/only"})
	if err != nil {
		t.Fatal(err)
	}
	want := VolumeSet{
		MountPaths:   []string{"/x", "/d", "/y", "/z", "/only"},
		NamedVolumes: []string{"data"},
		Binds:        []string{"/a:/z:ro", "data:/d:rw", "/b:/y:ro", "/only:/only:rw"},
	}
	if diff := cmp.Diff(want, set); diff != "" {
		t.Errorf("ParseVolumes mismatch (-want +got):\n%s", diff)
	}
	if _, err := ParseVolumes([]string{"/a:/b", "n:/c:ro"}); err == nil {
		t.Error("ParseVolumes accepted a read-only named volume")
	}
}
