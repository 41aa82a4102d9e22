package pull

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	// ErrCircuitOpen is returned by a fetch refused without asking the
	// region, because the breaker is open (or half-open and already
	// trying one fetch).
	ErrCircuitOpen = errors.New("circuit breaker open")
	// ErrStaleCursor is what a Store may return from Deliver when the
	// committed cursor is no longer the page's Cursor: the page was
	// delivered already and nothing changed.
	ErrStaleCursor = errors.New("page cursor is no longer the committed cursor")
	// ErrProtocol marks an answer that breaks RIS/1: a missing or malformed
	// Codefed-Next-Cursor or Codefed-Records header, or more persons than
	// the limit asked for.
	ErrProtocol = errors.New("answer breaks RIS/1")
)

// StatusError is an answer other than 200 from the feed.
type StatusError struct {
	StatusCode int
	// Code and Message come from the region's JSON error body,
	// {"error":{"code","message"}}; both are empty when the body is not
	// one.
	Code    string
	Message string
	// RetryAfter is the wait a 429 or 503 asked for, 0 when none.
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "region answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Transient reports whether asking again later may succeed: 429 and 5xx.
func (e *StatusError) Transient() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// maxMessage bounds how much of a region's error message is kept, so that
// a region answering with a page of HTML cannot flood logs.
const maxMessage = 256

func newStatusError(status int, body []byte, retryAfter time.Duration) *StatusError {
	e := &StatusError{StatusCode: status, RetryAfter: retryAfter}
	var doc struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &doc) == nil {
		e.Code = clip(doc.Error.Code, 64)
		e.Message = clip(doc.Error.Message, maxMessage)
	}
	return e
}

// clip cuts s to at most n bytes on a rune boundary and drops invalid
// UTF-8.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// Error kinds, the values of the kind label of codefed_pull_errors_total.
const (
	kindTransport = "transport"    // connection failed, timed out, body cut
	kindThrottled = "throttled"    // 429
	kindServer    = "server"       // 5xx
	kindClient    = "client"       // other 4xx
	kindBreaker   = "breaker_open" // refused by the open breaker
	kindProtocol  = "protocol"     // ErrProtocol
	kindDecode    = "decode"       // the adapter could not read the payload
	kindStore     = "store"        // Store.Cursor or Store.Deliver failed
	kindStale     = "stale_cursor" // Store.Deliver found the page delivered
	kindCanceled  = "canceled"     // the caller's context ended
)

// kindError tags an error with its kind for metrics; it adds nothing to the
// message.
type kindError struct {
	kind string
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

func withKind(kind string, err error) error { return &kindError{kind: kind, err: err} }

// errorKind classifies err for metrics and for the breaker. Errors of
// the fetch and store paths are tagged where they arise, so the
// classification does not guess from messages.
func errorKind(err error) string {
	var se *StatusError
	var ke *kindError
	switch {
	case errors.Is(err, ErrCircuitOpen):
		return kindBreaker
	case errors.Is(err, ErrStaleCursor):
		return kindStale
	case errors.As(err, &se):
		switch {
		case se.StatusCode == http.StatusTooManyRequests:
			return kindThrottled
		case se.StatusCode >= 500:
			return kindServer
		default:
			return kindClient
		}
	case errors.As(err, &ke):
		return ke.kind
	default:
		return kindTransport
	}
}

// retryAfterOf returns the wait an error asks for, 0 when none.
func retryAfterOf(err error) time.Duration {
	var se *StatusError
	if errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}
