package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"syscall"

	"github.com/pelletier/go-toml/v2"
)

// TOMLError is invalid TOML in a file; it prints as PATH:LINE:COLUMN: what
// was expected. It never quotes the document, which may hold secrets.
type TOMLError struct {
	Path   string
	Line   int
	Column int
	Msg    string
	err    error
}

func (e *TOMLError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Column, e.Msg)
}

func (e *TOMLError) Unwrap() error { return e.err }

// strconvDetail is the part of a number-parsing message that quotes the text
// it failed on, which could be (part of) a secret.
var strconvDetail = regexp.MustCompile(`strconv\.\w+: parsing "(?:[^"\\]|\\.)*": `)

// readTOMLFile decodes a TOML file into a tree. A missing file (or a missing
// directory on the way) gives found == false and no error.
func readTOMLFile(path string) (tree map[string]any, found bool, err error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return nil, false, nil
	case errors.Is(err, syscall.EISDIR):
		return nil, false, fmt.Errorf("%s is a directory, not a TOML file", path)
	case err != nil:
		return nil, false, fmt.Errorf("reading %s: %w", path, err)
	}
	tree, err = decodeTOML(path, data)
	return tree, err == nil, err
}

func decodeTOML(path string, data []byte) (map[string]any, error) {
	tree := map[string]any{}
	err := toml.Unmarshal(data, &tree)
	var de *toml.DecodeError
	switch {
	case errors.As(err, &de):
		line, col := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		msg = strconvDetail.ReplaceAllString(msg, "")
		return nil, &TOMLError{Path: path, Line: line, Column: col, Msg: msg, err: err}
	case err != nil:
		return nil, fmt.Errorf("%s: invalid TOML: %w", path, err)
	}
	return tree, nil
}
