package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func subjects(n int) []string {
	out := make([]string, n)
	for i := range out {
		h := sha256.Sum256([]byte(strconv.Itoa(i)))
		out[i] = hex.EncodeToString(h[:])
	}
	return out
}

// fakeHub answers the read endpoints and counts what it answered, by
// status code and by path; answer picks the code and delay for a subject.
type fakeHub struct {
	mu     sync.Mutex
	codes  map[int]int
	paths  map[string]int
	answer func(subject string) (int, time.Duration)
}

func newFakeHub(t *testing.T, answer func(string) (int, time.Duration)) (*fakeHub, string) {
	t.Helper()
	h := &fakeHub{codes: map[int]int{}, paths: map[string]int{}, answer: answer}
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, r *http.Request) {
		code, delay := http.StatusOK, time.Duration(0)
		if h.answer != nil {
			code, delay = h.answer(r.PathValue("subject"))
		}
		time.Sleep(delay)
		h.mu.Lock()
		h.codes[code]++
		h.paths[strings.SplitN(r.URL.Path, "/", 4)[2]+"?"+r.URL.RawQuery]++
		h.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		w.Write([]byte(`{"subject":"x"}`))
	}
	for _, q := range Queries {
		mux.HandleFunc("GET /v1/"+q+"/{subject}", serve)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *fakeHub) count(code int) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return int64(h.codes[code])
}

func run(t *testing.T, cfg Config) *Result {
	t.Helper()
	r, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return r
}

