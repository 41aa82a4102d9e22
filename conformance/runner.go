package conformance

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance/spec"
	"github.com/codefed/codefed/schema"
)

// SuiteVersion is the version of this suite's checks. It changes when a
// check changes what it accepts, so a certification names what it passed.
const SuiteVersion = "1.0.0"

// Defaults of Options.
const (
	DefaultLoadDuration = 5 * time.Second
	DefaultTimeout      = 10 * time.Second
	// smallPage is the page size of the first walk: small and prime, so
	// that page boundaries fall inside runs of records a region might
	// group.
	smallPage = 7
	// restartWait bounds the wait for the region to answer again after
	// Options.Restart.
	restartWait = 2 * time.Minute
)

// ErrUsage is wrapped by errors of Run that come from its options (an
// unknown format or test, a missing target).
var ErrUsage = errors.New("invalid options")

// Options configure a run.
type Options struct {
	// Target is the region's base URL.
	Target string
	// Format is the adapter ID of the region's native format.
	Format string
	// Token is the bearer token the region issued to the hub.
	Token string
	// Only limits the run to the tests whose test, group or requirement
	// ID is listed. A limited run reports on what it ran; it does not
	// certify a region.
	Only []string
	// Trust are the signing certificates of signed formats (eu-dcc): the
	// region's document signer first.
	Trust []*x509.Certificate
	// LoadDuration is how long each load phase sends requests
	// (default DefaultLoadDuration).
	LoadDuration time.Duration
	// Restart, when set, restarts the region's system; it is called
	// after the first walk of the feed, before the others, and the suite
	// then checks that the cursors of the first walk still work
	// (RIS-FEED-05). Without it the suite re-uses those cursors at the end
	// of the run.
	Restart func(ctx context.Context) error
	// HTTPClient sends the functional requests (default: a client without
	// proxy, with Timeout). Its transport also carries the load phases.
	HTTPClient *http.Client
	// Timeout bounds one functional request (default DefaultTimeout).
	Timeout time.Duration
	// Progress, when set, is called after each test.
	Progress func(Progress)
}

// Progress reports a finished test.
type Progress struct {
	// Done tests of Total, this one included.
	Done, Total int
	Test        TestResult
}

// TestInfo describes a test of the suite.
type TestInfo struct {
	ID           string   `json:"id"`
	Group        string   `json:"group"`
	Title        string   `json:"title"`
	Requirements []string `json:"requirements"`
	Required     bool     `json:"required"`
}

// List returns the suite's tests in report order.
func List() []TestInfo {
	out := make([]TestInfo, len(suite))
	for i, t := range suite {
		out[i] = TestInfo{ID: t.id, Group: t.group, Title: t.title, Requirements: slices.Clone(t.reqs), Required: t.required}
	}
	return out
}

// Run checks the region at opts.Target against RIS/1 and returns the
// report. The error is non-nil when the options are unusable (wrapping
// ErrUsage, and then the report is nil), or when ctx ended before the run
// did (the report then holds the tests that ran).
func Run(ctx context.Context, opts Options) (*Report, error) {
	r, err := newRunner(opts)
	if err != nil {
		return nil, err
	}
	return r.run(ctx)
}

// runner holds one run's state: the client, the run's pseudonymizer and
// what tests share (the metadata, the walks of the feed, the fixture).
type runner struct {
	opts     Options
	adapter  adapters.Adapter
	subjects *schema.Pseudonymizer
	client   *client
	selected []*test
	cur      *testRun

	meta    *metaState
	walks   map[int]*walk
	fixture *fixtureState
}

