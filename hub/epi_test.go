package hub

import (
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

var utc8, utc1 = time.FixedZone("", 8*3600), time.FixedZone("", 3600)

// epiData applies random events: few places and subjects so that overlaps
// are frequent, times on minute boundaries so intervals often touch
// exactly, several zones, midnight crossings, carrier_city events, and
// replays that extend an event's end.
func epiData(t *testing.T, seed uint64) (*harness, []string) {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := newHarness(t)
	var subjects []string
	for i := 0; i < 25; i++ {
		subjects = append(subjects, subj(1000+i))
	}
	places := []schema.Place{
		{ID: "P1", Region: "610113001"}, {ID: "P2", Region: "610113002"}, {ID: "P3", Region: "330106"},
		{ID: "P4", Region: "310115"}, {ID: "CITY-610100", Region: "610100"},
	}
	base := time.Date(2022, 1, 4, 22, 0, 0, 0, utc8) // runs across midnight
	var cmd RecordsCommand
	for i := 0; i < 400; i++ {
		p := places[rng.IntN(len(places))]
		kind := []string{schema.KindVenueScan, schema.KindTransit, schema.KindStay}[rng.IntN(3)]
		if p.ID == "CITY-610100" {
			kind = schema.KindCarrierCity
		}
		zone := []*time.Location{utc8, utc1, time.UTC}[rng.IntN(3)]
		start := base.Add(time.Duration(rng.IntN(6*60)) * time.Minute).In(zone)
		if rng.IntN(4) == 0 {
			// Sub-second times: stored apart from the whole seconds.
			start = start.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
		}
		e := schema.Event{Subject: subjects[rng.IntN(len(subjects))], Region: "610100", Kind: kind, Place: p,
			Start: start, Source: schema.Source{System: []string{"a", "b"}[rng.IntN(2)], RecordID: fmt.Sprint(i)}}
		if rng.IntN(8) > 0 {
			e.End = start.Add(time.Duration(rng.IntN(90)) * time.Minute)
			if rng.IntN(4) == 0 {
				e.End = e.End.Add(time.Duration(1+rng.IntN(999)) * time.Microsecond)
			}
		}
		cmd.Events = append(cmd.Events, e)
		if rng.IntN(10) == 0 && !e.End.IsZero() {
			longer := e
			longer.End = e.End.Add(time.Duration(1+rng.IntN(60)) * time.Minute)
			cmd.Events = append(cmd.Events, longer)
		}
	}
	h.apply(base, cmd)
	return h, subjects
}

// bruteContacts computes contacts from the subjects' trajectories (the
// primary store), comparing every pair of events: the oracle for the index.
func bruteContacts(h *harness, subjects []string, subject string, from, to time.Time, minOverlap time.Duration) []Contact {
	mine, ok := h.f.Trajectory(subject, time.Time{}, time.Time{})
	if !ok {
		return nil
	}
	type key struct {
		s, p       string
		start, end int64
	}
	seen := map[key]int{}
	out := []Contact{}
	end := func(e schema.Event) time.Time {
		if e.End.IsZero() {
			return e.Start
		}
		return e.End
	}
	for _, e := range mine.Events {
		if e.Kind == schema.KindCarrierCity || (!from.IsZero() && end(e).Before(from)) || (!to.IsZero() && e.Start.After(to)) {
			continue
		}
		for _, other := range subjects {
			if other == subject {
				continue
			}
			theirs, ok := h.f.Trajectory(other, time.Time{}, time.Time{})
			if !ok {
				continue
			}
			for _, v := range theirs.Events {
				if v.Place.ID != e.Place.ID || v.Kind == schema.KindCarrierCity {
					continue
				}
				s, en := e.Start, end(e)
				if v.Start.After(s) {
					s = v.Start
				}
				if end(v).Before(en) {
					en = end(v)
				}
				ov := en.Sub(s)
				if ov <= 0 || ov < minOverlap {
					continue
				}
				k := key{other, e.Place.ID, s.UnixNano(), en.UnixNano()}
				if j, ok := seen[k]; ok {
					// One meeting several records describe: the least kind.
					out[j].Kind = min(out[j].Kind, v.Kind)
					continue
				}
				seen[k] = len(out)
				out = append(out, Contact{Subject: other, Place: e.Place, Start: s.In(e.Start.Location()), End: en.In(e.Start.Location()),
					OverlapSeconds: int64(ov / time.Second), Kind: v.Kind})
			}
		}
	}
	return out
}

func contactSet(cs []Contact) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = fmt.Sprintf("%s %s %d %d %d %s", c.Subject[:8], c.Place.ID, c.Start.UnixNano(), c.End.UnixNano(), c.OverlapSeconds, c.Kind)
	}
	sort.Strings(out)
	return out
}

func TestContactsMatchBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		h, subjects := epiData(t, seed)
		windows := [][2]time.Time{
			{},
			{time.Date(2022, 1, 5, 0, 0, 0, 0, utc8), time.Date(2022, 1, 5, 2, 0, 0, 0, utc8)},
		}
		total := 0
		for _, w := range windows {
			for _, minOverlap := range []time.Duration{0, 15 * time.Minute, 30 * time.Minute} {
				for _, s := range subjects {
					got, ok := h.f.Contacts(s, w[0], w[1], minOverlap)
					want := bruteContacts(h, subjects, s, w[0], w[1], minOverlap)
					if !ok {
						if len(want) > 0 {
							t.Fatalf("subject unknown but brute force finds contacts")
						}
						continue
					}
					total += len(got.Contacts)
					if g, w := contactSet(got.Contacts), contactSet(want); !reflect.DeepEqual(g, w) {
						t.Fatalf("seed %d subject %s window %v min %v:\n got %d %v\nwant %d %v", seed, s[:8], w, minOverlap, len(g), g, len(w), w)
					}
					for i := 1; i < len(got.Contacts); i++ {
						if got.Contacts[i-1].OverlapSeconds < got.Contacts[i].OverlapSeconds {
							t.Fatal("contacts not sorted by overlap")
						}
					}
					for _, c := range got.Contacts {
						if c.OverlapSeconds < int64(minOverlap/time.Second) || c.Place.ID == "CITY-610100" {
							t.Fatalf("contact %+v breaks min overlap %v or is a carrier city", c, minOverlap)
						}
					}
				}
			}
		}
		if total == 0 {
			t.Fatal("no contacts at all: the data does not exercise the query")
		}
	}
}

func TestTouchingIntervalsAreNoContact(t *testing.T) {
	h := newHarness(t)
	a, b, c := subj(1), subj(2), subj(3)
	start := time.Date(2022, 1, 4, 9, 0, 0, 0, utc8)
	p := schema.Place{ID: "V", Region: "610113"}
	ev := func(s string, from, to time.Time) schema.Event {
		return schema.Event{Subject: s, Region: "610100", Kind: schema.KindVenueScan, Place: p, Start: from, End: to, Source: schema.Source{System: "x", RecordID: s[:4]}}
	}
	h.apply(start, RecordsCommand{Events: []schema.Event{
		ev(a, start, start.Add(time.Hour)),
		ev(b, start.Add(time.Hour), start.Add(2*time.Hour)),               // touches a's end
		ev(c, start.Add(59*time.Minute).In(utc1), start.Add(3*time.Hour)), // overlaps a by 1 minute, b by an hour
	}})
	got, _ := h.f.Contacts(a, time.Time{}, time.Time{}, 0)
	if len(got.Contacts) != 1 || got.Contacts[0].Subject != c || got.Contacts[0].OverlapSeconds != 60 {
		t.Fatalf("contacts of a: %+v", got.Contacts)
	}
	got, _ = h.f.Contacts(b, time.Time{}, time.Time{}, 15*time.Minute)
	if len(got.Contacts) != 1 || got.Contacts[0].Subject != c || got.Contacts[0].OverlapSeconds != 3600 {
		t.Fatalf("contacts of b: %+v", got.Contacts)
	}
	// Times come back in the zone of the asking subject's event.
	if got.Contacts[0].Start.Format(time.RFC3339) != "2022-01-04T10:00:00+08:00" {
		t.Fatalf("contact start %s", got.Contacts[0].Start.Format(time.RFC3339))
	}
}

