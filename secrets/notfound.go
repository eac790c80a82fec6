package secrets

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound matches (with errors.Is) every *NotFoundError.
var ErrNotFound = errors.New("secret not found")

// NotFoundError says a secret was looked for and not found. It names the secret and the
// places looked in; it never holds a value.
type NotFoundError struct {
	Name  string
	Where []string

	// msg replaces the generated message where Prefect's own text must be kept.
	msg string
}

// Error implements error.
func (e *NotFoundError) Error() string {
	if e.msg != "" {
		return e.msg
	}
	if len(e.Where) == 0 {
		return fmt.Sprintf("secret %q was not found", e.Name)
	}
	return fmt.Sprintf("secret %q was not found; looked in: %s", e.Name, strings.Join(e.Where, ", "))
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }
