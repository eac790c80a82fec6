package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WaitTimeout is how long WaitForRuns asks the backend to hold a request open.
const WaitTimeout = 25 * time.Second

// ErrWaitUnsupported: the backend has no endpoint to wait for runs on (Prefect Server
// and Cloud have none). Callers should stop asking and rely on polling.
var ErrWaitUnsupported = errors.New("the backend cannot wait for new runs")

// maxWaitBody bounds the answer of the wait endpoint, which is a few bytes of JSON.
const maxWaitBody = 4 << 10

// WaitForRuns blocks until the backend may have new runs due for this tenant, and
// returns the backend's run sequence number. Pass the sequence returned last (0 the
// first time); when the answer differs from it, poll for runs now. An answer equal to
// since means the backend's timeout passed with nothing new. A backend without the
// endpoint gives an error matching ErrWaitUnsupported.
//
// The endpoint, served by Outpost's embedded backend (Prefect backends do not have it):
//
//	GET <api>/api/outpost/runs/wait?since=<N>&timeout=<duration>
//
// Request:
//
//   - <api> is the client's URL, the one GraphQL requests are posted to (for example
//     http://localhost:4200 gives http://localhost:4200/api/outpost/runs/wait).
//   - Headers are those of GraphQL requests: Authorization: Bearer <api key>,
//     X-PREFECT-TENANT-ID (with a key), X-PREFECT-AGENT-ID, X-PREFECT-CORE-VERSION.
//     The tenant waited on is the one the key belongs to (or the header names).
//   - since is a decimal uint64: the sequence the client saw last, 0 at first. The
//     backend keeps one sequence per tenant and increments it whenever a run of the
//     tenant may have become due: a run created, rescheduled, or set to a
//     Scheduled-family state. It may restart from 0 when the backend restarts.
//   - timeout is a Go duration ("25s"): the longest the backend holds the request. The
//     backend may shorten it; the client gives up after timeout plus its request
//     timeout.
//
// Answers:
//
//   - 200 with Content-Type application/json and the body {"seq": <N>}, the tenant's
//     current sequence: at once when it differs from since (also when since is larger,
//     after a backend restart), else as soon as it changes, else when the timeout
//     passes (then N equals since).
//   - 401 or 403 when the credentials are refused; 400 when since or timeout is not
//     valid; 503 while the backend shuts down. The client retries later on these.
//   - 404 or 405: the backend has no such endpoint; the client returns
//     ErrWaitUnsupported and stops asking.
func (c *Client) WaitForRuns(ctx context.Context, since uint64) (uint64, error) {
	r := request{op: "wait_for_runs"}
	u, err := url.Parse(c.url)
	if err != nil {
		return since, c.transportError(r, err)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/api/outpost/runs/wait"
	u.RawQuery = url.Values{"since": {strconv.FormatUint(since, 10)}, "timeout": {WaitTimeout.String()}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return since, c.transportError(r, err)
	}
	c.setHeaders(req.Header, nil)
	req.Header.Del("Content-Type") // a GET has no body
	req.Header.Set("Accept", "application/json")

	// One attempt, without the GraphQL retries: the caller waits again anyway, and a
	// long poll must not be cut by the request timeout meant for GraphQL calls.
	hc := *c.http.HTTPClient
	hc.Timeout = WaitTimeout + c.http.HTTPClient.Timeout
	resp, err := hc.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return since, c.transportError(r, ctxErr)
		}
		return since, c.transportError(r, errors.New(c.scrub(err.Error())))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxWaitBody))
	if err != nil {
		return since, c.transportError(r, fmt.Errorf("read the answer: %w", err))
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed:
		return since, fmt.Errorf("%s: %w: %s answered HTTP %d", r.op, ErrWaitUnsupported, c.logURL, resp.StatusCode)
	case resp.StatusCode/100 != 2:
		return since, c.transportError(r, &StatusError{StatusCode: resp.StatusCode, Status: resp.Status, Body: c.scrub(snippet(raw))})
	}
	var body struct {
		Seq *uint64 `json:"seq"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.Seq == nil {
		return since, fmt.Errorf("%s: %w from %s: expected {\"seq\": <number>}, got %q", r.op, ErrMalformedResponse, c.logURL, snippet(raw))
	}
	return *body.Seq, nil
}