func TestHistogramPercentilesOfAKnownDistribution(t *testing.T) {
	var h histogram
	// 1 µs .. 100 ms uniformly, shuffled: the p-th percentile is p ms.
	vals := make([]time.Duration, 100_000)
	for i := range vals {
		vals[i] = time.Duration(i+1) * time.Microsecond
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	var parts [4]histogram
	for i, v := range vals {
		parts[i%4].record(v)
	}
	for i := range parts {
		h.merge(&parts[i])
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.9, 90 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {0.999, 99900 * time.Microsecond}} {
		got := h.percentile(tc.q)
		if rel := math.Abs(float64(got-tc.want)) / float64(tc.want); rel > 0.008 {
			t.Errorf("p%g = %v, want %v within 0.8%%", 100*tc.q, got, tc.want)
		}
	}
	if h.max != 100*time.Millisecond || h.percentile(1) != h.max || h.min != time.Microsecond {
		t.Errorf("min %v max %v p100 %v, want 1µs, 100ms, 100ms", h.min, h.max, h.percentile(1))
	}
	if want := (100*time.Millisecond + time.Microsecond) / 2; h.mean() != want {
		t.Errorf("mean %v, want %v", h.mean(), want)
	}
}

func TestHistogramBucketsBoundTheError(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100_000 {
		v := rng.Uint64N(1 << uint(1+rng.IntN(62)))
		i := bucketOf(v)
		lo, hi := bucketRange(i)
		if v < lo || v > hi || i >= bucketCount {
			t.Fatalf("%d in bucket %d [%d, %d] of %d", v, i, lo, hi, bucketCount)
		}
		if lo > 0 && float64(hi-lo)/float64(lo) > 1.0/subBuckets {
			t.Fatalf("bucket %d [%d, %d] is wider than 1/%d", i, lo, hi, subBuckets)
		}
	}
}

func TestOpenLoopSendsTheScheduleAndCountsEverything(t *testing.T) {
	hub, url := newFakeHub(t, nil)
	r := run(t, Config{Addrs: []string{url}, Query: QueryStatus, Subjects: subjects(50), Rate: 400, Duration: time.Second, Connections: 8})
	// On a busy machine the last few requests can miss the end of the run;
	// they must then be reported unsent, never lost.
	if r.Requests+r.Unsent != 400 || r.OK != r.Requests || hub.count(200) != r.OK || r.Unsent > 8 || r.Errors != 0 {
		t.Errorf("requests %d ok %d unsent %d errors %d, server answered %d; want 400 sent and answered",
			r.Requests, r.OK, r.Unsent, r.Errors, hub.count(200))
	}
	if r.Mode != "open" || r.TargetRate != 400 {
		t.Errorf("mode %s target %v", r.Mode, r.TargetRate)
	}
	if r.QPS < 300 || r.QPS > 410 || r.Seconds < 0.99 {
		t.Errorf("achieved %.0f/s over %.2fs, want about 400/s over 1s", r.QPS, r.Seconds)
	}
}

func TestErrorsAreCountedByKind(t *testing.T) {
	answer := func(s string) (int, time.Duration) {
		switch s[0] {
		case '0', '1', '2', '3':
			return http.StatusNotFound, 0
		case '4':
			return http.StatusServiceUnavailable, 0
		}
		return http.StatusOK, 0
	}
	for _, rate := range []float64{300, 0} {
		t.Run("rate "+strconv.Itoa(int(rate)), func(t *testing.T) {
			hub, url := newFakeHub(t, answer)
			r := run(t, Config{Addrs: []string{url}, Query: QueryTrajectory, Subjects: subjects(200), Rate: rate, Duration: 500 * time.Millisecond, Connections: 4})
			if r.ErrorKinds["HTTP 404"] != hub.count(404) || r.ErrorKinds["HTTP 503"] != hub.count(503) || r.OK != hub.count(200) {
				t.Errorf("counted %v and %d ok, server answered %v", r.ErrorKinds, r.OK, hub.codes)
			}
			if r.Errors != hub.count(404)+hub.count(503) || r.Requests != r.OK+r.Errors || r.Errors == 0 || r.OK == 0 {
				t.Errorf("requests %d = ok %d + errors %d?", r.Requests, r.OK, r.Errors)
			}
		})
	}
}

func TestClosedLoopLatencyFollowsTheServer(t *testing.T) {
	// One subject in ten takes 30 ms; the others are answered at once.
	answer := func(s string) (int, time.Duration) {
		if s[0] < '2' && s[1] < '8' { // 2/16 * 8/16 = 1/16 of hex subjects
			return http.StatusOK, 30 * time.Millisecond
		}
		return http.StatusOK, 0
	}
	hub, url := newFakeHub(t, answer)
	r := run(t, Config{Addrs: []string{url}, Query: QueryStatus, Subjects: subjects(1000), Duration: time.Second, Connections: 4})
	if r.Mode != "closed" || r.Requests != hub.count(200) || r.Requests < 100 {
		t.Fatalf("mode %s, %d requests, server answered %d", r.Mode, r.Requests, hub.count(200))
	}
	if r.Latency.P50 > 10 || r.Latency.P99 < 30 || r.Latency.Max < 30 || r.Latency.Max > 1000 {
		t.Errorf("latency %+v, want p50 well under 30 ms and p99 at least 30 ms", r.Latency)
	}
}

func TestOpenLoopCountsTheWaitOfLateRequests(t *testing.T) {
	// One connection, 50 ms answers, 100 requests due a second: the
	// server can take 20; the rest wait or are never sent, and the waiting
	// shows in the latency.
	hub, url := newFakeHub(t, func(string) (int, time.Duration) { return http.StatusOK, 50 * time.Millisecond })
	r := run(t, Config{Addrs: []string{url}, Query: QueryStatus, Subjects: subjects(10), Rate: 100, Duration: time.Second, Connections: 1})
	if r.Requests != hub.count(200) || r.Requests > 22 || r.Unsent != 100-r.Requests {
		t.Errorf("%d requests answered (server %d), %d unsent; want about 20 and the rest of 100 unsent", r.Requests, hub.count(200), r.Unsent)
	}
	if r.Latency.P90 < 300 {
		t.Errorf("p90 %.1f ms: the requests' wait for the connection is not counted", r.Latency.P90)
	}
}

func TestEachQueryRequestsItsEndpoint(t *testing.T) {
	hub, url := newFakeHub(t, nil)
	for _, q := range Queries {
		run(t, Config{Addrs: []string{url, url}, Query: q, Subjects: subjects(5), Rate: 20, Duration: 250 * time.Millisecond, Connections: 2})
	}
	want := map[string]int{"contacts?min_overlap=15m": 5, "trajectory?": 5, "status?": 5}
	for p, n := range want {
		if hub.paths[p] != n {
			t.Errorf("%s requested %d times, want %d (all: %v)", p, hub.paths[p], n, hub.paths)
		}
	}
}

func TestRunRefusesBadConfigs(t *testing.T) {
	ok := Config{Addrs: []string{"http://127.0.0.1:1"}, Query: QueryStatus, Subjects: subjects(1), Rate: 10, Duration: time.Second}
	cases := map[string]func(*Config){
		"query":       func(c *Config) { c.Query = "visitors" },
		"duration":    func(c *Config) { c.Duration = 0 },
		"rate":        func(c *Config) { c.Rate = -1 },
		"subjects":    func(c *Config) { c.Subjects = nil },
		"address":     func(c *Config) { c.Addrs = nil },
		"min overlap": func(c *Config) { c.MinOverlap = "a while" },
		"request":     func(c *Config) { c.Rate, c.Duration = 0.5, time.Second },
	}
	for want, change := range cases {
		t.Run(want, func(t *testing.T) {
			cfg := ok
			change(&cfg)
			if _, err := Run(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Run = %v, want an error about %s", err, want)
			}
		})
	}
}

func TestUnreachableServerIsCountedNotFatal(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	r := run(t, Config{Addrs: []string{url}, Query: QueryStatus, Subjects: subjects(3), Rate: 50, Duration: 200 * time.Millisecond, Connections: 2})
	if r.OK != 0 || r.ErrorKinds["transport"] != 10 {
		t.Errorf("ok %d, errors %v; want 10 transport errors", r.OK, r.ErrorKinds)
	}
}

func TestReadSubjects(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	ss := subjects(3)
	os.WriteFile(good, []byte("# sample\n"+ss[0]+"\n\n"+ss[1]+"\n"+ss[2]), 0o644)
	got, err := ReadSubjects(good)
	if err != nil || len(got) != 3 || got[2] != ss[2] {
		t.Errorf("ReadSubjects = %v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte(ss[0]+"\n11010519491231002X\n"), 0o644)
	if _, err := ReadSubjects(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ReadSubjects = %v, want an error naming line 2", err)
	}
}

func TestReportFormats(t *testing.T) {
	r := &Result{Query: "status", Mode: "open", TargetRate: 1000, Connections: 16, Seconds: 10, Requests: 10000, OK: 9990,
		Errors: 10, ErrorKinds: map[string]int64{"HTTP 404": 10}, QPS: 1000, Latency: Latency{P50: 0.5, P90: 0.9, P99: 2.5, Max: 12}}
	var tbl bytes.Buffer
	if err := WriteTable(&tbl, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p99 ms", "status", "1000", "2.50", "HTTP 404 ×10"} {
		if !strings.Contains(tbl.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, tbl.String())
		}
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, r); err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Latency.P99 != 2.5 || back.ErrorKinds["HTTP 404"] != 10 {
		t.Errorf("JSON round trip: %+v, %v", back, err)
	}
}
