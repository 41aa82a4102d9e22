package hub

import (
	"sort"
	"strings"
	"time"

	"github.com/codefed/codefed/schema"
)

// The epidemiology indexes are derived from the events: they are rebuilt on
// restore, never snapshotted, and never feed the digest. They answer
// contacts, visitors and risk-area exposure by looking only at the places
// involved and the time windows asked for, never by scanning all events.

// visit is one event as the place index sees it: 40 bytes. The record ID
// and time zone are not repeated here; answers that need them look the
// event up in its subject's list.
type visit struct {
	start, end int64  // end == start for an open (instant) event
	subject    uint32 // State.subjectList number: no pointer for the collector to follow
	system     uint32
	kind       uint8
}

// placeVisits holds the visits of one place sorted by (start, subject, kind,
// system), comparing names so every replica has the same order. maxDur, the
// longest visit ever indexed here, bounds how far before a window a visit
// overlapping it can start; it never shrinks, which only costs a little
// scanning after long visits are purged.
type placeVisits struct {
	visits []visit
	maxDur int64
}

type visitKey struct {
	start                 int64
	subject, kind, system string
}

func (s *State) compareVisit(v *visit, k visitKey) int {
	switch {
	case v.start != k.start:
		return cmpInt(v.start, k.start)
	case s.subjectList[v.subject].id != k.subject:
		return strings.Compare(s.subjectList[v.subject].id, k.subject)
	case kindNames[v.kind] != k.kind:
		return strings.Compare(kindNames[v.kind], k.kind)
	}
	return strings.Compare(s.systems.name(v.system), k.system)
}

func (s *State) findVisit(pv *placeVisits, k visitKey) (int, bool) {
	i := sort.Search(len(pv.visits), func(i int) bool { return s.compareVisit(&pv.visits[i], k) >= 0 })
	return i, i < len(pv.visits) && s.compareVisit(&pv.visits[i], k) == 0
}

// indexEvent adds or updates the visit of a stored event.
func (s *State) indexEvent(ss *subjectState, e *eventRec) {
	placeID := s.slot(e).id
	pv := s.visits[placeID]
	if pv == nil {
		pv = &placeVisits{}
		s.visits[placeID] = pv
	}
	subject := ss.id
	v := visit{start: e.start, end: eventLast(e), subject: ss.num, kind: e.kind, system: e.system}
	if d := v.end - v.start; d > pv.maxDur {
		pv.maxDur = d
	}
	i, ok := s.findVisit(pv, visitKey{e.start, subject, kindNames[e.kind], s.systems.name(e.system)})
	if ok {
		pv.visits[i].end = v.end
		return
	}
	pv.visits = insertAt(pv.visits, i, v)
}

// unindexEvent removes the visit of an event being purged.
func (s *State) unindexEvent(ss *subjectState, e *eventRec) {
	subject, placeID := ss.id, s.slot(e).id
	pv := s.visits[placeID]
	if pv == nil {
		return
	}
	if i, ok := s.findVisit(pv, visitKey{e.start, subject, kindNames[e.kind], s.systems.name(e.system)}); ok {
		pv.visits = append(pv.visits[:i], pv.visits[i+1:]...)
	}
	if len(pv.visits) == 0 {
		delete(s.visits, placeID)
	}
}

// indexPlace records a new place under its region code.
func (s *State) indexPlace(slot *placeSlot) {
	region := slot.cur.Region
	ids := s.regionPlaces[region]
	if ids == nil {
		ids = map[string]bool{}
		s.regionPlaces[region] = ids
	}
	ids[slot.id] = true
}

func (s *State) unindexPlace(slot *placeSlot) {
	if ids := s.regionPlaces[slot.cur.Region]; ids != nil {
		delete(ids, slot.id)
		if len(ids) == 0 {
			delete(s.regionPlaces, slot.cur.Region)
		}
	}
}

