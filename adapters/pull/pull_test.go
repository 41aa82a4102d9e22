package pull

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

func TestPagesToEndCommittingEachPage(t *testing.T) {
	rg := newRegion(t, 23)
	store := newMemStore()
	cfg := testConfig(t, rg, store)
	logs := &syncBuffer{}
	cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := newPuller(t, cfg)
	ctx := context.Background()

	wantCursors := []string{"o5", "o10", "o15", "o20", "o23"}
	for i, want := range wantCursors {
		page, err := p.Step(ctx)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if page.Next != want {
			t.Fatalf("step %d: next cursor %q, want %q", i, page.Next, want)
		}
		if committed, pages := store.committed(); committed != want || len(pages) != i+1 {
			t.Fatalf("after step %d the store holds cursor %q and %d pages, want %q and %d", i, committed, len(pages), want, i+1)
		}
		if end := i == len(wantCursors)-1; page.End != end {
			t.Fatalf("step %d: end %v, want %v", i, page.End, end)
		}
	}

	// At the end of the feed the region answers an empty page with the
	// same cursor: nothing is delivered.
	page, err := p.Step(ctx)
	if err != nil {
		t.Fatalf("step at the end: %v", err)
	}
	if !page.End || page.Persons != 0 || page.Next != "o23" {
		t.Fatalf("step at the end: got end=%v persons=%d next=%q", page.End, page.Persons, page.Next)
	}
	if store.delivers != len(wantCursors) {
		t.Errorf("store saw %d deliveries, want %d: an idle page was delivered", store.delivers, len(wantCursors))
	}

	_, pages := store.committed()
	delivered := deliveredSubjects(pages)
	statuses := 0
	for _, pg := range pages {
		statuses += len(pg.Result.Batch.Statuses)
	}
	for s := range rg.subjects(t, cfg.Decode.Subjects) {
		if delivered[s] != 1 {
			t.Errorf("subject %.8s… delivered in %d pages, want 1", s, delivered[s])
		}
	}
	if len(delivered) != len(rg.people) {
		t.Errorf("delivered %d subjects, want %d", len(delivered), len(rg.people))
	}

	for i, r := range rg.requests() {
		if r.auth != "Bearer "+rg.token {
			t.Errorf("request %d: Authorization %q, want the bearer token", i, r.auth)
		}
		if r.limit != "5" {
			t.Errorf("request %d: limit %q, want 5", i, r.limit)
		}
	}
	if got := rg.requests()[0].cursor; got != "" {
		t.Errorf("first request asked cursor %q, want none", got)
	}

	for name, c := range map[string]struct {
		got  float64
		want float64
	}{
		"pages":    {value(t, p.m.pages), float64(len(wantCursors))},
		"persons":  {value(t, p.m.persons), float64(len(rg.people))},
		"records":  {value(t, p.m.records), float64(statuses)},
		"rejected": {value(t, p.m.rejected), 0},
		"retries":  {value(t, p.m.retries), 0},
	} {
		if c.got != c.want {
			t.Errorf("metric %s = %v, want %v", name, c.got, c.want)
		}
	}
	if value(t, p.m.lastSuccess) <= 0 {
		t.Error("last success time not set")
	}

	out := logs.String()
	if !strings.Contains(out, "pulled page") {
		t.Fatalf("no progress logged:\n%s", out)
	}
	for _, person := range rg.people {
		if strings.Contains(out, person.DocNumber) || (person.Name != "" && strings.Contains(out, person.Name)) {
			t.Fatal("a document number or a name reached the log")
		}
	}
}

func TestRestartResumesFromStoredCursor(t *testing.T) {
	rg := newRegion(t, 23)
	store := newMemStore()
	cfg := testConfig(t, rg, store)
	first := newPuller(t, cfg)
	for range 2 {
		if _, err := first.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
	}

	// A new puller (a new leader) on the same store and a fresh registry.
	cfg.Registerer = prometheus.NewRegistry()
	second := newPuller(t, cfg)
	before := len(rg.requests())
	for range 10 {
		page, err := second.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if page.End {
			break
		}
	}
	if got := rg.requests()[before].cursor; got != "o10" {
		t.Fatalf("the new puller asked cursor %q first, want the committed o10", got)
	}
	_, pages := store.committed()
	delivered := deliveredSubjects(pages)
	for s := range rg.subjects(t, cfg.Decode.Subjects) {
		if delivered[s] != 1 {
			t.Errorf("subject %.8s… delivered in %d pages, want 1", s, delivered[s])
		}
	}
}

