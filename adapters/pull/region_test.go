package pull

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/shaanxi"
	"github.com/codefed/codefed/schema"
)

// region is a RIS/1 feed of shaanxi payloads on loopback. Cursors are
// "o<offset>" into a fixed list of people, so they survive anything.
type region struct {
	t      *testing.T
	people []adapters.Person
	token  string
	srv    *httptest.Server

	mu   sync.Mutex
	seen []request
	// hook, when set, may answer a request itself (returning true); n
	// counts requests from 1.
	hook func(n int, w http.ResponseWriter, r *http.Request) bool
}

// request is what the region saw of one request.
type request struct {
	at     time.Time
	auth   string
	cursor string
	limit  string
}

func newRegion(t *testing.T, persons int) *region {
	t.Helper()
	start := time.Date(2022, 3, 1, 0, 0, 0, 0, adapters.Beijing)
	rg := &region{
		t:      t,
		people: shaanxi.Adapter{}.Sample(7, persons, start, 14*24*time.Hour),
		token:  "feed-token-" + strconv.Itoa(persons),
	}
	rg.srv = httptest.NewServer(rg)
	t.Cleanup(rg.srv.Close)
	return rg
}

func (rg *region) setHook(h func(n int, w http.ResponseWriter, r *http.Request) bool) {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	rg.hook = h
}

func (rg *region) requests() []request {
	rg.mu.Lock()
	defer rg.mu.Unlock()
	return append([]request(nil), rg.seen...)
}

func (rg *region) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	rg.mu.Lock()
	rg.seen = append(rg.seen, request{at: time.Now(), auth: r.Header.Get("Authorization"), cursor: q.Get("cursor"), limit: q.Get("limit")})
	n, hook := len(rg.seen), rg.hook
	rg.mu.Unlock()
	if hook != nil && hook(n, w, r) {
		return
	}
	if r.URL.Path != "/feed" || r.Method != http.MethodGet {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+rg.token {
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeError(w, http.StatusUnauthorized, "unauthorized", "missing or wrong bearer token")
		return
	}
	off, err := parseTestCursor(q.Get("cursor"), len(rg.people))
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_cursor", "cursor is malformed")
		return
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 1000 {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit must be 1..1000")
			return
		}
	}
	end := min(off+limit, len(rg.people))
	body, err := rg.encode(off, end)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", "encode failed")
		return
	}
	next := "o" + strconv.Itoa(end)
	if end == off && q.Get("cursor") != "" {
		next = q.Get("cursor")
	}
	writePage(w, body, next, end-off, end == len(rg.people))
}

func (rg *region) encode(from, to int) ([]byte, error) {
	return shaanxi.Adapter{}.Encode(rg.people[from:to], adapters.EncodeOptions{})
}

func parseTestCursor(c string, n int) (int, error) {
	if c == "" {
		return 0, nil
	}
	off, err := strconv.Atoi(strings.TrimPrefix(c, "o"))
	if err != nil || !strings.HasPrefix(c, "o") || off < 0 || off > n {
		return 0, fmt.Errorf("bad cursor %q", c)
	}
	return off, nil
}

func writePage(w http.ResponseWriter, body []byte, next string, persons int, end bool) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(headerNext, next)
	w.Header().Set(headerRecords, strconv.Itoa(persons))
	if end {
		w.Header().Set(headerEnd, "true")
	}
	_, _ = w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// subjects returns the pseudonym of every person of the region.
func (rg *region) subjects(t *testing.T, ps *schema.Pseudonymizer) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, p := range rg.people {
		s, err := ps.Subject(p.DocType, p.DocNumber)
		if err != nil {
			t.Fatalf("subject of a sampled person: %v", err)
		}
		out[s] = true
	}
	if len(out) != len(rg.people) {
		t.Fatalf("%d sampled people have %d distinct subjects", len(rg.people), len(out))
	}
	return out
}

// memStore is a Store that keeps the committed cursor and pages in memory,
// with the conditional delivery the contract asks for.
type memStore struct {
	mu       sync.Mutex
	cursors  map[string]string
	pages    []*Page
	delivers int
	// failNext fails that many deliveries before committing again.
	failNext int
}

func newMemStore() *memStore { return &memStore{cursors: map[string]string{}} }

func (s *memStore) Cursor(_ context.Context, feed string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[feed], nil
}

func (s *memStore) Deliver(_ context.Context, feed string, page *Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delivers++
	if s.failNext > 0 {
		s.failNext--
		return errors.New("replication timed out")
	}
	if s.cursors[feed] != page.Cursor {
		return ErrStaleCursor
	}
	s.cursors[feed] = page.Next
	s.pages = append(s.pages, page)
	return nil
}

func (s *memStore) committed() (cursor string, pages []*Page) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cursors {
		cursor = c
	}
	return cursor, append([]*Page(nil), s.pages...)
}

// deliveredSubjects returns, per subject, how many committed pages carry
// it; a person split across pages or delivered twice counts more than 1.
func deliveredSubjects(pages []*Page) map[string]int {
	out := map[string]int{}
	for _, p := range pages {
		inPage := map[string]bool{}
		for _, st := range p.Result.Batch.Statuses {
			inPage[st.Subject] = true
		}
		for s := range inPage {
			out[s]++
		}
	}
	return out
}

func newSubjects(t *testing.T) *schema.Pseudonymizer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	ps, err := schema.NewPseudonymizer(key)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is a configuration with waits small enough for tests.
func testConfig(t *testing.T, rg *region, store Store) Config {
	t.Helper()
	return Config{
		Format:       "shaanxi",
		URL:          rg.srv.URL,
		Token:        rg.token,
		Limit:        5,
		Decode:       adapters.DecodeOptions{Subjects: newSubjects(t)},
		Store:        store,
		Timeout:      5 * time.Second,
		RetryWait:    time.Millisecond,
		RetryMaxWait: 2 * time.Second,
		Backoff:      time.Millisecond,
		MaxBackoff:   5 * time.Millisecond,
		PollInterval: time.Millisecond,
		Registerer:   prometheus.NewRegistry(),
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func newPuller(t *testing.T, cfg Config) *Puller {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// value reads a counter or gauge.
func value(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var out dto.Metric
	if err := m.Write(&out); err != nil {
		t.Fatal(err)
	}
	switch {
	case out.Counter != nil:
		return out.Counter.GetValue()
	case out.Gauge != nil:
		return out.Gauge.GetValue()
	}
	t.Fatalf("metric %s is neither a counter nor a gauge", m.Desc())
	return 0
}

// seriesCount returns the number of series of a metric family in reg.
func seriesCount(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}