// overlapping calls fn for every visit at the place that overlaps [lo, hi]
// (Unix nanoseconds), in index order, until fn returns false.
func (pv *placeVisits) overlapping(lo, hi int64, fn func(v *visit) bool) {
	first := lo - pv.maxDur
	if first > lo { // an open window's lower bound overflowed
		first = lo
	}
	i := sort.Search(len(pv.visits), func(i int) bool { return pv.visits[i].start >= first })
	for ; i < len(pv.visits) && pv.visits[i].start <= hi; i++ {
		v := &pv.visits[i]
		if v.end < lo {
			continue
		}
		if !fn(v) {
			return
		}
	}
}

// Contact is one meeting of two subjects at a place.
type Contact struct {
	Subject        string       `json:"subject"`
	Place          schema.Place `json:"place"`
	Start          time.Time    `json:"start"`
	End            time.Time    `json:"end"`
	OverlapSeconds int64        `json:"overlap_seconds"`
	// Kind is the contact's event kind (venue_scan, transit, ...).
	Kind string `json:"kind"`
}

// Contacts answers GET /v1/contacts/{subject}.
type Contacts struct {
	Subject           string    `json:"subject"`
	MinOverlapSeconds int64     `json:"min_overlap_seconds"`
	Contacts          []Contact `json:"contacts"`
	Index             uint64    `json:"index"`
}

// Contacts returns every other subject with an event at the same place.id
// whose interval overlaps one of subject's events in [from, to] (zero bounds
// are open) by at least minOverlap, and by more than zero: intervals that
// only touch are no contact. carrier_city events are too coarse (a whole
// city) and never make a contact. The overlap is computed on the whole
// events, not clipped to the window. Results are sorted by overlap, longest
// first, then by subject and start; one meeting is reported once even when
// several of the subject's records describe it.
func (f *FSM) Contacts(subject string, from, to time.Time, minOverlap time.Duration) (*Contacts, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	ss := s.subjects[subject]
	if ss == nil {
		return nil, false
	}
	out := &Contacts{Subject: subject, MinOverlapSeconds: int64(minOverlap / time.Second), Contacts: []Contact{}, Index: s.index}
	lo, hi := windowNanos(from, to)
	type seen struct {
		subject, place string
		start, end     int64
	}
	dup := map[seen]bool{}
	for i := range ss.events {
		e := &ss.events[i]
		if e.kind == kindCarrierCity || eventLast(e) < lo || e.start > hi {
			continue
		}
		slot := s.slot(e)
		pv := s.visits[slot.id]
		if pv == nil {
			continue
		}
		eEnd := eventLast(e)
		pv.overlapping(e.start, eEnd, func(v *visit) bool {
			if v.subject == ss.num || v.kind == kindCarrierCity {
				return true
			}
			start, end := max(e.start, v.start), min(eEnd, v.end)
			ov := end - start
			if ov <= 0 || ov < int64(minOverlap) {
				return true
			}
			other := s.subjectList[v.subject].id
			k := seen{other, slot.id, start, end}
			if dup[k] {
				return true
			}
			dup[k] = true
			loc := zoneFor(e.offset)
			out.Contacts = append(out.Contacts, Contact{
				Subject: other, Place: *slot.cur, Kind: kindNames[v.kind],
				Start: time.Unix(0, start).In(loc), End: time.Unix(0, end).In(loc),
				OverlapSeconds: ov / int64(time.Second),
			})
			return true
		})
	}
	sort.Slice(out.Contacts, func(i, j int) bool {
		a, b := &out.Contacts[i], &out.Contacts[j]
		if a.OverlapSeconds != b.OverlapSeconds {
			return a.OverlapSeconds > b.OverlapSeconds
		}
		if a.Subject != b.Subject {
			return a.Subject < b.Subject
		}
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.Place.ID < b.Place.ID
	})
	return out, true
}

// windowNanos turns a query window into inclusive Unix-nanosecond bounds,
// open ends becoming the widest values.
func windowNanos(from, to time.Time) (int64, int64) {
	lo, hi := int64(-1<<63), int64(1<<63-1)
	if !from.IsZero() {
		lo = from.UnixNano()
	}
	if !to.IsZero() {
		hi = to.UnixNano()
	}
	return lo, hi
}