func TestVisitorsAndExposureMatchBruteForce(t *testing.T) {
	h, subjects := epiData(t, 4)
	area := schema.RiskArea{ID: "A", Region: "610113", Level: schema.RiskHigh,
		From: time.Date(2022, 1, 4, 23, 0, 0, 0, utc8), Until: time.Date(2022, 1, 5, 1, 0, 0, 0, utc8)}
	h.apply(time.Date(2022, 1, 5, 4, 0, 0, 0, utc8), RecordsCommand{RiskAreas: []schema.RiskArea{area}})
	var wantVisits, wantExposed []string
	from, to := time.Date(2022, 1, 5, 0, 30, 0, 0, utc8), time.Date(2022, 1, 5, 1, 30, 0, 0, utc8)
	for _, s := range subjects {
		tr, ok := h.f.Trajectory(s, time.Time{}, time.Time{})
		if !ok {
			continue
		}
		for _, e := range tr.Events {
			end := e.End
			if end.IsZero() {
				end = e.Start
			}
			if e.Place.ID == "P1" && !end.Before(from) && !e.Start.After(to) {
				wantVisits = append(wantVisits, fmt.Sprint(s[:8], e.Start.UnixNano(), e.Kind))
			}
			if schema.ContainsRegion(area.Region, e.Place.Region) && !end.Before(area.From) && e.Start.Before(area.Until) {
				wantExposed = append(wantExposed, fmt.Sprint(s[:8], e.Place.ID, e.Start.UnixNano()))
			}
		}
	}
	v, ok := h.f.Visitors("P1", from, to)
	if !ok {
		t.Fatal("place P1 unknown")
	}
	var gotVisits []string
	for _, x := range v.Visits {
		gotVisits = append(gotVisits, fmt.Sprint(x.Subject[:8], x.Start.UnixNano(), x.Kind))
	}
	sort.Strings(wantVisits)
	sort.Strings(gotVisits)
	if len(wantVisits) == 0 || !reflect.DeepEqual(gotVisits, wantVisits) {
		t.Fatalf("visitors:\n got %v\nwant %v", gotVisits, wantVisits)
	}
	ex, ok := h.f.Exposed("A")
	if !ok {
		t.Fatal("area unknown")
	}
	var gotExposed []string
	for _, x := range ex.Exposed {
		gotExposed = append(gotExposed, fmt.Sprint(x.Subject[:8], x.Place.ID, x.Start.UnixNano()))
	}
	sort.Strings(wantExposed)
	sort.Strings(gotExposed)
	if len(wantExposed) == 0 || !reflect.DeepEqual(gotExposed, wantExposed) {
		t.Fatalf("exposed:\n got %v\nwant %v", gotExposed, wantExposed)
	}
}

func TestIndexesSurviveRestoreAndPurge(t *testing.T) {
	h, subjects := epiData(t, 5)
	before := map[string][]string{}
	for _, s := range subjects {
		if c, ok := h.f.Contacts(s, time.Time{}, time.Time{}, 0); ok {
			before[s] = contactSet(c.Contacts)
		}
	}
	snap, _ := h.f.Snapshot()
	r := NewFSM(0)
	pr, pw := ioPipe()
	go func() { pw.CloseWithError(snap.Persist(pw)) }()
	if err := r.Restore(pr); err != nil {
		t.Fatal(err)
	}
	for s, want := range before {
		c, _ := r.Contacts(s, time.Time{}, time.Time{}, 0)
		if !reflect.DeepEqual(contactSet(c.Contacts), want) {
			t.Fatalf("contacts of %s differ after restore", s[:8])
		}
	}
	// Purge everything: the indexes must empty with the events.
	h.apply(time.Date(2022, 3, 1, 0, 0, 0, 0, utc8), RecordsCommand{})
	if len(h.f.state.places) != 0 || len(h.f.state.regionPlaces) != 0 {
		t.Fatalf("indexes keep %d places and %d regions after every event was purged", len(h.f.state.places), len(h.f.state.regionPlaces))
	}
	if _, ok := h.f.Visitors("P1", time.Time{}, time.Time{}); ok {
		t.Fatal("purged place still answers")
	}
}

func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }
