package hub

import (
	"sort"
	"time"

	"github.com/codefed/codefed/schema"
)

// The epidemiology indexes are derived from the events: they are rebuilt on
// restore, never snapshotted, and never feed the digest. They answer
// contacts, visitors and risk-area exposure by looking only at the places
// involved and the time windows asked for, never by scanning all events.

// visit is one event as the place index sees it: 12 bytes, no pointer.
// Times are whole seconds, the last one rounded up when the event has
// sub-second parts (then flagged, and read exactly from the subject's
// list). The record ID, source and time zone are not repeated here;
// answers that need them look the event up in its subject's list.
type visit struct {
	start uint32 // Unix seconds
	last  uint32 // Unix seconds of the end (the start when open), rounded up
	who   uint32 // subject number (low 28 bits), kind (3 bits), frac flag (top bit)
}

const (
	visitSubjectBits = 28
	visitFrac        = 1 << 31
	maxSubjects      = 1 << visitSubjectBits
)

func (v *visit) subject() uint32 { return v.who & (maxSubjects - 1) }
func (v *visit) kind() uint8     { return uint8(v.who >> visitSubjectBits & 7) }
func (v *visit) frac() bool      { return v.who&visitFrac != 0 }

// placeVisits holds the visits of one place sorted by (start, who, last).
// Subject numbers are private to a replica, so this order is too: answers
// never follow it, they sort by names. Two events of one subject and kind
// at one place in the same second that end in the same second look the
// same here; they are told apart in the subject's list. maxDur, the
// longest visit ever indexed here in seconds, bounds how far before a
// window a visit overlapping it can start; it never shrinks, which only
// costs a little scanning after long visits are purged.
type placeVisits struct {
	visits []visit
	maxDur int64
}

func compareVisits(a, b *visit) int {
	switch {
	case a.start != b.start:
		return cmpInt(int64(a.start), int64(b.start))
	case a.who != b.who:
		return cmpInt(int64(a.who), int64(b.who))
	}
	return cmpInt(int64(a.last), int64(b.last))
}

func (pv *placeVisits) find(v *visit) (int, bool) {
	i := sort.Search(len(pv.visits), func(i int) bool { return compareVisits(&pv.visits[i], v) >= 0 })
	return i, i < len(pv.visits) && pv.visits[i] == *v
}

func visitOf(ss *subjectState, e *eventRec) visit {
	v := visit{start: e.start, last: uint32(lastSecond(e)), who: ss.num | uint32(e.kind)<<visitSubjectBits}
	if e.flags&flagFrac != 0 {
		v.who |= visitFrac
	}
	return v
}

// indexEvent adds the visit of a stored event.
func (s *State) indexEvent(ss *subjectState, e *eventRec) {
	if ss.num >= maxSubjects {
		panic("hub: more subjects than the contact index can number")
	}
	pv := &s.slot(e).visits
	v := visitOf(ss, e)
	if d := int64(v.last) - int64(v.start); d > pv.maxDur {
		pv.maxDur = d
	}
	i, _ := pv.find(&v)
	pv.visits = insertAt(pv.visits, i, v)
}

// unindexEvent removes the visit of a stored event, before the event
// changes or goes.
func (s *State) unindexEvent(ss *subjectState, e *eventRec) {
	pv := &s.slot(e).visits
	v := visitOf(ss, e)
	if i, ok := pv.find(&v); ok {
		pv.visits = append(pv.visits[:i], pv.visits[i+1:]...)
	}
	if len(pv.visits) == 0 {
		*pv = placeVisits{}
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

// visitEvents calls fn for each event of the subject's list that the
// visit (and the ones that look the same) stands for.
func (s *State) visitEvents(slot *placeSlot, v *visit, fn func(ss *subjectState, e *eventRec) bool) bool {
	ss := s.subjects.at(v.subject())
	evs := s.evs(ss)
	i := sort.Search(len(evs), func(i int) bool { return int64(evs[i].start) >= int64(v.start) })
	for ; i < len(evs) && evs[i].start == v.start; i++ {
		e := &evs[i]
		if e.place != slot.idx || e.kind != v.kind() || uint32(lastSecond(e)) != v.last {
			continue
		}
		if !fn(ss, e) {
			return false
		}
	}
	return true
}

// overlapping calls fn for every event at the place that overlaps [lo, hi]
// (Unix nanoseconds), with its exact start and last instant, until fn
// returns false. ss and e are the subject and the stored event; they are
// nil when the index alone had the answer (a whole-second visit that no
// other looks like), so callers that need more than the subject, the kind
// and the times must use overlappingEvents.
func (s *State) overlapping(slot *placeSlot, lo, hi int64, fn func(v *visit, ss *subjectState, e *eventRec, start, last int64) bool) {
	pv := &slot.visits
	// Whole seconds that bound the window: visits are filtered on them,
	// then checked exactly.
	loSec, hiSec := floorDiv(lo, 1e9), floorDiv(hi, 1e9)
	first := loSec - pv.maxDur
	if first > loSec { // an open window's lower bound overflowed
		first = loSec
	}
	i := sort.Search(len(pv.visits), func(i int) bool { return int64(pv.visits[i].start) >= first })
	for i < len(pv.visits) && int64(pv.visits[i].start) <= hiSec {
		v := &pv.visits[i]
		same := 1 // visits that look like v follow it
		for i+same < len(pv.visits) && pv.visits[i+same] == *v {
			same++
		}
		i += same
		if int64(v.last) < loSec {
			continue
		}
		if same == 1 && !v.frac() {
			start, last := int64(v.start)*1e9, int64(v.last)*1e9
			if last < lo || start > hi {
				continue
			}
			if !fn(v, nil, nil, start, last) {
				return
			}
			continue
		}
		if !s.visitEvents(slot, v, func(ss *subjectState, e *eventRec) bool {
			start, last := s.startNs(e), s.lastNs(e)
			if last < lo || start > hi {
				return true
			}
			return fn(v, ss, e, start, last)
		}) {
			return
		}
	}
}

// overlappingEvents is overlapping with every event looked up.
func (s *State) overlappingEvents(slot *placeSlot, lo, hi int64, fn func(ss *subjectState, e *eventRec) bool) {
	s.overlapping(slot, lo, hi, func(v *visit, ss *subjectState, e *eventRec, _, _ int64) bool {
		if e != nil {
			return fn(ss, e)
		}
		return s.visitEvents(slot, v, fn)
	})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
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
// several records of either subject describe it, with the least of their
// kinds by name.
func (f *FSM) Contacts(subject string, from, to time.Time, minOverlap time.Duration) (*Contacts, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	id, _ := parseSubject(subject)
	ss := s.subjects.lookup(id)
	if ss == nil {
		return nil, false
	}
	out := &Contacts{Subject: subject, MinOverlapSeconds: int64(minOverlap / time.Second), Contacts: []Contact{}, Index: s.index}
	lo, hi := windowNanos(from, to)
	type seen struct {
		subject uint32
		place   uint32
		start   int64
		end     int64
	}
	var dup map[seen]int
	evs := s.evs(ss)
	for i := range evs {
		e := &evs[i]
		eStart, eEnd := s.startNs(e), s.lastNs(e)
		if e.kind == kindCarrierCity || eEnd < lo || eStart > hi {
			continue
		}
		slot := s.slot(e)
		loc := zoneFor(int32(e.offset) * 60)
		s.overlapping(slot, eStart, eEnd, func(v *visit, _ *subjectState, _ *eventRec, vStart, vEnd int64) bool {
			if v.subject() == ss.num || v.kind() == kindCarrierCity {
				return true
			}
			start, end := max(eStart, vStart), min(eEnd, vEnd)
			ov := end - start
			if ov <= 0 || ov < int64(minOverlap) {
				return true
			}
			// One meeting described by several records of either side is
			// reported once.
			k := seen{v.subject(), e.place, start, end}
			if dup == nil {
				dup = map[seen]int{}
			}
			if j, ok := dup[k]; ok {
				// The index's order is private to this replica: keep the
				// kind every replica would, the least by name.
				if c := &out.Contacts[j]; kindNames[v.kind()] < c.Kind {
					c.Kind = kindNames[v.kind()]
				}
				return true
			}
			dup[k] = len(out.Contacts)
			out.Contacts = append(out.Contacts, Contact{
				Subject: s.subjects.at(v.subject()).id.String(), Place: *slot.cur, Kind: kindNames[v.kind()],
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
	lo, hi := windowNanos(from, to)
	s.overlappingEvents(slot, lo, hi, func(ss *subjectState, e *eventRec) bool {
		out.Visits = append(out.Visits, s.public(ss, e))
		return true
	})
	sort.Slice(out.Visits, func(i, j int) bool { return visitLess(&out.Visits[i], &out.Visits[j]) })
	return out, true
}

// public renders a visit, finding its event in the subject's list for the
// record ID and the time zone it arrived in.
func (s *State) public(ss *subjectState, e *eventRec) Visit {
	loc := zoneFor(int32(e.offset) * 60)
	out := Visit{Subject: ss.id.String(), Kind: kindNames[e.kind],
		Source: schema.Source{System: s.sources.system(e.source), RecordID: string(s.rid(e))},
		Start:  time.Unix(0, s.startNs(e)).In(loc)}
	if e.end != 0 {
		out.End = time.Unix(0, s.endNs(e)).In(loc)
	}
	return out
}

// visitLess orders visits as every replica does: by start, then subject,
// kind, source system and record ID (which tell apart any two events at
// one place).
func visitLess(a, b *Visit) bool {
	switch {
	case !a.Start.Equal(b.Start):
		return a.Start.Before(b.Start)
	case a.Subject != b.Subject:
		return a.Subject < b.Subject
	case a.Kind != b.Kind:
		return a.Kind < b.Kind
	case a.Source.System != b.Source.System:
		return a.Source.System < b.Source.System
	}
	return a.Source.RecordID < b.Source.RecordID
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
			slot := s.places[id]
			place := *slot.cur
			s.overlappingEvents(slot, lo, hi, func(ss *subjectState, e *eventRec) bool {
				if !a.Until.IsZero() && s.startNs(e) >= hi {
					return true // the window is half-open: [from, until)
				}
				pub := s.public(ss, e)
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
		if x.Place.ID != y.Place.ID {
			return x.Place.ID < y.Place.ID
		}
		// Answers never follow the index's replica-private order.
		if x.Kind != y.Kind {
			return x.Kind < y.Kind
		}
		return x.End.Before(y.End)
	})
	return out, true
}