func TestFailedDeliveryRetriesTheSamePage(t *testing.T) {
	rg := newRegion(t, 12)
	store := newMemStore()
	store.failNext = 2
	p := newPuller(t, testConfig(t, rg, store))
	ctx := context.Background()

	for i := range 2 {
		if _, err := p.Step(ctx); err == nil || errorKind(err) != kindStore {
			t.Fatalf("step %d: got %v, want a store error", i, err)
		}
	}
	page, err := p.Step(ctx)
	if err != nil {
		t.Fatalf("third step: %v", err)
	}
	if n := len(rg.requests()); n != 1 {
		t.Errorf("the region was asked %d times, want 1: a failed delivery must not refetch", n)
	}
	if page.Cursor != "" || page.Next != "o5" {
		t.Errorf("delivered page %q -> %q, want the first page", page.Cursor, page.Next)
	}
	if got := value(t, p.m.errors.WithLabelValues(kindStore)); got != 2 {
		t.Errorf("store errors = %v, want 2", got)
	}
}

// A puller whose delivery failed (the old leader) and a new puller race
// for the same page: the page is committed once.
func TestStaleDeliveryChangesNothing(t *testing.T) {
	rg := newRegion(t, 12)
	store := newMemStore()
	cfg := testConfig(t, rg, store)
	old := newPuller(t, cfg)
	store.failNext = 1
	if _, err := old.Step(context.Background()); err == nil {
		t.Fatal("first delivery succeeded, want the injected failure")
	}

	cfg.Registerer = prometheus.NewRegistry()
	leader := newPuller(t, cfg)
	if _, err := leader.Step(context.Background()); err != nil {
		t.Fatalf("new leader: %v", err)
	}

	_, err := old.Step(context.Background())
	if !errors.Is(err, ErrStaleCursor) {
		t.Fatalf("old puller redelivered with %v, want ErrStaleCursor", err)
	}
	page, err := old.Step(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if page.Cursor != "o5" {
		t.Errorf("after a stale delivery the puller asked %q, want the committed o5", page.Cursor)
	}
	_, pages := store.committed()
	for s, n := range deliveredSubjects(pages) {
		if n != 1 {
			t.Errorf("subject %.8s… delivered in %d pages", s, n)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	rg := newRegion(t, 3)
	rg.setHook(func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n > 1 {
			return false
		}
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusTooManyRequests, "overloaded", "try again later")
		return true
	})
	p := newPuller(t, testConfig(t, rg, newMemStore()))
	if _, err := p.Fetch(context.Background(), ""); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	reqs := rg.requests()
	if len(reqs) != 2 {
		t.Fatalf("region saw %d requests, want 2", len(reqs))
	}
	if wait := reqs[1].at.Sub(reqs[0].at); wait < time.Second {
		t.Errorf("retried after %v, want at least the 1s Retry-After", wait)
	}
	if got := value(t, p.m.retries); got != 1 {
		t.Errorf("retries = %v, want 1", got)
	}
}

// A Retry-After longer than one fetch's budget ends the fetch, and Run
// waits it out before asking again.
func TestLongRetryAfterIsWaitedOutByRun(t *testing.T) {
	rg := newRegion(t, 3)
	rg.setHook(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		w.Header().Set("Retry-After", "120")
		writeError(w, http.StatusServiceUnavailable, "maintenance", "back in two minutes")
		return true
	})
	cfg := testConfig(t, rg, newMemStore())
	cfg.RetryMaxWait = 50 * time.Millisecond
	p := newPuller(t, cfg)

	_, err := p.Step(context.Background())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusServiceUnavailable || se.RetryAfter != 120*time.Second {
		t.Fatalf("step: got %v, want a 503 asking for 120s", err)
	}
	if n := len(rg.requests()); n != 1 {
		t.Fatalf("region saw %d requests, want 1: the fetch must not retry sooner than asked", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var waits []time.Duration
	p.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		cancel()
		return ctx.Err()
	}
	if err := p.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if len(waits) != 1 || waits[0] < 120*time.Second {
		t.Fatalf("Run waited %v, want at least 120s", waits)
	}
}

func TestTransientFailuresAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(w http.ResponseWriter)
	}{
		{"500", func(w http.ResponseWriter) { writeError(w, http.StatusInternalServerError, "internal", "boom") }},
		{"502 without body", func(w http.ResponseWriter) { w.WriteHeader(http.StatusBadGateway) }},
		{"connection dropped", func(w http.ResponseWriter) {
			c, _, err := http.NewResponseController(w).Hijack()
			if err == nil {
				c.Close()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRegion(t, 3)
			rg.setHook(func(n int, w http.ResponseWriter, _ *http.Request) bool {
				if n > 2 {
					return false
				}
				tc.fail(w)
				return true
			})
			p := newPuller(t, testConfig(t, rg, newMemStore()))
			page, err := p.Fetch(context.Background(), "")
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if page.Persons != 3 || len(page.Result.Batch.Statuses) == 0 {
				t.Errorf("page holds %d persons and %d statuses", page.Persons, len(page.Result.Batch.Statuses))
			}
			if n := len(rg.requests()); n < 3 {
				t.Errorf("region saw %d requests, want at least 3", n)
			}
			if got := value(t, p.m.retries); got < 2 {
				t.Errorf("retries = %v, want at least 2", got)
			}
		})
	}
}

