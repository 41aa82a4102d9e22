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

// visit is one event as the place index sees it: 20 bytes, no pointer.
// Times are whole seconds, the last one rounded up when the event has
// sub-second parts (flagged, and looked up in the subject's list when an
// answer needs them exactly); the record ID and time zone are not repeated
// here either.
type visit struct {
	start, last uint32 // Unix seconds: start, and end (start when open) rounded up
	startFrac   uint32 // sub-second part of start, part of the visit's key
	who         uint32 // subject number (low 28 bits), kind (3 bits), frac flag (top bit)
	source      uint32 // State.sources code
}

const (
	visitSubjectBits = 28
	visitFrac        = 1 << 31
	maxSubjects      = 1 << visitSubjectBits
)

func (v *visit) subject() uint32 { return v.who & (maxSubjects - 1) }
func (v *visit) kind() uint8     { return uint8(v.who >> visitSubjectBits & 7) }
func (v *visit) frac() bool      { return v.who&visitFrac != 0 }

// placeVisits holds the visits of one place sorted by (start, subject, kind,
// system), comparing names so every replica has the same order. maxDur, the
// longest visit ever indexed here in seconds, bounds how far before a window
// a visit overlapping it can start; it never shrinks, which only costs a
// little scanning after long visits are purged.
type placeVisits struct {
	visits []visit
	maxDur int64
}

type visitKey struct {
	start, startFrac      uint32
	subject, kind, system string
}

func (s *State) compareVisit(v *visit, k *visitKey) int {
	switch {
	case v.start != k.start:
		return cmpInt(int64(v.start), int64(k.start))
	case v.startFrac != k.startFrac:
		return cmpInt(int64(v.startFrac), int64(k.startFrac))
	case s.subjectList[v.subject()].id != k.subject:
		return strings.Compare(s.subjectList[v.subject()].id, k.subject)
	case kindNames[v.kind()] != k.kind:
		return strings.Compare(kindNames[v.kind()], k.kind)
	}
	return strings.Compare(s.sources.system(v.source), k.system)
}

func (s *State) findVisit(pv *placeVisits, k *visitKey) (int, bool) {
	i := sort.Search(len(pv.visits), func(i int) bool { return s.compareVisit(&pv.visits[i], k) >= 0 })
	return i, i < len(pv.visits) && s.compareVisit(&pv.visits[i], k) == 0
}

func (s *State) visitKeyOf(ss *subjectState, e *eventRec) visitKey {
	startFrac, _ := s.fracs(e)
	return visitKey{e.start, startFrac, ss.id, kindNames[e.kind], s.sources.system(e.source)}
}

// indexEvent adds or updates the visit of a stored event.
func (s *State) indexEvent(ss *subjectState, e *eventRec) {
	if ss.num >= maxSubjects {
		panic("hub: more subjects than the contact index can number")
	}
	pv := &s.slot(e).visits
	k := s.visitKeyOf(ss, e)
	v := visit{start: e.start, last: uint32(lastSecond(e)), startFrac: k.startFrac, source: e.source,
		who: ss.num | uint32(e.kind)<<visitSubjectBits}
	if e.flags&flagFrac != 0 {
		v.who |= visitFrac
	}
	if d := int64(v.last) - int64(v.start); d > pv.maxDur {
		pv.maxDur = d
	}
	i, ok := s.findVisit(pv, &k)
	if ok {
		pv.visits[i] = v
		return
	}
	pv.visits = insertAt(pv.visits, i, v)
}

// unindexEvent removes the visit of an event being purged.
func (s *State) unindexEvent(ss *subjectState, e *eventRec) {
	pv := &s.slot(e).visits
	k := s.visitKeyOf(ss, e)
	if i, ok := s.findVisit(pv, &k); ok {
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

// visitEvent finds the stored event a visit at place stands for.
func (s *State) visitEvent(placeID string, v *visit) (*subjectState, *eventRec) {
	ss := s.subjectList[v.subject()]
	k := eventKey{int64(v.start)*1e9 + int64(v.startFrac), kindNames[v.kind()], placeID, s.sources.system(v.source)}
	i, ok := s.findEvent(ss.events, k)
	if !ok {
		panic("hub: contact index names an event its subject does not hold")
	}
	return ss, &ss.events[i]
}

// visitTimes returns a visit's start and last instant in Unix nanoseconds,
// exactly.
func (s *State) visitTimes(placeID string, v *visit) (int64, int64) {
	if !v.frac() {
		return int64(v.start) * 1e9, int64(v.last) * 1e9
	}
	_, e := s.visitEvent(placeID, v)
	return s.startNs(e), s.lastNs(e)
}

// overlapping calls fn for every visit at the place that overlaps [lo, hi]
// (Unix nanoseconds), in index order, until fn returns false. The visit's
// exact start and last instant are passed along.
func (s *State) overlapping(slot *placeSlot, lo, hi int64, fn func(v *visit, start, last int64) bool) {
	pv := &slot.visits
	// Whole seconds that bound the window: visits are filtered on them,
	// then checked exactly.
	loSec, hiSec := floorDiv(lo, 1e9), floorDiv(hi, 1e9)
	first := loSec - pv.maxDur
	if first > loSec { // an open window's lower bound overflowed
		first = loSec
	}
	i := sort.Search(len(pv.visits), func(i int) bool { return int64(pv.visits[i].start) >= first })
	for ; i < len(pv.visits) && int64(pv.visits[i].start) <= hiSec; i++ {
		v := &pv.visits[i]
		if int64(v.last) < loSec {
			continue
		}
		start, last := s.visitTimes(slot.id, v)
		if last < lo || start > hi {
			continue
		}
		if !fn(v, start, last) {
			return
		}
	}
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
		subject uint32
		place   uint32
		start   int64
		end     int64
	}
	var dup map[seen]bool
	for i := range ss.events {
		e := &ss.events[i]
		eStart, eEnd := s.startNs(e), s.lastNs(e)
		if e.kind == kindCarrierCity || eEnd < lo || eStart > hi {
			continue
		}
		slot := s.slot(e)
		loc := zoneFor(int32(e.offset) * 60)
		s.overlapping(slot, eStart, eEnd, func(v *visit, vStart, vEnd int64) bool {
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
				dup = map[seen]bool{}
			}
			if dup[k] {
				return true
			}
			dup[k] = true
			out.Contacts = append(out.Contacts, Contact{
				Subject: s.subjectList[v.subject()].id, Place: *slot.cur, Kind: kindNames[v.kind()],
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
	s.overlapping(slot, lo, hi, func(v *visit, _, _ int64) bool {
		out.Visits = append(out.Visits, s.public(placeID, v))
		return true
	})
	return out, true
}

// public renders a visit, finding its event in the subject's list for the
// record ID and the time zone it arrived in.
func (s *State) public(placeID string, v *visit) Visit {
	ss, e := s.visitEvent(placeID, v)
	loc := zoneFor(int32(e.offset) * 60)
	out := Visit{Subject: ss.id, Kind: kindNames[e.kind],
		Source: schema.Source{System: s.sources.system(e.source), RecordID: string(s.rid(e))},
		Start:  time.Unix(0, s.startNs(e)).In(loc)}
	if e.end != 0 {
		out.End = time.Unix(0, s.endNs(e)).In(loc)
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
			slot := s.places[id]
			place := *slot.cur
			s.overlapping(slot, lo, hi, func(v *visit, start, _ int64) bool {
				if !a.Until.IsZero() && start >= hi {
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
