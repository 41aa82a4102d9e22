package conformance

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/codefed/codefed/conformance/spec"
)

// Outcome is the result of one test.
type Outcome string

// The outcomes of a test.
const (
	// Pass: the region met every requirement the test checks.
	Pass Outcome = "pass"
	// Fail: the region broke a requirement; Message says how.
	Fail Outcome = "fail"
	// Skip: the test does not apply to this run; Message says why.
	Skip Outcome = "skip"
	// Error: the test could not be carried out (the region could not be
	// reached, or what the test builds on was unavailable), so nothing is
	// known about its requirements.
	Error Outcome = "error"
)

// Verdicts of a whole run.
const (
	VerdictPass = "pass"
	VerdictFail = "fail"
)

// Report is the outcome of a run: the suite's groups of tests, each with its
// result, message and the HTTP exchanges it made. Its JSON field names are
// stable; consumers (the hub's certification records, dashboards) rely on
// them.
type Report struct {
	// Spec is the interface specification checked, "codefed-ris/1".
	Spec string `json:"spec"`
	// SuiteVersion is the version of this suite's checks.
	SuiteVersion string `json:"suite_version"`
	Target       string `json:"target"`
	Format       string `json:"format"`
	// Only is the selection the run was limited to; empty for a full run,
	// the only kind that certifies a region.
	Only     []string  `json:"only,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	// Verdict is VerdictPass when no required test failed or ended in an
	// error (a skipped test did not apply to the region).
	Verdict string `json:"verdict"`
	Counts  Counts `json:"counts"`
	// Failed lists, sorted, the requirement IDs of required tests that
	// failed or ended in an error.
	Failed []string `json:"failed"`
	// Metadata is the region's metadata document as the suite read it.
	Metadata *spec.Metadata `json:"metadata,omitempty"`
	Suites   []Suite        `json:"suites"`
}

// Counts are the numbers of tests by outcome.
type Counts struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
}

// Total is the number of tests counted.
func (c Counts) Total() int { return c.Pass + c.Fail + c.Skip + c.Error }

func (c *Counts) add(o Outcome) {
	switch o {
	case Pass:
		c.Pass++
	case Fail:
		c.Fail++
	case Skip:
		c.Skip++
	case Error:
		c.Error++
	}
}

// Suite is a named set of groups; RIS/1 is one suite.
type Suite struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Groups []Group `json:"groups"`
}

// Group gathers the tests of one part of the interface (metadata, feed, ...).
type Group struct {
	ID     string       `json:"id"`
	Name   string       `json:"name"`
	Counts Counts       `json:"counts"`
	Tests  []TestResult `json:"tests"`
}

// TestResult is what one test found.
type TestResult struct {
	ID           string   `json:"id"`
	Title        string   `json:"title"`
	Requirements []string `json:"requirements"`
	// Required tests must pass for the region to be certified; the others
	// are reported only.
	Required bool    `json:"required"`
	Outcome  Outcome `json:"outcome"`
	// Message is one line: the first problem found, or what was checked.
	Message string `json:"message"`
	// Findings lists every problem found (at most maxFindings, then a count).
	Findings []string  `json:"findings,omitempty"`
	Started  time.Time `json:"started"`
	// DurationMS is how long the test ran, in milliseconds.
	DurationMS float64 `json:"duration_ms"`
	// Exchanges are the HTTP requests the test made, the first
	// maxExchanges of them; ExchangesOmitted counts the rest.
	Exchanges        []Exchange `json:"exchanges"`
	ExchangesOmitted int        `json:"exchanges_omitted,omitempty"`
	// Load holds the figures of a load test.
	Load *LoadStats `json:"load,omitempty"`
}

// Duration is DurationMS as a time.Duration.
func (t *TestResult) Duration() time.Duration {
	return time.Duration(t.DurationMS * float64(time.Millisecond))
}

// Exchange is one HTTP request and its answer, as far as a report may hold
// it: document numbers in status lookups are redacted, and the bodies of
// native payloads (which name persons) are summarised, never copied.
type Exchange struct {
	Method string `json:"method"`
	URL    string `json:"url"`
	// Auth says which credentials were sent: "none", "token" or
	// "wrong-token". The token itself is never recorded.
	Auth        string `json:"auth"`
	RequestBody string `json:"request_body,omitempty"`
	// Status is the HTTP status, 0 when no answer came (see Error).
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	// Body is an excerpt of the answer: the JSON of metadata and errors, or
	// a summary of a native payload.
	Body       string  `json:"body,omitempty"`
	BodyBytes  int     `json:"body_bytes"`
	DurationMS float64 `json:"duration_ms"`
	Error      string  `json:"error,omitempty"`
}

// LoadStats are the figures of an open-loop load phase.
type LoadStats struct {
	// RateRPS is the arrival rate requested; Requests were due at it for
	// DurationMS.
	RateRPS    float64 `json:"rate_rps"`
	DurationMS float64 `json:"duration_ms"`
	Requests   int     `json:"requests"`
	// ByStatus counts answers by HTTP status ("200", "429", ...), and
	// requests without an answer as "timeout" or "transport".
	ByStatus map[string]int `json:"by_status"`
	// Latencies count from the moment a request was due, not from when it
	// left, so a region that falls behind cannot hide its queue.
	P50MS       float64 `json:"p50_ms"`
	P99MS       float64 `json:"p99_ms"`
	MaxMS       float64 `json:"max_ms"`
	ObjectiveMS float64 `json:"objective_ms"`
	// OverObjective counts answers that came later than the objective.
	OverObjective int `json:"over_objective"`
	// MissingRetryAfter counts 429 answers without a valid Retry-After.
	MissingRetryAfter int `json:"missing_retry_after"`
}

// Passed reports whether the verdict is a pass.
func (r *Report) Passed() bool { return r.Verdict == VerdictPass }

// Tests returns every test result of the report in report order.
func (r *Report) Tests() []TestResult {
	var out []TestResult
	for _, s := range r.Suites {
		for _, g := range s.Groups {
			out = append(out, g.Tests...)
		}
	}
	return out
}

// summarize fills the counts, the verdict and the failed requirements from
// the tests. A run of no test passes nothing.
func (r *Report) summarize() {
	r.Counts = Counts{}
	failed := map[string]bool{}
	pass := true
	for si := range r.Suites {
		for gi := range r.Suites[si].Groups {
			g := &r.Suites[si].Groups[gi]
			g.Counts = Counts{}
			for _, t := range g.Tests {
				g.Counts.add(t.Outcome)
				r.Counts.add(t.Outcome)
				if t.Required && (t.Outcome == Fail || t.Outcome == Error) {
					pass = false
					for _, id := range t.Requirements {
						failed[id] = true
					}
				}
			}
		}
	}
	r.Failed = make([]string, 0, len(failed))
	for id := range failed {
		r.Failed = append(r.Failed, id)
	}
	slices.Sort(r.Failed)
	r.Verdict = VerdictFail
	if pass && r.Counts.Total() > 0 {
		r.Verdict = VerdictPass
	}
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("write JSON report: %w", err)
	}
	return nil
}
