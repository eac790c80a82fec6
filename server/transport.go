package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// MaxBodyBytes is the largest request body accepted, as Prefect Server's API (5 MB).
const MaxBodyBytes = 5 << 20

// postTransport is the one way requests reach GraphQL. gqlgen's own POST transport
// is not used because it differs from Prefect Server where clients notice: it wants
// `variables` as an object while Prefect's client sends a JSON string, it answers
// parse and validation errors with 422 where Prefect's client expects 400, and it
// echoes the whole body in decode errors, which could put a secret in a log.
type postTransport struct {
	maxBody int64
}

var _ graphql.Transport = postTransport{}

func (postTransport) Supports(r *http.Request) bool {
	return r.Method == http.MethodPost && r.Header.Get("Upgrade") == ""
}

// requestBody is the accepted top level. Unknown members are refused so a typo
// (`"querry"`) is reported rather than ignored.
type requestBody struct {
	Query         *string         `json:"query"`
	Variables     json.RawMessage `json:"variables"`
	OperationName *string         `json:"operationName"`
	Extensions    map[string]any  `json:"extensions"`
}

func (t postTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()

	params, status, err := t.readParams(w, r)
	if err != nil {
		writeResponse(w, status, exec.DispatchError(ctx, gqlerror.List{err}))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		// Parse, validation and variable errors: 400, as Prefect Server answers.
		status := http.StatusOK
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusBadRequest
		}
		for _, e := range errs {
			// Variable errors carry where they are only in "path"; say it in the message
			// too, since clients (Prefect's among them) show only the message.
			if len(e.Path) > 0 && !strings.HasPrefix(e.Message, e.Path.String()) {
				e.Message = e.Path.String() + ": " + e.Message
			}
		}
		writeResponse(w, status, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeResponse(w, http.StatusOK, responses(ctx))
}

// readParams decodes and checks the body. Errors are safe to show: they never quote
// the body, which may hold a secret.
func (t postTransport) readParams(w http.ResponseWriter, r *http.Request) (*graphql.RawParams, int, *gqlerror.Error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, http.StatusRequestEntityTooLarge, badRequest(fmt.Sprintf(
				"request body is larger than the %d MB limit; send fewer or smaller items per request", t.maxBody>>20))
		}
		return nil, http.StatusBadRequest, badRequest("could not read the request body: " + err.Error())
	}
	var body requestBody
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		return nil, http.StatusBadRequest, badRequest("request body is not a valid GraphQL request: " + describeJSONError(err) +
			`; send a JSON object {"query": "...", "variables": {...}}`)
	}
	if dec.More() {
		return nil, http.StatusBadRequest, badRequest("request body holds more than one JSON value; send a single JSON object")
	}
	if body.Query == nil || *body.Query == "" {
		return nil, http.StatusBadRequest, badRequest(`request has no "query"; send {"query": "...", "variables": {...}}`)
	}
	vars, msg := normaliseVariables(body.Variables)
	if msg != "" {
		return nil, http.StatusBadRequest, badRequest(msg)
	}
	params := &graphql.RawParams{Query: *body.Query, Variables: vars, Extensions: body.Extensions}
	if body.OperationName != nil {
		params.OperationName = *body.OperationName
	}
	return params, 0, nil
}

// normaliseVariables accepts `variables` as an object, null, or a JSON string holding
// either ("null" included): Prefect's client sends json.dumps(variables) as a string.
// The message it returns on failure is Apollo's, so clients that match on it keep working.
func normaliseVariables(raw json.RawMessage) (map[string]any, string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, "Variables are invalid JSON."
		}
		raw = bytes.TrimSpace([]byte(s))
		if len(raw) == 0 {
			return nil, ""
		}
		if !json.Valid(raw) {
			return nil, "Variables are invalid JSON."
		}
	}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, ""
	}
	if raw[0] != '{' {
		return nil, `"variables" must be a JSON object, null, or a string holding one`
	}
	var vars map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep integers exact; gqlgen coerces json.Number
	if err := dec.Decode(&vars); err != nil {
		return nil, "Variables are invalid JSON."
	}
	return vars, ""
}

// describeJSONError names what is wrong without quoting the input.
func describeJSONError(err error) string {
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return fmt.Sprintf("%q must be a %s, not a JSON %s", e.Field, wantType(e.Field), e.Value)
	}
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Sprintf("invalid JSON at byte %d", e.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "the body is empty or cut short"
	}
	return err.Error() // e.g. `json: unknown field "querry"`
}

func wantType(field string) string {
	switch field {
	case "extensions":
		return "JSON object"
	default:
		return "string"
	}
}

func badRequest(msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": "BAD_REQUEST"}}
}

func writeResponse(w http.ResponseWriter, status int, resp *graphql.Response) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // messages quote `<api key>` and GraphQL text; keep them legible
	if err := enc.Encode(resp); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"errors":[{"message":"internal server error: the response could not be encoded","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}`)
	}
	w.WriteHeader(status)
	_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}
