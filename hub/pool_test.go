package hub

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

// TestPoolCompactionKeepsStateAndSnapshots grows many subjects' runs one
// event at a time, so that moved runs leave enough garbage for compactPools
// to move live runs and drop chunks, with a snapshot taken in the middle.
// The state must not change (digest, answers), the snapshot must persist
// the same bytes before and after, and chunks must be released.
func TestPoolCompactionKeepsStateAndSnapshots(t *testing.T) {
	const subjects, rounds = 2000, 24
	base := time.Date(2022, 1, 4, 0, 0, 0, 0, utc8)
	ev := func(n, r int) schema.Event {
		start := base.Add(time.Duration(r)*time.Hour + time.Duration(n)*time.Second)
		return schema.Event{Subject: subj(n), Region: "610100", Kind: schema.KindVenueScan,
			Place: schema.Place{ID: fmt.Sprintf("P%d", n%50), Region: "610113001"}, Start: start, End: start.Add(20 * time.Minute),
			Source: schema.Source{System: "s", RecordID: fmt.Sprintf("r%d-%d", n, r)}}
	}
	h := newHarness(t)
	var all RecordsCommand
	var snap *Snapshot
	var before bytes.Buffer
	compacted := false
	for r := 0; r < rounds; r++ {
		var cmd RecordsCommand
		for n := 0; n < subjects; n++ {
			cmd.Events = append(cmd.Events, ev(n, r))
		}
		all.Events = append(all.Events, cmd.Events...)
		dropped := func() int {
			k := 0
			for _, c := range h.f.state.eventPool.chunks {
				if c == nil {
					k++
				}
			}
			return k
		}
		was := dropped()
		h.apply(base, cmd)
		if dropped() > was {
			compacted = true
		}
		if r == rounds/2 {
			var err error
			if snap, err = h.f.Snapshot(); err != nil {
				t.Fatal(err)
			}
			if err := snap.Persist(&before); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !compacted {
		t.Fatalf("no chunk was dropped: garbage %d, live %d", h.f.state.eventPool.garbage, h.f.state.eventPool.liveTotal)
	}
	var after bytes.Buffer
	if err := snap.Persist(&after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Fatal("a snapshot changed while runs were moved")
	}
	// The same events applied at once lie elsewhere but are the same state.
	once := newHarness(t)
	once.apply(base, all)
	_, want := once.f.Digest()
	if _, got := h.f.Digest(); got != want {
		t.Fatalf("digest %s after compactions, %s without", got, want)
	}
	for _, n := range []int{0, 1, subjects / 2, subjects - 1} {
		a, _ := h.f.Trajectory(subj(n), time.Time{}, time.Time{})
		b, _ := once.f.Trajectory(subj(n), time.Time{}, time.Time{})
		if len(a.Events) != rounds || fmt.Sprint(a.Events) != fmt.Sprint(b.Events) {
			t.Fatalf("subject %d: trajectory differs after compaction", n)
		}
		ca, _ := h.f.Contacts(subj(n), time.Time{}, time.Time{}, 0)
		cb, _ := once.f.Contacts(subj(n), time.Time{}, time.Time{}, 0)
		if fmt.Sprint(ca.Contacts) != fmt.Sprint(cb.Contacts) {
			t.Fatalf("subject %d: contacts differ after compaction", n)
		}
	}
}