func TestRequestTimeoutIsRetried(t *testing.T) {
	rg := newRegion(t, 3)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	rg.setHook(func(n int, _ http.ResponseWriter, r *http.Request) bool {
		if n > 1 {
			return false
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
		return true
	})
	cfg := testConfig(t, rg, newMemStore())
	cfg.Timeout = 200 * time.Millisecond
	p := newPuller(t, cfg)
	if _, err := p.Fetch(context.Background(), ""); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if n := len(rg.requests()); n != 2 {
		t.Errorf("region saw %d requests, want 2", n)
	}
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, tc := range []struct {
		name             string
		token, cursor    string
		status           int
		code, message    string
		wantInErrMessage string
	}{
		{"wrong token", "not-the-token", "", http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token", "401"},
		{"malformed cursor", "", "zz", http.StatusBadRequest, "bad_cursor", "cursor is malformed", "400"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRegion(t, 3)
			cfg := testConfig(t, rg, newMemStore())
			if tc.token != "" {
				cfg.Token = tc.token
			}
			p := newPuller(t, cfg)
			_, err := p.Fetch(context.Background(), tc.cursor)
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *StatusError", err)
			}
			if se.StatusCode != tc.status || se.Code != tc.code || se.Message != tc.message {
				t.Errorf("got status %d code %q message %q, want %d %q %q", se.StatusCode, se.Code, se.Message, tc.status, tc.code, tc.message)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.wantInErrMessage) || !strings.Contains(msg, tc.message) {
				t.Errorf("error %q does not name the status and the region's message", msg)
			}
			if n := len(rg.requests()); n != 1 {
				t.Errorf("region saw %d requests, want 1", n)
			}
			if got := value(t, p.m.retries); got != 0 {
				t.Errorf("retries = %v, want 0", got)
			}
		})
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	rg := newRegion(t, 3)
	var mu sync.Mutex
	failing := true
	rg.setHook(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if failing {
			writeError(w, http.StatusInternalServerError, "internal", "down")
		}
		return failing
	})
	cfg := testConfig(t, rg, newMemStore())
	cfg.Retries = -1
	cfg.BreakerFailures = 2
	cfg.BreakerCooldown = 50 * time.Millisecond
	p := newPuller(t, cfg)
	ctx := context.Background()

	for i := range 2 {
		var se *StatusError
		if _, err := p.Fetch(ctx, ""); !errors.As(err, &se) || se.StatusCode != 500 {
			t.Fatalf("fetch %d: got %v, want the 500", i, err)
		}
	}
	if got := value(t, p.m.breaker); got != 2 {
		t.Fatalf("breaker state %v after 2 failures, want 2 (open)", got)
	}
	if _, err := p.Step(ctx); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("step with the breaker open: got %v, want ErrCircuitOpen", err)
	}
	if n := len(rg.requests()); n != 2 {
		t.Fatalf("region saw %d requests, want 2: an open breaker must not ask", n)
	}
	if got := value(t, p.m.errors.WithLabelValues(kindBreaker)); got != 1 {
		t.Errorf("breaker_open errors = %v, want 1", got)
	}

	mu.Lock()
	failing = false
	mu.Unlock()
	eventually(t, "the breaker to let a fetch through", func() bool {
		_, err := p.Fetch(ctx, "")
		if err != nil && !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("fetch after the cool-down: %v", err)
		}
		return err == nil
	})
	if n := len(rg.requests()); n != 3 {
		t.Errorf("region saw %d requests, want 3: one fetch in half-open", n)
	}
	if got := value(t, p.m.breaker); got != 0 {
		t.Errorf("breaker state %v after a success, want 0 (closed)", got)
	}
}

