package gen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/codefed/codefed/schema"
)

// fakeRecords answers POST /v1/records like a hub: it validates and
// counts the records, after first answering 503 to the first request, as a
// cluster without a leader yet would.
type fakeRecords struct {
	mu       sync.Mutex
	records  int
	batches  map[string]int
	requests atomic.Int64
	refuse   string // batch ID to answer 400
}

func (f *fakeRecords) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.requests.Add(1) == 1 {
		http.Error(w, `{"error":{"code":"unavailable","message":"no leader"}}`, http.StatusServiceUnavailable)
		return
	}
	var b schema.Batch
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil || len(schema.ValidateBatch(&b)) > 0 || b.BatchID == f.refuse {
		http.Error(w, `{"error":{"code":"bad_payload","message":"no"}}`, http.StatusBadRequest)
		return
	}
	n := len(b.Statuses) + len(b.Events) + len(b.RiskAreas)
	f.mu.Lock()
	f.records += n
	f.batches[b.BatchID]++
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{
		"batch_id": b.BatchID, "accepted": n, "rejected": []any{},
		"result": map[string]int{"statuses": len(b.Statuses), "events": len(b.Events)},
	})
}

func TestLoadSendsEveryBatchOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	cfg := smallConfig(dir)
	cfg.Subjects, cfg.Events = 300, 3000
	m := generate(t, cfg)
	fake := &fakeRecords{batches: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	var progress atomic.Int64
	res, err := Load(context.Background(), LoadConfig{
		Dir: dir, Addrs: []string{srv.URL, strings.TrimPrefix(srv.URL, "http://")}, Concurrency: 3,
		Progress: func(n int) { progress.Add(int64(n)) },
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if res.Records != m.Records || fake.records != m.Records || progress.Load() != int64(m.Records) {
		t.Errorf("loaded %d records, server got %d, progress %d; want the data set's %d", res.Records, fake.records, progress.Load(), m.Records)
	}
	if res.Batches != m.Batches || len(fake.batches) != m.Batches || res.Retries != 1 {
		t.Errorf("%d batches acknowledged, %d distinct received, %d retries; want %d and 1 retry", res.Batches, len(fake.batches), res.Retries, m.Batches)
	}
	if res.Statuses != m.Statuses || res.Events != m.Events || res.RecordsPerSecond() <= 0 {
		t.Errorf("result %+v, want %d statuses and %d events", res, m.Statuses, m.Events)
	}
}

func TestLoadStopsAtARefusedBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ds")
	cfg := smallConfig(dir)
	cfg.Subjects, cfg.Events = 300, 3000
	generate(t, cfg)
	fake := &fakeRecords{batches: map[string]int{}, refuse: "gen7-110000-000002"}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	_, err := Load(context.Background(), LoadConfig{Dir: dir, Addrs: []string{srv.URL}})
	if err == nil || !strings.Contains(err.Error(), "gen7-110000-000002") || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("Load = %v, want the refused batch named", err)
	}
	if _, err := Load(context.Background(), LoadConfig{Dir: t.TempDir(), Addrs: []string{srv.URL}}); err == nil {
		t.Error("Load of a directory without a data set succeeded")
	}
}
