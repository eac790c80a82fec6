// Package api is Outpost's client for a Prefect-1-style GraphQL backend: Prefect Server
// 1.x, Prefect Cloud 1.x or Outpost's embedded backend. It holds the documents, the
// transport (retries, headers, credentials), the mapping of backend errors onto typed
// errors, and one typed method per operation.
package api

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"go.uber.org/zap"

	"github.com/outposthq/outpost/secrets"
)

// Protocol constants.
const (
	// CoreVersion is sent as X-PREFECT-CORE-VERSION. Servers store it with the agent's
	// registration; it reads as the Prefect release whose protocol Outpost speaks.
	CoreVersion = "1.4.1+outpost"

	// PrefectVersion is the `__version__` written into serialized states.
	PrefectVersion = "1.4.1"
)

// Defaults, following Prefect's client (cloud.request_timeout, urllib3 Retry(total=6)).
const (
	DefaultTimeout       = 15 * time.Second
	DefaultRetryMax      = 6
	DefaultRetryWaitMin  = time.Second
	DefaultRetryWaitMax  = 30 * time.Second
	DefaultRetryAfterMax = 3 * time.Minute

	maxResponseBytes = 64 << 20
)

// Options configure a Client. Only URL is required.
type Options struct {
	URL      string        // the GraphQL endpoint, e.g. http://localhost:4200
	Key      secrets.Value // API key (a string); the zero Value means none
	TenantID string        // sent as X-PREFECT-TENANT-ID together with a key
	Version  string        // Outpost's version, for User-Agent; "dev" when empty

	Timeout time.Duration // per attempt; DefaultTimeout when 0

	// RetryMax is how often a failed request is retried: 0 means DefaultRetryMax and a
	// negative value disables retries.
	RetryMax      int
	RetryWaitMin  time.Duration // DefaultRetryWaitMin when 0
	RetryWaitMax  time.Duration // DefaultRetryWaitMax when 0
	RetryAfterMax time.Duration // longest Retry-After honoured; DefaultRetryAfterMax when 0

	// Backoff decides each wait between retries; DefaultBackoff(Now, RetryAfterMax)
	// when nil.
	Backoff retryablehttp.Backoff
	Now     func() time.Time // time.Now when nil
	Logger  *zap.Logger      // zap.NewNop() when nil
}

// Client talks to one backend. It is safe for concurrent use; the With* methods return
// copies that share the connection pool.
type Client struct {
	url       string // where requests go
	logURL    string // the same without credentials, for logs and errors
	key       secrets.Value
	hasKey    bool
	tenantID  string
	agentID   string
	userAgent string
	http      *retryablehttp.Client
	log       *zap.Logger
}

// New checks opts and builds a Client. It makes no request.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(opts.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the backend URL must be an http(s) URL such as http://localhost:4200: set it with --api or cloud.api")
	}
	u.Path = strings.TrimRight(u.Path, "/")

	hasKey, err := checkKey(opts.Key)
	if err != nil {
		return nil, err
	}
	c := &Client{
		url:       u.String(),
		logURL:    u.Redacted(),
		key:       opts.Key,
		hasKey:    hasKey,
		tenantID:  opts.TenantID,
		userAgent: "outpost/" + cmp.Or(opts.Version, "dev"),
		log:       opts.Logger,
	}
	if c.log == nil {
		c.log = zap.NewNop()
	}
	c.log = c.log.Named("api")
	c.http = c.newHTTP(opts)
	return c, nil
}

func checkKey(key secrets.Value) (bool, error) {
	switch k := key.Reveal().(type) {
	case nil:
		return false, nil
	case string:
		if strings.ContainsFunc(k, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return false, errors.New("the API key contains a line break or control character: check how it was copied")
		}
		return k != "", nil
	default:
		return false, fmt.Errorf("the API key must be a string, not a %T: check cloud.api_key or auth.toml", k)
	}
}

func (c *Client) newHTTP(opts Options) *retryablehttp.Client {
	h := retryablehttp.NewClient()
	h.HTTPClient.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	h.RetryMax = opts.RetryMax
	switch {
	case opts.RetryMax == 0:
		h.RetryMax = DefaultRetryMax
	case opts.RetryMax < 0:
		h.RetryMax = 0
	}
	h.RetryWaitMin = cmp.Or(opts.RetryWaitMin, DefaultRetryWaitMin)
	h.RetryWaitMax = cmp.Or(opts.RetryWaitMax, DefaultRetryWaitMax)
	h.Backoff = opts.Backoff
	if h.Backoff == nil {
		now := opts.Now
		if now == nil {
			now = time.Now
		}
		h.Backoff = DefaultBackoff(now, cmp.Or(opts.RetryAfterMax, DefaultRetryAfterMax))
	}
	// Network errors, 429 and 5xx are retried; other answers are final.
	h.CheckRetry = retryablehttp.DefaultRetryPolicy
	// Keep the last answer so the error can say what the backend said.
	h.ErrorHandler = func(resp *http.Response, err error, attempts int) (*http.Response, error) {
		return resp, &retriesExhausted{attempts: attempts, err: err}
	}
	h.Logger = leveledLogger{log: c.log, scrub: func(s string) string { return c.scrub(s) }}
	return h
}

// WithAgentID returns a client that sends X-PREFECT-AGENT-ID, as an agent does once it
// has registered.
func (c *Client) WithAgentID(id string) *Client {
	cp := *c
	cp.agentID = id
	return &cp
}

