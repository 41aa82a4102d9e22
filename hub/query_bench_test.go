package hub

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

// queryServer loads 2,000 subjects with 10 events each over 200 places
// into a server backed by a bare FSM, for handler benchmarks.
func queryServer(b *testing.B) (*Server, []string) {
	fsm := NewFSM(0)
	fc := &fakeCluster{fsm: fsm}
	p, _ := schema.NewPseudonymizer([]byte("bench-federation-key-0001"))
	srv := NewServer(Config{FSM: fsm, Cluster: fc, Subjects: p, Now: func() time.Time { return time.Date(2022, 1, 12, 0, 0, 0, 0, utc8) }})
	base := time.Date(2022, 1, 4, 0, 0, 0, 0, utc8)
	var subjects []string
	var cmd RecordsCommand
	for i := 0; i < 2000; i++ {
		s := fmt.Sprintf("%064x", i+1)
		subjects = append(subjects, s)
		cmd.Statuses = append(cmd.Statuses, schema.Status{Subject: s, Region: "610100", Color: schema.Green, Reasons: []string{schema.ReasonNATNegative48h},
			IssuedAt: base.Add(6 * 24 * time.Hour), ValidUntil: base.Add(8 * 24 * time.Hour), Source: schema.Source{System: "xa-ymt", RecordID: fmt.Sprintf("s%d", i)}})
		for j := 0; j < 10; j++ {
			start := base.Add(time.Duration((i*7+j*13)%(7*24*60)) * time.Minute)
			cmd.Events = append(cmd.Events, schema.Event{Subject: s, Region: "610100", Kind: schema.KindVenueScan,
				Place: schema.Place{ID: fmt.Sprintf("610113-V-%04d", (i+j*37)%200), Name: "场所", Region: "610113001", Lat: 34.2, Lon: 108.9},
				Start: start, End: start.Add(45 * time.Minute), Source: schema.Source{System: "xa-ymt", RecordID: fmt.Sprintf("e%d-%d", i, j)}})
		}
	}
	enc, _ := cmd.Encode()
	if _, _, err := fc.Propose(context.Background(), enc); err != nil {
		b.Fatal(err)
	}
	return srv, subjects
}

func benchmarkQuery(b *testing.B, path string) {
	srv, subjects := queryServer(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest("GET", fmt.Sprintf(path, subjects[i%len(subjects)]), nil))
		if rec.Code != 200 {
			b.Fatalf("HTTP %d: %s", rec.Code, rec.Body)
		}
		i++
	}
}

func BenchmarkStatusHandler(b *testing.B)     { benchmarkQuery(b, "/v1/status/%s") }
func BenchmarkTrajectoryHandler(b *testing.B) { benchmarkQuery(b, "/v1/trajectory/%s") }
func BenchmarkContactsHandler(b *testing.B)   { benchmarkQuery(b, "/v1/contacts/%s") }