func TestClientErrorsDoNotOpenTheBreaker(t *testing.T) {
	rg := newRegion(t, 3)
	cfg := testConfig(t, rg, newMemStore())
	cfg.Token = "wrong"
	cfg.BreakerFailures = 2
	p := newPuller(t, cfg)
	for range 4 {
		if _, err := p.Fetch(context.Background(), ""); errors.Is(err, ErrCircuitOpen) {
			t.Fatal("401 answers opened the breaker")
		}
	}
	if n := len(rg.requests()); n != 4 {
		t.Errorf("region saw %d requests, want 4", n)
	}
}

func TestBadPagesNameTheCursor(t *testing.T) {
	for _, tc := range []struct {
		name     string
		answer   func(w http.ResponseWriter)
		kind     string
		sentinel error
	}{
		{"malformed payload", func(w http.ResponseWriter) {
			writePage(w, []byte(`{"xzqhdm":"610100","jllb":[`), "o10", 5, false)
		}, kindDecode, nil},
		{"wrong format", func(w http.ResponseWriter) {
			writePage(w, []byte(`<records/>`), "o10", 5, false)
		}, kindDecode, nil},
		{"no next cursor", func(w http.ResponseWriter) {
			writePage(w, []byte(`{"xzqhdm":"610100","jllb":[]}`), "", 0, false)
		}, kindProtocol, ErrProtocol},
		{"cursor outside the alphabet", func(w http.ResponseWriter) {
			writePage(w, []byte(`{"xzqhdm":"610100","jllb":[]}`), "o/10", 0, false)
		}, kindProtocol, ErrProtocol},
		{"more persons than the limit", func(w http.ResponseWriter) {
			writePage(w, []byte(`{"xzqhdm":"610100","jllb":[]}`), "o10", 6, false)
		}, kindProtocol, ErrProtocol},
		{"same cursor before the end", func(w http.ResponseWriter) {
			writePage(w, []byte(`{"xzqhdm":"610100","jllb":[]}`), "o5", 0, false)
		}, kindProtocol, ErrProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rg := newRegion(t, 12)
			rg.setHook(func(_ int, w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Query().Get("cursor") != "o5" {
					return false
				}
				tc.answer(w)
				return true
			})
			store := newMemStore()
			p := newPuller(t, testConfig(t, rg, store))
			if _, err := p.Step(context.Background()); err != nil {
				t.Fatal(err)
			}
			_, err := p.Step(context.Background())
			if err == nil {
				t.Fatal("bad page accepted")
			}
			if !strings.Contains(err.Error(), `cursor "o5"`) {
				t.Errorf("error %q does not name the page's cursor", err)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("error %v is not %v", err, tc.sentinel)
			}
			if got := errorKind(err); got != tc.kind {
				t.Errorf("error kind %q, want %q", got, tc.kind)
			}
			if got := value(t, p.m.errors.WithLabelValues(tc.kind)); got != 1 {
				t.Errorf("%s errors = %v, want 1", tc.kind, got)
			}
			if c, _ := store.committed(); c != "o5" {
				t.Errorf("committed cursor moved to %q past a bad page", c)
			}
		})
	}
}