// Visit is one subject's presence at a place.
type Visit struct {
	Subject string        `json:"subject"`
	Kind    string        `json:"kind"`
	Start   time.Time     `json:"start"`
	End     time.Time     `json:"end,omitzero"`
	Source  schema.Source `json:"source"`
}

// Visitors answers GET /v1/places/{place}/visitors.
type Visitors struct {
	Place  schema.Place `json:"place"`
	Visits []Visit      `json:"visits"`
	Index  uint64       `json:"index"`
}

// Visitors returns the visits at place that overlap [from, to], by start.
func (f *FSM) Visitors(placeID string, from, to time.Time) (*Visitors, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	slot := s.places[placeID]
	if slot == nil {
		return nil, false
	}
	out := &Visitors{Place: *slot.cur, Visits: []Visit{}, Index: s.index}
	if pv := s.visits[placeID]; pv != nil {
		lo, hi := windowNanos(from, to)
		pv.overlapping(lo, hi, func(v *visit) bool {
			out.Visits = append(out.Visits, s.public(placeID, v))
			return true
		})
	}
	return out, true
}

// public renders a visit, finding its event in the subject's list for the
// record ID and the time zone it arrived in.
func (s *State) public(placeID string, v *visit) Visit {
	ss := s.subjectList[v.subject]
	out := Visit{Subject: ss.id, Kind: kindNames[v.kind], Source: schema.Source{System: s.systems.name(v.system)}}
	loc := zoneFor(0)
	{
		if i, ok := s.findEvent(ss.events, eventKey{v.start, out.Kind, placeID, out.Source.System}); ok {
			loc = zoneFor(ss.events[i].offset)
			out.Source.RecordID = string(s.rid(&ss.events[i]))
		}
	}
	out.Start = time.Unix(0, v.start).In(loc)
	if v.end != v.start {
		out.End = time.Unix(0, v.end).In(loc)
	}
	return out
}

// Exposure is a visit inside a risk area during its window.
type Exposure struct {
	Subject string       `json:"subject"`
	Place   schema.Place `json:"place"`
	Kind    string       `json:"kind"`
	Start   time.Time    `json:"start"`
	End     time.Time    `json:"end,omitzero"`
}

// Exposed answers GET /v1/risk-areas/{id}/exposed.
type Exposed struct {
	Area    schema.RiskArea `json:"area"`
	Exposed []Exposure      `json:"exposed"`
	Index   uint64          `json:"index"`
}

// Exposed returns every visit at a place inside the risk area's region
// (schema.ContainsRegion) that overlaps the area's window, sorted by subject
// and start. It looks only at the places of that region.
func (f *FSM) Exposed(areaID string) (*Exposed, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	a, ok := s.riskAreas[areaID]
	if !ok {
		return nil, false
	}
	out := &Exposed{Area: a, Exposed: []Exposure{}, Index: s.index}
	lo, hi := windowNanos(a.From, a.Until)
	for region, ids := range s.regionPlaces {
		if !schema.ContainsRegion(a.Region, region) {
			continue
		}
		for id := range ids {
			pv := s.visits[id]
			if pv == nil {
				continue
			}
			place := *s.places[id].cur
			pv.overlapping(lo, hi, func(v *visit) bool {
				if !a.Until.IsZero() && v.start >= hi {
					return true // the window is half-open: [from, until)
				}
				pub := s.public(id, v)
				out.Exposed = append(out.Exposed, Exposure{Subject: pub.Subject, Place: place, Kind: pub.Kind, Start: pub.Start, End: pub.End})
				return true
			})
		}
	}
	sort.Slice(out.Exposed, func(i, j int) bool {
		x, y := &out.Exposed[i], &out.Exposed[j]
		if x.Subject != y.Subject {
			return x.Subject < y.Subject
		}
		if !x.Start.Equal(y.Start) {
			return x.Start.Before(y.Start)
		}
		return x.Place.ID < y.Place.ID
	})
	return out, true
}
