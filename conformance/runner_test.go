package conformance

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestOpenLoopDoesNotWaitForAnswers holds every answer back until all the
// requests of the schedule have arrived: a closed loop would never get
// there, an open loop must.
func TestOpenLoopDoesNotWaitForAnswers(t *testing.T) {
	var arrived atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		<-release
		w.WriteHeader(http.StatusTeapot)
	}))
	defer srv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	const rate, n = 50.0, 12
	build := func(ctx context.Context, k int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}
	done := make(chan []loadSample)
	go func() {
		done <- openLoop(context.Background(), srv.Client(), rate, time.Duration(n)*time.Second/rate, time.Minute, build, nil)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for arrived.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d requests arrived while none was answered: the load waits for answers", arrived.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	samples := <-done
	if len(samples) != n {
		t.Fatalf("%d samples, want %d", len(samples), n)
	}
	for k, s := range samples {
		if !s.sent || s.status != http.StatusTeapot {
			t.Errorf("request %d: sent %v, status %d (%s)", k, s.sent, s.status, s.errKind)
		}
	}
	// Request 0 was due first and answered with the others: counted from
	// its due time, it waited at least as long as the last one.
	if samples[0].latency < samples[n-1].latency {
		t.Errorf("first request %v, last %v: latency is not counted from the due time", samples[0].latency, samples[n-1].latency)
	}
}

func TestLoadStats(t *testing.T) {
	var samples []loadSample
	for i := 1; i <= 100; i++ {
		samples = append(samples, loadSample{sent: true, status: 200, latency: time.Duration(i) * time.Millisecond})
	}
	samples[10].status, samples[10].retryAfter = 429, true
	samples[11].status = 429
	samples = append(samples, loadSample{sent: true, errKind: "timeout"}, loadSample{}) // one without answer, one never sent
	st := loadStats(samples, 100, time.Second, 90*time.Millisecond)
	if st.Requests != 101 {
		t.Errorf("requests %d, want 101 (the unsent one is not a request)", st.Requests)
	}
	if st.ByStatus["200"] != 98 || st.ByStatus["429"] != 2 || st.ByStatus["timeout"] != 1 {
		t.Errorf("by status %v", st.ByStatus)
	}
	if st.P50MS != 50 || st.P99MS != 99 || st.MaxMS != 100 {
		t.Errorf("p50 %v p99 %v max %v, want 50, 99, 100", st.P50MS, st.P99MS, st.MaxMS)
	}
	if st.OverObjective != 10 {
		t.Errorf("over the objective %d, want 10", st.OverObjective)
	}
	if st.MissingRetryAfter != 1 {
		t.Errorf("missing Retry-After %d, want 1", st.MissingRetryAfter)
	}
}

func TestValidRetryAfter(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "0": true, " 30 ": true, "Wed, 21 Oct 2015 07:28:00 GMT": true,
		"": false, "-1": false, "soon": false, "1.5": false} {
		if got := validRetryAfter(v); got != want {
			t.Errorf("validRetryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestScrubber(t *testing.T) {
	s := newScrubber([]string{"E12345678", "Wang Wei", "WANG<<WEI/1990-01-31"})
	for in, want := range map[string]string{
		"person 11010519491231002X not found": "person [redacted] not found",
		"passport E12345678 and Wang Wei":     "passport [redacted] and [redacted]",
		"cursor=WANG%3C%3CWEI%2F1990-01-31":   "cursor=[redacted]",
		"issued 2022-03-01T08:00:00+08:00 ok": "issued 2022-03-01T08:00:00+08:00 ok",
		"c1.7.ce006a2b":                       "c1.7.ce006a2b",
	} {
		if got := s.text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
	if got := s.excerpt([]byte{0xbc, 0xc7, 0xc2, 0xbc, 0xb1, 0xe0, 0xba, 0xc5, 0xbc, 0xc7}); !strings.Contains(got, "non-UTF-8") {
		t.Errorf("GBK bytes shown as %q", got)
	}
	long := strings.Repeat("a", maxExcerpt+10)
	if got := s.excerpt([]byte(long)); len(got) > maxExcerpt+len("…") || !strings.HasSuffix(got, "…") {
		t.Errorf("excerpt of %d bytes is %d bytes", len(long), len(got))
	}
}

func TestErrorBody(t *testing.T) {
	for _, c := range []struct {
		ct, body, problem string
	}{
		{"application/json", `{"error":{"code":"not_found","message":"no such person"}}`, ""},
		{"application/json; charset=utf-8", `{"error":{"code":"rate_limited","message":"later"}}`, ""},
		{"text/plain", `{"error":{"code":"not_found","message":"x"}}`, "Content-Type"},
		{"application/json", `not found`, "not JSON"},
		{"application/json", `{"code":"not_found"}`, `no "error"`},
		{"application/json", `{"error":{"code":"NotFound","message":"x"}}`, "snake_case"},
		{"application/json", `{"error":{"code":"not_found","message":""}}`, "message"},
	} {
		r := &response{header: http.Header{"Content-Type": {c.ct}}, body: []byte(c.body)}
		_, problem := errorBody(r)
		if c.problem == "" && problem != "" || c.problem != "" && !strings.Contains(problem, c.problem) {
			t.Errorf("%s %s: problem %q, want one about %q", c.ct, c.body, problem, c.problem)
		}
	}
}

func ids(tests []*test) []string {
	out := make([]string, len(tests))
	for i, t := range tests {
		out[i] = t.id
	}
	return out
}

func TestSelectTests(t *testing.T) {
	for _, c := range []struct {
		only []string
		want []string
	}{
		{[]string{"RIS-FEED-02"}, []string{"feed.no-duplicates"}},
		{[]string{"ris-feed-05"}, []string{"feed.restart", "feed.end-cursor"}},
		{[]string{"load"}, []string{"load.peak", "load.overload"}},
		{[]string{"status.unknown", "RIS-META-01"}, []string{"meta.document", "status.unknown"}},
	} {
		got, err := selectTests(c.only)
		if err != nil {
			t.Errorf("%v: %v", c.only, err)
			continue
		}
		if !slices.Equal(ids(got), c.want) {
			t.Errorf("%v selects %v, want %v", c.only, ids(got), c.want)
		}
	}
	if all, _ := selectTests(nil); len(all) != len(suite) {
		t.Errorf("no selection runs %d tests, the suite has %d", len(all), len(suite))
	}
	if _, err := selectTests([]string{"feed.walk-everything"}); !errors.Is(err, ErrUsage) {
		t.Errorf("unknown test: %v, want ErrUsage", err)
	}
}

func TestOrderPlacesTheRestart(t *testing.T) {
	all, _ := selectTests(nil)
	r := &runner{selected: all}
	order := ids(r.order())
	if got := order[len(order)-2:]; !slices.Equal(got, []string{testRestart, testErrorFormat}) {
		t.Errorf("without a restart hook the run ends with %v, want the restart check and then the error format", got)
	}
	r.opts.Restart = func(context.Context) error { return nil }
	order = ids(r.order())
	small, restart := slices.Index(order, testWalkSmall), slices.Index(order, testRestart)
	if restart != small+1 || slices.Index(order, testWalkMax) < restart {
		t.Errorf("with a restart hook the order is %v, want the restart check right after the first walk", order)
	}
	if order[len(order)-1] != testErrorFormat {
		t.Errorf("the run ends with %s, want the error format", order[len(order)-1])
	}
	if len(order) != len(suite) {
		t.Errorf("%d tests ordered, want %d", len(order), len(suite))
	}
}
