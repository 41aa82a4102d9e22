package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/conformance/spec"
)

// Limits on what a report holds of one test's traffic.
const (
	maxExchanges   = 40
	maxExcerpt     = 2048
	maxFindings    = 50
	maxPayloadSize = 256 << 20
)

// authMode is the credential a request carries.
type authMode int

const (
	authToken authMode = iota
	authNone
	authWrong
)

func (a authMode) String() string {
	switch a {
	case authNone:
		return "none"
	case authWrong:
		return "wrong-token"
	}
	return "token"
}

// request is one call to the region.
type request struct {
	method string
	path   string
	query  url.Values
	body   []byte
	// recordedBody replaces body in the report (a status lookup's body with
	// the document number redacted).
	recordedBody string
	auth         authMode
	// native marks requests whose successful answer is a native payload:
	// it names persons, so the report keeps a summary instead.
	native bool
	// optional keeps an error answer out of the run's check of the error
	// format: the request probes beyond what is required.
	optional bool
}

// response is the region's answer.
type response struct {
	status int
	header http.Header
	body   []byte
	dur    time.Duration
	// ex is the exchange recorded for this response (nil when the test
	// already recorded its fill), for the caller to annotate.
	ex *Exchange
}

// summarize replaces the recorded body of a native payload by a summary.
func (r *response) summarize(format string, args ...any) {
	if r.ex != nil {
		r.ex.Body = fmt.Sprintf(format, args...)
	}
}

// client talks to the region under test and records every exchange in the
// test in progress.
type client struct {
	base       *url.URL
	token      string
	wrongToken string
	hc         *http.Client
	timeout    time.Duration
	scrub      *scrubber
	record     func(Exchange) *Exchange
	// errorAnswers counts the answers of 400 or more; errorProblems are
	// those that are not the JSON error (RIS-ERR-01).
	errorAnswers  int
	errorProblems []string
}

func (c *client) url(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = q.Encode()
	return u.String()
}

// do sends the request and reads the whole answer. An error means no
// answer came (the region could not be reached, or it timed out).
func (c *client) do(ctx context.Context, req request) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	target := c.url(req.path, req.query)
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("build request %s %s: %w", req.method, req.path, err)
	}
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	switch req.auth {
	case authToken:
		if c.token != "" {
			hr.Header.Set("Authorization", "Bearer "+c.token)
		}
	case authWrong:
		hr.Header.Set("Authorization", "Bearer "+c.wrongToken)
	}
	ex := Exchange{Method: req.method, URL: c.scrub.text(target), Auth: req.auth.String()}
	if req.body != nil {
		ex.RequestBody = req.recordedBody
		if ex.RequestBody == "" {
			ex.RequestBody = c.scrub.excerpt(req.body)
		}
	}
	start := time.Now()
	resp, err := c.hc.Do(hr)
	var raw []byte
	if err == nil {
		raw, err = io.ReadAll(io.LimitReader(resp.Body, maxPayloadSize+1))
		resp.Body.Close()
		if err == nil && len(raw) > maxPayloadSize {
			err = fmt.Errorf("answer larger than %d MiB", maxPayloadSize>>20)
		}
	}
	dur := time.Since(start)
	ex.DurationMS = ms(dur)
	if err != nil {
		ex.Error = c.scrub.text(err.Error())
		if resp != nil {
			ex.Status = resp.StatusCode
		}
		c.record(ex)
		return nil, fmt.Errorf("%s %s: %w", req.method, req.path, err)
	}
	ex.Status = resp.StatusCode
	ex.BodyBytes = len(raw)
	answer := &response{status: resp.StatusCode, header: resp.Header, body: raw, dur: dur}
	if resp.StatusCode >= 400 && !req.optional {
		c.errorAnswers++
		if _, problem := errorBody(answer); problem != "" {
			c.errorProblems = append(c.errorProblems, fmt.Sprintf("%s %s answered %d without the JSON error: %s", req.method, req.path, resp.StatusCode, problem))
		}
	}
	ex.Headers = selectedHeaders(resp.Header)
	if !req.native || resp.StatusCode >= 300 {
		ex.Body = c.scrub.excerpt(raw)
	} else {
		ex.Body = fmt.Sprintf("(native payload, %d bytes)", len(raw))
	}
	answer.ex = c.record(ex)
	return answer, nil
}

// recordedHeaders are the answer headers a report keeps.
var recordedHeaders = []string{"Content-Type", spec.HeaderNextCursor, spec.HeaderRecords, spec.HeaderFeedEnd,
	"Retry-After", "WWW-Authenticate"}

func selectedHeaders(h http.Header) map[string]string {
	out := map[string]string{}
	for _, k := range recordedHeaders {
		if v := h.Values(k); len(v) > 0 {
			out[k] = strings.Join(v, ", ")
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// errorBody checks that an answer is RIS/1's JSON error and returns its code.
func errorBody(r *response) (code string, problem string) {
	ct := r.header.Get("Content-Type")
	if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "application/json") {
		return "", fmt.Sprintf("Content-Type %q, want application/json", ct)
	}
	var e struct {
		Error *struct {
			Code    *string `json:"code"`
			Message *string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		return "", "body is not JSON"
	}
	switch {
	case e.Error == nil:
		return "", `body has no "error" object`
	case e.Error.Code == nil || !snakeCase.MatchString(*e.Error.Code):
		return "", `"error.code" is missing or not snake_case`
	case e.Error.Message == nil || strings.TrimSpace(*e.Error.Message) == "":
		return *e.Error.Code, `"error.message" is missing or empty`
	}
	return *e.Error.Code, ""
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// scrubber keeps document numbers and names out of reports: the fixture's
// own, and anything shaped like a resident ID (a region's error message or
// cursor could carry a real one).
type scrubber struct {
	known *strings.Replacer
}

var residentIDPattern = regexp.MustCompile(`[1-9][0-9]{5}(18|19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]`)

const redacted = "[redacted]"

func newScrubber(secrets []string) *scrubber {
	var pairs []string
	for _, s := range secrets {
		if len(s) >= 2 {
			pairs = append(pairs, s, redacted)
			if q := url.QueryEscape(s); q != s {
				pairs = append(pairs, q, redacted)
			}
		}
	}
	return &scrubber{known: strings.NewReplacer(pairs...)}
}

func (s *scrubber) text(v string) string {
	return residentIDPattern.ReplaceAllString(s.known.Replace(v), redacted)
}

// excerpt is the start of a body as text, scrubbed. Bodies that are not
// UTF-8 (native payloads in GBK or Big5) are described, not shown.
func (s *scrubber) excerpt(b []byte) string {
	cut := len(b) > maxExcerpt
	if cut {
		b = b[:maxExcerpt]
		// Drop a character the cut split.
		for i := 0; i < utf8.UTFMax-1 && len(b) > 0; i++ {
			if r, size := utf8.DecodeLastRune(b); r != utf8.RuneError || size != 1 {
				break
			}
			b = b[:len(b)-1]
		}
	}
	if !utf8.Valid(b) {
		return fmt.Sprintf("(%d bytes of binary or non-UTF-8 text)", len(b))
	}
	v := s.text(string(b))
	if cut {
		v += "…"
	}
	return v
}
