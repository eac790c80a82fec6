package api

import (
	"fmt"
	"time"

	"go.uber.org/zap"
)

// leveledLogger lets retryablehttp log through zap. Every message and value passes
// through scrub first, so the API key cannot reach a log line even if it turns up in
// an error or a URL.
type leveledLogger struct {
	log   *zap.Logger
	scrub func(string) string
}

// A failed attempt that will be retried is not an error of the caller's operation:
// retryablehttp's "request failed" is logged as a warning, and the final outcome is
// returned to the caller, who decides how loud it is.
func (l leveledLogger) Error(msg string, kv ...any) { l.log.Warn(l.scrub(msg), l.fields(kv)...) }
func (l leveledLogger) Warn(msg string, kv ...any)  { l.log.Warn(l.scrub(msg), l.fields(kv)...) }
func (l leveledLogger) Info(msg string, kv ...any)  { l.log.Info(l.scrub(msg), l.fields(kv)...) }
func (l leveledLogger) Debug(msg string, kv ...any) { l.log.Debug(l.scrub(msg), l.fields(kv)...) }

func (l leveledLogger) fields(kv []any) []zap.Field {
	fields := make([]zap.Field, 0, (len(kv)+1)/2)
	for i := 0; i < len(kv); i += 2 {
		key := fmt.Sprint(kv[i])
		if i+1 >= len(kv) {
			fields = append(fields, zap.String("extra", l.scrub(key)))
			break
		}
		switch v := kv[i+1].(type) {
		case int, int64, bool, time.Duration:
			fields = append(fields, zap.Any(key, v))
		default:
			fields = append(fields, zap.String(key, l.scrub(fmt.Sprint(v))))
		}
	}
	return fields
}