func newRunner(opts Options) (*runner, error) {
	if opts.Target == "" {
		return nil, fmt.Errorf("%w: no target URL", ErrUsage)
	}
	base, err := url.Parse(opts.Target)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: target %q is not an http(s) URL", ErrUsage, opts.Target)
	}
	base.RawQuery, base.Fragment = "", ""
	a, ok := adapters.Lookup(opts.Format)
	if !ok {
		return nil, fmt.Errorf("%w: unknown format %q", ErrUsage, opts.Format)
	}
	if opts.Format == eudcc.ID && len(opts.Trust) == 0 {
		return nil, fmt.Errorf("%w: format %s needs the region's signing certificate in the trust list", ErrUsage, eudcc.ID)
	}
	selected, err := selectTests(opts.Only)
	if err != nil {
		return nil, err
	}
	if opts.LoadDuration <= 0 {
		opts.LoadDuration = DefaultLoadDuration
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{
			Timeout: opts.Timeout,
			Transport: &http.Transport{
				Proxy:               nil, // the suite talks to the region itself
				DialContext:         (&net.Dialer{Timeout: opts.Timeout}).DialContext,
				MaxIdleConnsPerHost: 16,
				IdleConnTimeout:     30 * time.Second,
				TLSHandshakeTimeout: opts.Timeout,
			},
		}
	}
	// A key of the run's own: subjects identify persons within the run
	// and mean nothing outside it.
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate pseudonymisation key: %w", err)
	}
	subjects, err := schema.NewPseudonymizer(key)
	if err != nil {
		return nil, err
	}
	wrong := make([]byte, 24)
	if _, err := rand.Read(wrong); err != nil {
		return nil, fmt.Errorf("generate wrong token: %w", err)
	}
	r := &runner{opts: opts, adapter: a, subjects: subjects, selected: selected, walks: map[int]*walk{}}
	r.client = &client{base: base, token: opts.Token, wrongToken: "ris1-wrong-" + hex.EncodeToString(wrong),
		hc: opts.HTTPClient, timeout: opts.Timeout, record: r.record}
	r.loadFixture()
	r.client.scrub = newScrubber(r.fixture.secrets)
	return r, nil
}

// selectTests resolves Only into tests in report order.
func selectTests(only []string) ([]*test, error) {
	if len(only) == 0 {
		out := make([]*test, len(suite))
		for i := range suite {
			out[i] = &suite[i]
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, id := range only {
		id = strings.TrimSpace(id)
		found := false
		for _, t := range suite {
			if t.id == id || t.group == id || slices.Contains(t.reqs, strings.ToUpper(id)) {
				found = true
				want[t.id] = true
			}
		}
		if !found {
			if _, ok := spec.Lookup(strings.ToUpper(id)); ok {
				return nil, fmt.Errorf("%w: no test checks requirement %s", ErrUsage, id)
			}
			return nil, fmt.Errorf("%w: %q is neither a test, a group nor a requirement ID (see the test list)", ErrUsage, id)
		}
	}
	var out []*test
	for i := range suite {
		if want[suite[i].id] {
			out = append(out, &suite[i])
		}
	}
	return out, nil
}

// order is the execution order: report order, except that the restart
// check runs right after the first walk when there is a restart hook and
// last when there is none (its cursors have then aged the whole run), and
// the check of the error format runs at the very end, when every error
// answer of the run is in.
func (r *runner) order() []*test {
	var out, last []*test
	var restart, errFormat *test
	for _, t := range r.selected {
		switch t.id {
		case testRestart:
			restart = t
		case testErrorFormat:
			errFormat = t
		default:
			out = append(out, t)
		}
	}
	if restart != nil {
		if r.opts.Restart == nil {
			last = append(last, restart)
		} else {
			at := len(out)
			for i, t := range out {
				if t.id == testWalkSmall {
					at = i + 1
					break
				}
				if t.group != groupMeta && t.group != groupAuth && t.group != groupErrors {
					at = i
					break
				}
			}
			out = slices.Insert(out, at, restart)
		}
	}
	if errFormat != nil {
		last = append(last, errFormat)
	}
	return append(out, last...)
}

func (r *runner) run(ctx context.Context) (*Report, error) {
	rep := &Report{Spec: spec.Version, SuiteVersion: SuiteVersion, Target: r.client.base.String(),
		Format: r.opts.Format, Only: r.opts.Only, Started: time.Now()}
	results := map[string]TestResult{}
	order := r.order()
	var runErr error
	for i, t := range order {
		if err := ctx.Err(); err != nil {
			runErr = fmt.Errorf("run stopped before %s: %w", t.id, err)
			break
		}
		res := r.runTest(ctx, t)
		results[t.id] = res
		if r.opts.Progress != nil {
			r.opts.Progress(Progress{Done: i + 1, Total: len(order), Test: res})
		}
	}
	if r.meta != nil && r.meta.doc != nil {
		m := *r.meta.doc
		rep.Metadata = &m
	}
	s := Suite{ID: "ris1", Name: "Region Interface Specification " + spec.Version}
	for _, g := range groups {
		grp := Group{ID: g.id, Name: g.name}
		for _, t := range r.selected {
			if res, ok := results[t.id]; ok && t.group == g.id {
				grp.Tests = append(grp.Tests, res)
			}
		}
		if len(grp.Tests) > 0 {
			s.Groups = append(s.Groups, grp)
		}
	}
	rep.Suites = []Suite{s}
	rep.Finished = time.Now()
	rep.summarize()
	return rep, runErr
}

// runTest runs one test and turns what it found into a result. A panic in
// a check is the suite's fault, not the region's: it becomes an error.
func (r *runner) runTest(ctx context.Context, t *test) (res TestResult) {
	tt := &testRun{}
	r.cur = tt
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			tt.Errorf("internal error of the suite: %v", p)
		}
		r.cur = nil
		res = tt.result(t, start, time.Since(start), r.client.scrub)
	}()
	t.run(ctx, r, tt)
	return res
}

