package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/codefed/codefed/conformance/spec"
)

// overloadFactor is how far above its declared peak RIS-LOAD-02 drives a
// region.
const overloadFactor = 10

// maxInFlight bounds the requests a load phase has open at once. When a
// region is so slow that the bound is reached, requests leave late, and
// their latency still counts from when they were due.
const maxInFlight = 512

// loadSample is the fate of one request of a load phase.
type loadSample struct {
	sent bool
	// status is 0 when no answer came; errKind then says why.
	status  int
	errKind string
	// latency counts from when the request was due.
	latency    time.Duration
	retryAfter bool
}

// loadPlan is what a load phase sends: status lookups of the fixture
// persons (what a checkpoint asks when a code is scanned) alternating with
// first pages of the feed (what the hub asks).
type loadPlan struct {
	statusURL string
	token     string
	statuses  [][]byte
	feedURL   string
}

func (r *runner) loadPlan(feedLimit int) *loadPlan {
	p := &loadPlan{token: r.opts.Token}
	u := *r.client.base
	u.Path = strings.TrimSuffix(u.Path, "/") + spec.PathFeed
	u.RawQuery = url.Values{"limit": {strconv.Itoa(feedLimit)}}.Encode()
	p.feedURL = u.String()
	u.Path, u.RawQuery = strings.TrimSuffix(r.client.base.Path, "/")+spec.PathStatus, ""
	p.statusURL = u.String()
	if r.fixture.err == nil {
		for _, fp := range r.fixture.persons {
			if len(fp.statuses)+len(fp.events) > 0 {
				b, _ := json.Marshal(spec.StatusRequest{DocType: fp.docType, DocNumber: fp.docNumber})
				p.statuses = append(p.statuses, b)
			}
		}
	}
	return p
}

func (p *loadPlan) request(ctx context.Context, k int) (*http.Request, error) {
	var req *http.Request
	var err error
	if k%2 == 1 || len(p.statuses) == 0 {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.feedURL, nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, p.statusURL, bytes.NewReader(p.statuses[k/2%len(p.statuses)]))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
	}
	if err == nil && p.token != "" {
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	return req, err
}

// loadClient is the client of the load phases: the functional client's
// transport, allowed as many connections as requests in flight.
func (r *runner) loadClient() *http.Client {
	rt := r.opts.HTTPClient.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if tr, ok := rt.(*http.Transport); ok {
		tr = tr.Clone()
		tr.MaxIdleConns = maxInFlight
		tr.MaxIdleConnsPerHost = maxInFlight
		tr.MaxConnsPerHost = 0
		rt = tr
	}
	return &http.Client{Transport: rt, CheckRedirect: r.opts.HTTPClient.CheckRedirect}
}

// openLoop sends requests on a fixed schedule, request k due at
// start + k/rate, each from its own goroutine, whatever the region does
// with the earlier ones. Latency counts from the due time, so a region
// that falls behind shows its queue in the percentiles instead of slowing
// the generator down (coordinated omission).
func openLoop(ctx context.Context, hc *http.Client, rate float64, d, timeout time.Duration,
	build func(ctx context.Context, k int) (*http.Request, error), first func(k int, s loadSample)) []loadSample {
	total := max(1, int(math.Round(rate*d.Seconds())))
	interval := float64(time.Second) / rate
	samples := make([]loadSample, total)
	sem := make(chan struct{}, maxInFlight)
	var wg sync.WaitGroup
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	start := time.Now()
dispatch:
	for k := range total {
		due := start.Add(time.Duration(float64(k) * interval))
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				break dispatch
			}
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			samples[k] = fire(ctx, hc, build, k, due, timeout)
			if first != nil {
				first(k, samples[k])
			}
		}()
	}
	wg.Wait()
	return samples
}

func fire(ctx context.Context, hc *http.Client, build func(ctx context.Context, k int) (*http.Request, error), k int, due time.Time, timeout time.Duration) loadSample {
	ctx, cancel := context.WithDeadline(ctx, due.Add(timeout))
	defer cancel()
	s := loadSample{sent: true}
	req, err := build(ctx, k)
	if err != nil {
		s.errKind = "transport"
		return s
	}
	resp, err := hc.Do(req)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	s.latency = time.Since(due)
	if err != nil {
		var ne net.Error
		if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
			s.errKind = "timeout"
		} else {
			s.errKind = "transport"
		}
		return s
	}
	s.status = resp.StatusCode
	s.retryAfter = validRetryAfter(resp.Header.Get("Retry-After"))
	return s
}

// validRetryAfter accepts what RFC 9110 allows: delay seconds or a date.
func validRetryAfter(v string) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return false
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n >= 0
	}
	_, err := http.ParseTime(v)
	return err == nil
}