func TestRejectedRecordsArePassedOn(t *testing.T) {
	rg := newRegion(t, 3)
	rg.setHook(func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		body, err := rg.encode(0, 3)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", err.Error())
			return true
		}
		var env map[string]any
		if err := json.Unmarshal(body, &env); err != nil {
			writeError(w, http.StatusInternalServerError, "internal", err.Error())
			return true
		}
		env["jllb"].([]any)[1].(map[string]any)["mys"] = "9" // not a colour code
		body, _ = json.Marshal(env)
		writePage(w, body, "o3", 3, true)
		return true
	})
	store := newMemStore()
	p := newPuller(t, testConfig(t, rg, store))
	if _, err := p.Step(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, pages := store.committed()
	if len(pages) != 1 {
		t.Fatalf("%d pages delivered, want 1", len(pages))
	}
	res := pages[0].Result
	if len(res.Rejected) != 1 || res.Rejected[0].Index != 1 || res.Rejected[0].Field != "mys" {
		t.Fatalf("rejected = %v, want record 1 for field mys", res.Rejected)
	}
	records := 0
	for _, person := range rg.people {
		records += len(person.Statuses)
	}
	if got := len(res.Batch.Statuses); got != records-1 {
		t.Errorf("%d statuses kept, want %d", got, records-1)
	}
	if got := value(t, p.m.rejected); got != 1 {
		t.Errorf("rejected metric = %v, want 1", got)
	}
}