// record adds an exchange to the test in progress and returns it, or nil
// when the test has recorded its fill.
func (r *runner) record(ex Exchange) *Exchange {
	if r.cur == nil {
		return nil
	}
	return r.cur.addExchange(ex)
}

// testRun collects what one test found.
type testRun struct {
	findings  []string
	errs      []string
	skip      string
	note      string
	exchanges []*Exchange
	omitted   int
	load      *LoadStats
}

// Failf records a broken requirement.
func (t *testRun) Failf(format string, args ...any) {
	t.findings = append(t.findings, fmt.Sprintf(format, args...))
}

// Errorf records that the test could not be carried out.
func (t *testRun) Errorf(format string, args ...any) {
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
}

// Skipf marks the test as not applicable.
func (t *testRun) Skipf(format string, args ...any) { t.skip = fmt.Sprintf(format, args...) }

// Notef sets the message of a test that passes: what was checked.
func (t *testRun) Notef(format string, args ...any) { t.note = fmt.Sprintf(format, args...) }

func (t *testRun) failed() bool { return len(t.findings) > 0 || len(t.errs) > 0 }

func (t *testRun) addExchange(ex Exchange) *Exchange {
	if len(t.exchanges) >= maxExchanges {
		t.omitted++
		return nil
	}
	p := &ex
	t.exchanges = append(t.exchanges, p)
	return p
}

func (t *testRun) result(def *test, start time.Time, d time.Duration, s *scrubber) TestResult {
	res := TestResult{ID: def.id, Title: def.title, Requirements: slices.Clone(def.reqs), Required: def.required,
		Started: start, DurationMS: ms(d), ExchangesOmitted: t.omitted, Load: t.load, Exchanges: []Exchange{}}
	for _, ex := range t.exchanges {
		res.Exchanges = append(res.Exchanges, *ex)
	}
	// Findings outweigh errors: what was found broken stays broken even
	// if the test could not finish.
	var list []string
	switch {
	case len(t.findings) > 0:
		res.Outcome, list = Fail, append(t.findings, t.errs...)
	case len(t.errs) > 0:
		res.Outcome, list = Error, t.errs
	case t.skip != "":
		res.Outcome, res.Message = Skip, t.skip
	default:
		res.Outcome, res.Message = Pass, t.note
	}
	for i, f := range list {
		if i == maxFindings {
			res.Findings = append(res.Findings, fmt.Sprintf("… and %d more", len(list)-maxFindings))
			break
		}
		res.Findings = append(res.Findings, s.text(f))
	}
	if len(list) > 0 {
		res.Message = res.Findings[0]
		if i := strings.IndexByte(res.Message, '\n'); i >= 0 {
			res.Message = res.Message[:i]
		}
		if len(list) > 1 {
			res.Message += fmt.Sprintf(" (and %d more)", len(list)-1)
		}
	}
	res.Message = s.text(res.Message)
	return res
}
