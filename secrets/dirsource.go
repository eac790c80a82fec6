package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// DirSource reads secrets from a directory holding one file per secret, the way Docker
// and Kubernetes mount them (/run/secrets/NAME). The file's name is the secret's name;
// its content is the value as is, a string, less one trailing newline ("\n" or "\r\n")
// that editors and `echo` add.
//
// Reads go through an os.Root, so neither a crafted name nor a symlink can reach a file
// outside the directory. A missing directory holds no secrets.
type DirSource struct {
	Dir string
}

// Lookup implements Source.
func (s DirSource) Lookup(_ context.Context, name string) (Value, bool, error) {
	if s.Dir == "" {
		return Value{}, false, errors.New("no secrets directory is configured")
	}
	if err := checkFileName(name); err != nil {
		return Value{}, false, err
	}
	root, err := os.OpenRoot(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return Value{}, false, nil
	}
	if err != nil {
		return Value{}, false, fmt.Errorf("opening the secrets directory: %w", err)
	}
	defer func() { _ = root.Close() }()
	content, err := root.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return Value{}, false, nil
	}
	if err != nil {
		// The error from os.Root names the file and the reason, never the content.
		return Value{}, false, fmt.Errorf("reading secret file %s in %s: %w", name, s.Dir, err)
	}
	text := string(content)
	if t, ok := strings.CutSuffix(text, "\n"); ok {
		text = strings.TrimSuffix(t, "\r")
	}
	return NewValue(text), true, nil
}

func (s DirSource) String() string { return "secret files in " + s.Dir }

// checkFileName refuses names that are not a plain file name, before any file is touched.
func checkFileName(name string) error {
	switch {
	case name == "":
		return errors.New("an empty secret name cannot name a secret file")
	case strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, os.PathSeparator):
		return fmt.Errorf("secret name %q cannot name a secret file: it contains a path separator; "+
			"use the plain name of a file in the secrets directory", name)
	case name == "." || strings.Contains(name, ".."):
		return fmt.Errorf("secret name %q cannot name a secret file: it contains \"..\"; "+
			"use the plain name of a file in the secrets directory", name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("secret name %q cannot name a secret file: it contains a NUL byte", name)
	}
	return nil
}