func TestRunStopsPromptlyOnCancel(t *testing.T) {
	t.Run("while polling", func(t *testing.T) {
		rg := newRegion(t, 8)
		store := newMemStore()
		cfg := testConfig(t, rg, store)
		cfg.PollInterval = time.Hour
		p := newPuller(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		eventually(t, "the feed's end to be committed", func() bool {
			c, _ := store.committed()
			return c == "o8"
		})
		cancel()
		waitRun(t, done)
	})
	t.Run("during a request", func(t *testing.T) {
		rg := newRegion(t, 8)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		rg.setHook(func(_ int, _ http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return true
		})
		cfg := testConfig(t, rg, newMemStore())
		cfg.Timeout = time.Hour
		p := newPuller(t, cfg)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		eventually(t, "the request to reach the region", func() bool { return len(rg.requests()) > 0 })
		cancel()
		waitRun(t, done)
		if got := value(t, p.m.breaker); got != 0 {
			t.Errorf("a cancelled fetch moved the breaker to %v", got)
		}
	})
}

func waitRun(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

func TestRunKeepsGoingAfterErrors(t *testing.T) {
	rg := newRegion(t, 12)
	rg.setHook(func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n%2 == 0 {
			return false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "flaky gateway")
		return true
	})
	store := newMemStore()
	cfg := testConfig(t, rg, store)
	cfg.PollInterval = time.Hour
	p := newPuller(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	eventually(t, "the feed's end to be committed", func() bool {
		c, _ := store.committed()
		return c == "o12"
	})
	cancel()
	waitRun(t, done)
	if got := value(t, p.m.errors.WithLabelValues(kindClient)); got < 3 {
		t.Errorf("client errors = %v, want at least 3", got)
	}
}

func TestPullersShareMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	var pullers []*Puller
	for _, persons := range []int{3, 4} {
		rg := newRegion(t, persons)
		cfg := testConfig(t, rg, newMemStore())
		cfg.Registerer = reg
		p := newPuller(t, cfg)
		if _, err := p.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		pullers = append(pullers, p)
	}
	// A puller restarted on the same feed reuses the series.
	if _, err := New(pullers[0].cfg); err != nil {
		t.Fatalf("second puller on one feed: %v", err)
	}
	n := seriesCount(t, reg, "codefed_pull_persons_total")
	if n != 2 {
		t.Errorf("%d persons series, want one per feed", n)
	}
	if got := value(t, pullers[1].m.persons); got != 4 {
		t.Errorf("second feed counted %v persons, want 4", got)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	rg := newRegion(t, 1)
	for name, mutate := range map[string]func(*Config){
		"unknown format":  func(c *Config) { c.Format = "atlantis" },
		"no token":        func(c *Config) { c.Token = "" },
		"no store":        func(c *Config) { c.Store = nil },
		"no pseudonymize": func(c *Config) { c.Decode.Subjects = nil },
		"relative url":    func(c *Config) { c.URL = "region.example/" },
		"negative limit":  func(c *Config) { c.Limit = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, rg, newMemStore())
			mutate(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted the config")
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2022, 1, 4, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{"120", 2 * time.Minute},
		{"-3", 0},
		{"soon", 0},
		{"Tue, 04 Jan 2022 09:00:30 GMT", 30 * time.Second},
		{"Tuesday, 04-Jan-22 09:01:00 GMT", time.Minute},
		{"Tue Jan  4 09:00:05 2022", 5 * time.Second},
		{"Tue, 04 Jan 2022 08:59:00 GMT", 0},
	} {
		if got := parseRetryAfter(tc.in, now); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestBackoffStaysWithinBounds(t *testing.T) {
	base, ceiling := 100*time.Millisecond, 3*time.Second
	for n := 1; n <= 70; n++ {
		d := min(base<<min(n-1, 10), ceiling)
		for range 50 {
			if got := backoff(base, ceiling, n); got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, got, d/2, d)
			}
		}
	}
	for range 200 {
		if got := jitter(5*time.Second, 0.2); got < 4*time.Second || got > 6*time.Second {
			t.Fatalf("jitter(5s) = %v, want within [4s, 6s]", got)
		}
	}
}

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		in, feed string
	}{
		{"shaanxi=https://feed.example.org/ris/", "shaanxi@https://feed.example.org/ris/"},
		{"shaanxi=HTTPS://Feed.Example.org", "shaanxi@https://feed.example.org/"},
		{"shaanxi=http://127.0.0.1:8080/v1", "shaanxi@http://127.0.0.1:8080/v1/"},
	} {
		s, err := ParseSpec(tc.in)
		if err != nil {
			t.Errorf("ParseSpec(%q): %v", tc.in, err)
			continue
		}
		if s.Format != "shaanxi" || s.Feed() != tc.feed {
			t.Errorf("ParseSpec(%q) = %+v with feed %q, want feed %q", tc.in, s, s.Feed(), tc.feed)
		}
	}
	for _, in := range []string{
		"", "shaanxi", "=https://x/", "shaanxi=", "atlantis=https://x/",
		"shaanxi=ftp://x/", "shaanxi=//x/", "shaanxi=https:///path",
		"shaanxi=https://x/?cursor=1", "shaanxi=https://x/#f", "shaanxi=https://user:pw@x/",
	} {
		if s, err := ParseSpec(in); err == nil {
			t.Errorf("ParseSpec(%q) = %+v, want an error", in, s)
		}
	}
}

func TestToken(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/token"
	if err := os.WriteFile(file, []byte(" s3cret-token \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv(TokenEnv, "from-env")
	if tok, err := Token(file); err != nil || tok != "s3cret-token" {
		t.Errorf("Token(file) = %q, %v; want the file's token", tok, err)
	}
	if tok, err := Token(""); err != nil || tok != "from-env" {
		t.Errorf("Token(\"\") = %q, %v; want the environment's token", tok, err)
	}
	empty := dir + "/empty"
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Token(empty); err == nil {
		t.Error("an empty token file was accepted")
	}
	if _, err := Token(dir + "/missing"); err == nil {
		t.Error("a missing token file was accepted")
	}
	t.Setenv(TokenEnv, "")
	if _, err := Token(""); err == nil || !strings.Contains(err.Error(), TokenEnv) {
		t.Errorf("no token anywhere: got %v, want an error naming %s", err, TokenEnv)
	}
}

func TestStatusErrorMessage(t *testing.T) {
	long := strings.Repeat("长", 200)
	e := newStatusError(http.StatusTooManyRequests, []byte(`{"error":{"code":"overloaded","message":"`+long+`"}}`), 3*time.Second)
	if e.Code != "overloaded" || len(e.Message) > maxMessage+3 {
		t.Errorf("code %q, message of %d bytes", e.Code, len(e.Message))
	}
	msg := e.Error()
	for _, want := range []string{"429", "overloaded", "retry after 3s"} {
		if !strings.Contains(msg, want) {
			t.Errorf("%q lacks %q", msg, want)
		}
	}
	if plain := newStatusError(http.StatusBadGateway, []byte("<html>bad gateway</html>"), 0); plain.Code != "" || plain.Message != "" {
		t.Errorf("a non-JSON body gave code %q message %q", plain.Code, plain.Message)
	}
}
