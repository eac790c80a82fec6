package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Sentinels to test with errors.Is. The typed errors below match them.
// ErrNoSecretAPI is wrapped by secret operations against a backend that has no secret
// store at all (Prefect Server 1.x), as opposed to one that lacks the named secret.
var ErrNoSecretAPI = errors.New("the backend has no secret API")

var (
	// ErrVersionLock: the backend refused a state change because the run's version moved
	// on since it was read (Prefect Cloud and the embedded backend lock; Server does not).
	ErrVersionLock = errors.New("version lock mismatch: the run changed since it was read")

	// ErrAlreadySubmitted: another agent claimed the run first. Losing that race is normal.
	ErrAlreadySubmitted = errors.New("the run has already been submitted")

	// ErrUnauthenticated: the backend refused the API key or tenant.
	ErrUnauthenticated = errors.New("the backend refused the credentials")

	// ErrNotFound: the backend answered, but the thing asked for does not exist.
	ErrNotFound = errors.New("not found")

	// ErrMalformedResponse: the backend's answer was not a GraphQL response.
	ErrMalformedResponse = errors.New("malformed response received")
)

// Codes and message fragments Prefect backends use for the conditions above.
const (
	codeVersionLock        = "VERSION_LOCKING_ERROR"
	textUnauthenticated    = "UNAUTHENTICATED"
	textMalformedAuth      = "Malformed Authorization header"
	textAlreadySubmitted   = "already been submitted"
	textStateUpdateFailed  = "State update failed"
	textSecretNotFound     = "No value found for the requested key"
	maxBodySnippetInErrors = 300
)

// GraphQLError is a GraphQL `errors` array: resolver errors (HTTP 200) and parse,
// validation and variable errors (HTTP 400).
type GraphQLError struct {
	Messages []string
	Codes    []string // extensions.code of each error, "" where the backend gave none
	// StatusCode is the HTTP status the errors came with.
	StatusCode int
}

func (e *GraphQLError) Error() string {
	parts := make([]string, len(e.Messages))
	for i, msg := range e.Messages {
		if i < len(e.Codes) && e.Codes[i] != "" {
			msg = e.Codes[i] + ": " + msg
		}
		parts[i] = msg
	}
	prefix := "the backend answered with an error"
	if e.StatusCode != 0 && e.StatusCode != http.StatusOK {
		prefix += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	return prefix + ": " + strings.Join(parts, "; ")
}

// Is reports which of the package's sentinels the errors stand for, using the rules of
// Prefect's own client so both sides agree on what a message means.
func (e *GraphQLError) Is(target error) bool {
	switch target {
	case ErrVersionLock:
		return len(e.Codes) > 0 && e.Codes[0] == codeVersionLock
	case ErrAlreadySubmitted:
		return e.contains(textAlreadySubmitted) || e.contains(textStateUpdateFailed)
	case ErrUnauthenticated:
		return e.contains(textUnauthenticated) || e.contains(textMalformedAuth) || isAuthStatus(e.StatusCode)
	}
	return false
}

func (e *GraphQLError) contains(text string) bool {
	for _, s := range append(append([]string(nil), e.Messages...), e.Codes...) {
		if strings.Contains(s, text) {
			return true
		}
	}
	return false
}

// TransportError is a request that got no usable GraphQL answer: the network failed,
// the retries ran out, or the backend answered with an HTTP error.
type TransportError struct {
	URL string // the endpoint, without credentials
	Op  string // the GraphQL operation
	Err error
}

func (e *TransportError) Error() string {
	msg := fmt.Sprintf("%s request to %s failed: %v", e.Op, e.URL, e.Err)
	var status *StatusError
	if !errors.As(e.Err, &status) && !errors.Is(e.Err, context.Canceled) && !errors.Is(e.Err, context.DeadlineExceeded) {
		msg += " (check that the backend is running and that this is its address)"
	}
	return msg
}

func (e *TransportError) Unwrap() error { return e.Err }

// StatusError is an HTTP answer that carried no GraphQL errors.
type StatusError struct {
	StatusCode int
	Status     string
	Body       string // the start of the body, with credentials removed
	Attempts   int    // how many requests were made, when it was retried
}

func (e *StatusError) Error() string {
	msg := "HTTP " + e.Status
	if e.Status == "" {
		msg = fmt.Sprintf("HTTP %d", e.StatusCode)
	}
	if e.Attempts > 1 {
		msg += fmt.Sprintf(" after %d attempts", e.Attempts)
	}
	if isAuthStatus(e.StatusCode) {
		msg += " (check the API key and tenant id)"
	}
	if e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes 401 and 403 answers match ErrUnauthenticated.
func (e *StatusError) Is(target error) bool {
	return target == ErrUnauthenticated && isAuthStatus(e.StatusCode)
}

func isAuthStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}

// retriesExhausted carries the attempt count from retryablehttp's error handler.
type retriesExhausted struct {
	attempts int
	err      error
}

func (e *retriesExhausted) Error() string {
	if e.attempts <= 1 && e.err != nil {
		return e.err.Error()
	}
	if e.err == nil {
		return fmt.Sprintf("gave up after %d attempts", e.attempts)
	}
	return fmt.Sprintf("gave up after %d attempts: %v", e.attempts, e.err)
}

func (e *retriesExhausted) Unwrap() error { return e.err }

// snippet shortens a body for an error message.
func snippet(body []byte) string {
	s := strings.TrimSpace(string(body))
	if len(s) > maxBodySnippetInErrors {
		s = strings.ToValidUTF8(s[:maxBodySnippetInErrors], "") + "…"
	}
	return s
}
