package api

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// DefaultBackoff returns the wait before each retry: exponential from min, capped at max,
// with jitter so that agents restarted together do not retry together. When a 429 or 503
// answer says Retry-After (seconds or an HTTP date, read against now), that is the wait,
// up to retryAfterMax. Prefect's client sleeps three minutes on a 429 whatever the server
// says; following the server is kinder to both sides.
func DefaultBackoff(now func() time.Time, retryAfterMax time.Duration) retryablehttp.Backoff {
	return func(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if wait, ok := retryAfter(resp.Header.Get("Retry-After"), now()); ok {
				return clampWait(wait, retryAfterMax)
			}
		}
		return jittered(exponential(min, max, attempt))
	}
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(header string, now time.Time) (time.Duration, bool) {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(header, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second, true
	}
	when, err := http.ParseTime(header)
	if err != nil {
		return 0, false
	}
	return max(when.Sub(now), 0), true
}

func exponential(min, max time.Duration, attempt int) time.Duration {
	wait := min
	for i := 0; i < attempt && wait < max; i++ {
		wait *= 2
	}
	return clampWait(wait, max)
}

func clampWait(wait, limit time.Duration) time.Duration {
	if wait > limit {
		return limit
	}
	return wait
}

// jittered keeps half of the wait and randomises the other half ("equal jitter"), so
// the wait still grows with each attempt but clients spread out.
func jittered(wait time.Duration) time.Duration {
	if wait <= 1 {
		return wait
	}
	half := wait / 2
	return half + rand.N(wait-half+1)
}