// loadPhase runs one open-loop phase at rate for the run's load duration
// and returns its samples and figures. The first answer of each kind is
// recorded as an exchange.
func (r *runner) loadPhase(ctx context.Context, t *testRun, rate float64, objective time.Duration) ([]loadSample, *LoadStats, error) {
	maxLimit, err := r.feedMaxLimit(ctx)
	if err != nil {
		return nil, nil, err
	}
	plan := r.loadPlan(min(10, maxLimit))
	timeout := max(4*objective, 2*time.Second)
	hc := r.loadClient()
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	seen := map[string]bool{}
	record := func(k int, s loadSample) {
		kind := s.errKind
		if kind == "" {
			kind = strconv.Itoa(s.status)
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[kind] {
			return
		}
		seen[kind] = true
		ex := Exchange{Method: http.MethodGet, URL: r.client.scrub.text(plan.feedURL), Auth: authToken.String(),
			Status: s.status, DurationMS: ms(s.latency)}
		if k%2 == 0 && len(plan.statuses) > 0 {
			ex.Method, ex.URL, ex.RequestBody = http.MethodPost, r.client.scrub.text(plan.statusURL), `{"doc_type":"…","doc_number":"[redacted]"}`
		}
		if s.errKind != "" {
			ex.Error = "no answer: " + s.errKind
		}
		if s.status == http.StatusTooManyRequests {
			ex.Headers = map[string]string{"Retry-After": strconv.FormatBool(s.retryAfter)}
			ex.Body = "(first 429 of the phase; Retry-After present and valid: " + strconv.FormatBool(s.retryAfter) + ")"
		}
		t.addExchange(ex)
	}
	samples := openLoop(ctx, hc, rate, r.opts.LoadDuration, timeout, plan.request, record)
	if err := ctx.Err(); err != nil {
		return nil, nil, fmt.Errorf("load phase stopped: %w", err)
	}
	st := loadStats(samples, rate, r.opts.LoadDuration, objective)
	t.load = st
	return samples, st, nil
}

func loadStats(samples []loadSample, rate float64, d, objective time.Duration) *LoadStats {
	st := &LoadStats{RateRPS: rate, DurationMS: ms(d), ByStatus: map[string]int{}, ObjectiveMS: ms(objective)}
	var lat []time.Duration
	for _, s := range samples {
		if !s.sent {
			continue
		}
		st.Requests++
		if s.errKind != "" {
			st.ByStatus[s.errKind]++
			continue
		}
		st.ByStatus[strconv.Itoa(s.status)]++
		lat = append(lat, s.latency)
		if s.latency > objective {
			st.OverObjective++
		}
		if s.status == http.StatusTooManyRequests && !s.retryAfter {
			st.MissingRetryAfter++
		}
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		st.P50MS = ms(percentile(lat, 0.50))
		st.P99MS = ms(percentile(lat, 0.99))
		st.MaxMS = ms(lat[len(lat)-1])
	}
	return st
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// declared returns the declared peak and objective, or an error.
func (r *runner) declared(ctx context.Context) (peak float64, objective time.Duration, err error) {
	m := r.metadata(ctx)
	switch {
	case m.err != nil:
		return 0, 0, fmt.Errorf("no metadata document: %w", m.err)
	case m.doc.PeakRPS < 1 || m.doc.LatencyObjectiveMS < 1:
		return 0, 0, errors.New("the metadata document declares no usable peak_rps and latency_objective_ms")
	}
	return float64(m.doc.PeakRPS), time.Duration(m.doc.LatencyObjectiveMS) * time.Millisecond, nil
}

func statusSummary(st *LoadStats) string {
	keys := slices.Sorted(maps.Keys(st.ByStatus))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s×%d", k, st.ByStatus[k])
	}
	return strings.Join(parts, " ")
}

func checkLoadPeak(ctx context.Context, r *runner, t *testRun) {
	peak, objective, err := r.declared(ctx)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	_, st, err := r.loadPhase(ctx, t, peak, objective)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(st.ByStatus)) {
		if n, err := strconv.Atoi(k); err == nil && n/100 == 2 {
			continue
		}
		t.Failf("%d of %d requests at the declared peak of %.0f/s were answered %s, want 2xx", st.ByStatus[k], st.Requests, peak, answerKind(k))
	}
	if st.P99MS > st.ObjectiveMS {
		t.Failf("p99 latency %.0f ms at the declared peak of %.0f/s is above the objective of %.0f ms (p50 %.0f ms)", st.P99MS, peak, st.ObjectiveMS, st.P50MS)
	}
	t.Notef("%d requests at %.0f/s: p50 %.0f ms, p99 %.0f ms (objective %.0f ms); %s", st.Requests, peak, st.P50MS, st.P99MS, st.ObjectiveMS, statusSummary(st))
}

func answerKind(k string) string {
	if k == "timeout" || k == "transport" {
		return "by no answer (" + k + ")"
	}
	return k
}

func checkLoadOverload(ctx context.Context, r *runner, t *testRun) {
	peak, objective, err := r.declared(ctx)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	rate := overloadFactor * peak
	_, st, err := r.loadPhase(ctx, t, rate, objective)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(st.ByStatus)) {
		n, err := strconv.Atoi(k)
		if err == nil && (n/100 == 2 || n == http.StatusTooManyRequests) {
			continue
		}
		t.Failf("%d of %d requests at %.0f/s (%dx the declared peak) were answered %s, want 2xx or 429", st.ByStatus[k], st.Requests, rate, overloadFactor, answerKind(k))
	}
	if st.MissingRetryAfter > 0 {
		t.Failf("%d of %d 429 answers have no valid Retry-After", st.MissingRetryAfter, st.ByStatus["429"])
	}
	if st.OverObjective > 0 {
		t.Failf("%d of %d answers at %.0f/s came later than the objective of %.0f ms (p99 %.0f ms, max %.0f ms)",
			st.OverObjective, st.Requests, rate, st.ObjectiveMS, st.P99MS, st.MaxMS)
	}
	t.Notef("%d requests at %.0f/s: every answer 2xx or 429 with Retry-After within %.0f ms (p99 %.0f ms); %s",
		st.Requests, rate, st.ObjectiveMS, st.P99MS, statusSummary(st))
}