// WithTenantID returns a client that sends X-PREFECT-TENANT-ID (with a key).
func (c *Client) WithTenantID(id string) *Client {
	cp := *c
	cp.tenantID = id
	return &cp
}

// URL is the endpoint, without credentials.
func (c *Client) URL() string { return c.logURL }

// request is one GraphQL call.
type request struct {
	op      string            // operation name, for logs and errors
	query   string            // the document
	vars    any               // nil sends "null"
	headers map[string]string // extra headers
	secrets []string          // values sent by this call, kept out of errors
	quiet   bool              // keep the response body out of errors: it may hold a secret
}

// do sends r and decodes the answer's data into out.
func (c *Client) do(ctx context.Context, r request, out any) error {
	body, err := encodeBody(r.query, r.vars)
	if err != nil {
		return fmt.Errorf("%s: encode the variables: %w", r.op, err)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, c.url, body)
	if err != nil {
		return c.transportError(r, err)
	}
	c.setHeaders(req.Header, r.headers)

	c.log.Debug("graphql request", zap.String("op", r.op), zap.String("url", c.logURL))
	resp, err := c.http.Do(req)
	if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return c.transportError(r, ctxErr)
	}
	if resp == nil {
		return c.transportError(r, err)
	}
	defer resp.Body.Close()
	attempts := 1
	var exhausted *retriesExhausted
	if errors.As(err, &exhausted) {
		attempts = exhausted.attempts
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return c.transportError(r, fmt.Errorf("read the answer: %w", err))
	}
	if len(raw) > maxResponseBytes {
		return c.transportError(r, fmt.Errorf("the answer is larger than %d MiB", maxResponseBytes>>20))
	}
	c.log.Debug("graphql response", zap.String("op", r.op), zap.Int("status", resp.StatusCode), zap.Int("attempts", attempts))
	return c.decode(r, resp, raw, attempts, out)
}

func encodeBody(query string, vars any) ([]byte, error) {
	// Prefect's client sends the variables JSON-encoded inside a string, "null" when
	// there are none; every Prefect backend accepts that form.
	encoded := []byte("null")
	if vars != nil {
		var err error
		if encoded, err = json.Marshal(vars); err != nil {
			return nil, err
		}
	}
	return json.Marshal(struct {
		Query     string `json:"query"`
		Variables string `json:"variables"`
	}{query, string(encoded)})
}

func (c *Client) setHeaders(h http.Header, extra map[string]string) {
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", c.userAgent)
	h.Set("X-PREFECT-CORE-VERSION", CoreVersion)
	if c.hasKey {
		h.Set("Authorization", "Bearer "+c.key.Reveal().(string))
		if c.tenantID != "" {
			h.Set("X-PREFECT-TENANT-ID", c.tenantID)
		}
	}
	if c.agentID != "" {
		h.Set("X-PREFECT-AGENT-ID", c.agentID)
	}
	for k, v := range extra {
		h.Set(k, v)
	}
}

// envelope is a GraphQL response.
type envelope struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string `json:"message"`
		Extensions struct {
			Code any `json:"code"`
		} `json:"extensions"`
	} `json:"errors"`
}

func (c *Client) decode(r request, resp *http.Response, raw []byte, attempts int, out any) error {
	var env envelope
	jsonErr := json.Unmarshal(raw, &env)
	status := resp.StatusCode
	graphQLStatus := status/100 == 2 || status == http.StatusBadRequest || isAuthStatus(status)

	if jsonErr == nil && len(env.Errors) > 0 && graphQLStatus {
		gerr := &GraphQLError{StatusCode: status}
		for _, e := range env.Errors {
			gerr.Messages = append(gerr.Messages, c.scrub(e.Message, r.secrets...))
			code := ""
			if e.Extensions.Code != nil {
				code = c.scrub(fmt.Sprint(e.Extensions.Code), r.secrets...)
			}
			gerr.Codes = append(gerr.Codes, code)
		}
		if errors.Is(gerr, ErrUnauthenticated) {
			return fmt.Errorf("%s: %w (check the API key and tenant id used for %s)", r.op, gerr, c.logURL)
		}
		return fmt.Errorf("%s: %w", r.op, gerr)
	}
	if status/100 != 2 {
		serr := &StatusError{StatusCode: status, Status: resp.Status, Attempts: attempts}
		if !r.quiet {
			serr.Body = c.scrub(snippet(raw), r.secrets...)
		}
		return c.transportError(r, serr)
	}
	if jsonErr != nil {
		return fmt.Errorf("%s: %w from %s: %v (HTTP %d, Content-Type %q, %d bytes)",
			r.op, ErrMalformedResponse, c.logURL, jsonErr, status, resp.Header.Get("Content-Type"), len(raw))
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return fmt.Errorf("%s: %w from %s: neither data nor errors", r.op, ErrMalformedResponse, c.logURL)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("%s: %w from %s: unexpected data: %v", r.op, ErrMalformedResponse, c.logURL, err)
	}
	return nil
}

func (c *Client) transportError(r request, err error) error {
	return &TransportError{URL: c.logURL, Op: r.op, Err: err}
}

// scrub removes the API key and the given values from text bound for a log or an error.
func (c *Client) scrub(text string, values ...string) string {
	if c.hasKey {
		text = strings.ReplaceAll(text, c.key.Reveal().(string), secrets.Redacted)
	}
	for _, v := range values {
		if v != "" {
			text = strings.ReplaceAll(text, v, secrets.Redacted)
		}
	}
	return text
}
