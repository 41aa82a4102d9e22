package hub

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/codefed/codefed/schema"
)

// Defaults of the merge rules.
const (
	DefaultRetention = 28 * 24 * time.Hour
	// exposureWindow is how far back a risk-area visit still derives yellow.
	exposureWindow = 14 * 24 * time.Hour
	// maxQuarantine bounds the quarantine; the oldest entries go first.
	maxQuarantine = 100_000
)

// Rejection is a record a region sent that was not accepted. It never holds
// the native record itself, only where it was and why it was refused, so it
// carries no raw document number.
type Rejection struct {
	Index int    `json:"index"`
	Ref   string `json:"ref,omitempty"`
	Field string `json:"field,omitempty"`
	Stage string `json:"stage,omitempty"`
	Error string `json:"error"`
}

// QuarantineEntry is a Rejection as stored, with the batch it came from.
type QuarantineEntry struct {
	ID      uint64    `json:"id"`
	BatchID string    `json:"batch_id"`
	Region  string    `json:"region"`
	Format  string    `json:"format,omitempty"`
	At      time.Time `json:"at"`
	Rejection
}

// State is the hub's replicated state: the merged records and their indexes.
// It is mutated only by Apply, in log order, and depends on nothing but the
// commands it was given: no wall clock, no randomness, and no map iteration
// order reaches the state or the digest.
type State struct {
	subjects subjectTable
	// eventPool and statusPool hold every subject's events and statuses
	// (pool.go).
	eventPool  pool[eventRec]
	statusPool pool[statusRec]
	places     map[string]*placeSlot
	riskAreas  map[string]schema.RiskArea
	// sources interns the events' (source system, reporting region)
	// pairs; atoms, lists and locals the strings of statuses.
	sources *sources
	atoms   *atoms
	lists   *lists
	locals  *locals
	// rids holds every event's and status's source record ID back to back
	// (records.go), so a record keeps an offset instead of a string header
	// and its own allocation. It is append-only between sweeps; a sweep
	// that purged more than half of it builds a new one (never rewriting
	// the old, which a snapshot may still be reading).
	rids []byte
	// placeList numbers places for the
	// pointer-free events and visits; freed numbers are reused.
	placeList  []*placeSlot
	freePlaces []uint32
	// Derived index (epi.go): place IDs by region. Each place holds its
	// visits.
	regionPlaces   map[string]map[string]bool
	quarantine     []QuarantineEntry
	quarantineNext uint64
	// feeds holds each pulled feed's committed cursor; certs the latest
	// certification of each format (feeds.go).
	feeds map[string]string
	certs map[string]*Certification

	index     uint64    // last applied log index
	now       time.Time // time of the last applied command
	retention time.Duration
	lastSweep int64 // day number of the last retention sweep

	digest digest
	// gen is bumped by every snapshot; a subjectState older than gen is
	// shared with a snapshot and is copied before it is changed.
	gen uint64

	counts counts
}

type counts struct {
	statuses, events int
}

// placeSlot interns a place: every event at the place shares the slot. A
// record bringing new details (name, coordinates) for the same ID replaces
// cur, never the struct cur points to, so a snapshot can keep the old one.
type placeSlot struct {
	id  string
	idx uint32 // position in State.placeList, which events refer to
	cur *schema.Place
	// seen is the number of the last sweep that found a live event here.
	seen int64
	// visits is the place's part of the contact index (epi.go).
	visits placeVisits
}

// NewState returns an empty state with the given retention window (0 means
// DefaultRetention).
func NewState(retention time.Duration) *State {
	if retention <= 0 {
		retention = DefaultRetention
	}
	return &State{
		subjects:     newSubjectTable(),
		places:       map[string]*placeSlot{},
		riskAreas:    map[string]schema.RiskArea{},
		sources:      newSources(),
		atoms:        newAtoms(),
		lists:        newLists(),
		locals:       newLocals(),
		regionPlaces: map[string]map[string]bool{},
		feeds:        map[string]string{},
		certs:        map[string]*Certification{},
		retention:    retention,
	}
}

// Index is the last applied log index.
func (s *State) Index() uint64 { return s.index }

// applyContext is what every handler needs besides the state.
type applyContext struct {
	index uint64
	now   time.Time
}

// RecordsResult is the outcome of a CommandRecords.
type RecordsResult struct {
	Statuses    int `json:"statuses"`    // statuses that became current
	Stale       int `json:"stale"`       // statuses older than or equal to the current one
	Events      int `json:"events"`      // events added or extended
	Duplicates  int `json:"duplicates"`  // events already known
	RiskAreas   int `json:"risk_areas"`  // risk areas added or changed
	Quarantined int `json:"quarantined"` // rejected records kept in quarantine
	// Invalid counts records the state machine refused (an event kind it
	// does not know); only a writer that skipped validation sends them.
	Invalid  int    `json:"invalid,omitempty"`
	FirstQID uint64 `json:"first_quarantine_id,omitempty"`
}

func applyRecords(s *State, c *applyContext, payload []byte) (any, error) {
	var cmd RecordsCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		return nil, fmt.Errorf("decode records command: %w", err)
	}
	return s.applyRecords(c, &cmd), nil
}

func (s *State) applyRecords(c *applyContext, cmd *RecordsCommand) RecordsResult {
	var res RecordsResult
	for i := range cmd.Statuses {
		if !statusTimesOK(&cmd.Statuses[i]) || !schema.IsSubject(cmd.Statuses[i].Subject) {
			res.Invalid++
			continue
		}
		if s.mergeStatus(&cmd.Statuses[i]) {
			res.Statuses++
		} else {
			res.Stale++
		}
	}
	for i := range cmd.Events {
		if _, ok := kindCode(cmd.Events[i].Kind); !ok || !eventTimesOK(&cmd.Events[i]) || !schema.IsSubject(cmd.Events[i].Subject) {
			// The API validates before proposing, so only a foreign or
			// newer writer gets here (or times outside 1970-2106); every
			// replica refuses the record the same way.
			res.Invalid++
			continue
		}
		if s.mergeEvent(&cmd.Events[i]) {
			res.Events++
		} else {
			res.Duplicates++
		}
	}
	for _, a := range cmd.RiskAreas {
		if s.mergeRiskArea(a) {
			res.RiskAreas++
		}
	}
	for _, r := range cmd.Rejected {
		id := s.quarantineNext + 1
		if res.Quarantined == 0 {
			res.FirstQID = id
		}
		s.addQuarantine(QuarantineEntry{ID: id, BatchID: cmd.BatchID, Region: cmd.Region, Format: cmd.Format, At: c.now, Rejection: r})
		res.Quarantined++
	}
	return res
}

// newer reports whether st wins over the stored r: greater (issued_at,
// record_id).
func (s *State) newer(st *schema.Status, r *statusRec) bool {
	if a, b := st.IssuedAt.UnixNano(), statusIssuedNs(r); a != b {
		return a > b
	}
	id, _, _ := arenaEntry(s.rids, r.rec)
	return st.Source.RecordID > string(id)
}

// mergeStatus applies last-writer-wins per (subject, region). It reports
// whether st became the current status.
func (s *State) mergeStatus(st *schema.Status) bool {
	id, ok := parseSubject(st.Subject)
	if !ok {
		return false // refused before (applyRecords)
	}
	if cur := s.subjects.lookup(id); cur != nil {
		sts := s.sts(cur)
		if i, ok := s.findStatus(sts, st.Region); ok && !s.newer(st, &sts[i]) {
			return false
		}
	}
	ss := s.subjectForWrite(id)
	rec := s.packStatus(st)
	sts := s.sts(ss)
	i, ok := s.findStatus(sts, st.Region)
	if ok {
		s.digest.remove(s.statusHash(st.Subject, &sts[i]))
		sts[i] = rec
	} else {
		s.statusPool.insert(&ss.statuses, i, rec)
		s.counts.statuses++
	}
	s.digest.add(s.statusHash(st.Subject, &rec))
	return true
}

func (s *State) findStatus(sts []statusRec, region string) (int, bool) {
	i := sort.Search(len(sts), func(i int) bool { return s.atoms.name(sts[i].region) >= region })
	return i, i < len(sts) && s.atoms.name(sts[i].region) == region
}

// internPlace returns the slot of p's ID, updating its details when the
// record brings different ones: the latest record wins.
func (s *State) internPlace(p schema.Place) *placeSlot {
	slot := s.places[p.ID]
	if slot != nil && *slot.cur == p {
		return slot
	}
	if slot == nil {
		slot = &placeSlot{id: p.ID}
		if n := len(s.freePlaces); n > 0 {
			slot.idx = s.freePlaces[n-1]
			s.freePlaces = s.freePlaces[:n-1]
			s.placeList[slot.idx] = slot
		} else {
			slot.idx = uint32(len(s.placeList))
			s.placeList = append(s.placeList, slot)
		}
		s.places[p.ID] = slot
	} else {
		s.digest.remove(placeHash(slot.cur))
		s.unindexPlace(slot)
	}
	slot.cur = &p
	s.digest.add(placeHash(slot.cur))
	s.indexPlace(slot)
	return slot
}

// eventKey is what makes an event unique within its subject; events are
// kept sorted by it, comparing strings so the order is the same on every
// replica whatever its atom codes.
type eventKey struct {
	start                 int64
	kind, placeID, system string
}

func (s *State) keyOf(e *eventRec) eventKey {
	return eventKey{s.startNs(e), kindNames[e.kind], s.slot(e).id, s.sources.system(e.source)}
}

func (s *State) compareEventKey(a *eventRec, k eventKey) int {
	if sec := k.start / 1e9; int64(a.start) != sec {
		// Stored times are at least 1 s after the epoch, so truncating
		// division orders seconds as floor would.
		return cmpInt(int64(a.start), sec)
	}
	if a.flags&flagFrac != 0 || k.start%1e9 != 0 {
		if st := s.startNs(a); st != k.start {
			return cmpInt(st, k.start)
		}
	}
	switch {
	case kindNames[a.kind] != k.kind:
		return strings.Compare(kindNames[a.kind], k.kind)
	case s.slot(a).id != k.placeID:
		return strings.Compare(s.slot(a).id, k.placeID)
	}
	return strings.Compare(s.sources.system(a.source), k.system)
}

// findEvent returns where the event with key k is, or would be inserted.
func (s *State) findEvent(evs []eventRec, k eventKey) (int, bool) {
	i := sort.Search(len(evs), func(i int) bool { return s.compareEventKey(&evs[i], k) >= 0 })
	return i, i < len(evs) && s.compareEventKey(&evs[i], k) == 0
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// mergeEvent adds an event to the set keyed by (subject, kind, place.id,
// start, source.system); a later record with the same key may only extend
// end. It reports whether anything changed.
func (s *State) mergeEvent(e *schema.Event) bool {
	start := e.Start.UnixNano()
	var end int64
	if !e.End.IsZero() {
		end = e.End.UnixNano()
	}
	key := eventKey{start, e.Kind, e.Place.ID, e.Source.System}
	kind, _ := kindCode(e.Kind) // applyRecords refused unknown kinds
	last := end
	if end == 0 {
		last = start
	}
	id, ok := parseSubject(e.Subject)
	if !ok {
		return false // refused before (applyRecords)
	}
	if cur := s.subjects.lookup(id); cur != nil {
		evs := s.evs(cur)
		if i, ok := s.findEvent(evs, key); ok && last <= s.lastNs(&evs[i]) {
			return false
		}
	}
	ss := s.subjectForWrite(id)
	i, ok := s.findEvent(s.evs(ss), key)
	startSec, startFrac := splitNs(start)
	endSec, endFrac := splitNs(end)
	if ok {
		old := &s.evs(ss)[i]
		s.digest.remove(s.eventHash(e.Subject, old))
		s.unindexEvent(ss, old)
		oldStartFrac, oldEndFrac := s.fracs(old)
		old.end = endSec
		if endFrac != oldEndFrac {
			// Arena entries are immutable (a snapshot may be reading
			// them): write the ID again with the new sub-second parts.
			old.rec = s.storeRec(string(s.rid(old)), oldStartFrac, endFrac)
			old.flags &^= flagFrac
			if oldStartFrac != 0 || endFrac != 0 {
				old.flags |= flagFrac
			}
		}
		s.digest.add(s.eventHash(e.Subject, old))
		s.indexEvent(ss, old)
		return true
	}
	_, off := e.Start.Zone()
	rec := eventRec{
		start: startSec, end: endSec, offset: int16(off / 60),
		kind: kind, place: s.internPlace(e.Place).idx,
		source: s.sources.code(e.Source.System, e.Region),
	}
	rec.rec = s.storeRec(e.Source.RecordID, startFrac, endFrac)
	if startFrac != 0 || endFrac != 0 {
		rec.flags |= flagFrac
	}
	s.eventPool.insert(&ss.events, i, rec)
	s.counts.events++
	s.digest.add(s.eventHash(e.Subject, &rec))
	s.indexEvent(ss, &s.evs(ss)[i])
	return true
}

func (s *State) mergeRiskArea(a schema.RiskArea) bool {
	if cur, ok := s.riskAreas[a.ID]; ok {
		if riskAreaEqual(cur, a) {
			return false
		}
		s.digest.remove(riskAreaHash(&cur))
	}
	s.riskAreas[a.ID] = a
	s.digest.add(riskAreaHash(&a))
	return true
}

func riskAreaEqual(a, b schema.RiskArea) bool {
	return a.ID == b.ID && a.Region == b.Region && a.Name == b.Name && a.Level == b.Level &&
		a.From.Equal(b.From) && a.Until.Equal(b.Until) && a.From.Format(time.RFC3339Nano) == b.From.Format(time.RFC3339Nano)
}

func (s *State) addQuarantine(q QuarantineEntry) {
	s.quarantineNext = q.ID
	s.quarantine = append(s.quarantine, q)
	s.digest.add(quarantineHash(&q))
	if over := len(s.quarantine) - maxQuarantine; over > 0 {
		for i := 0; i < over; i++ {
			s.digest.remove(quarantineHash(&s.quarantine[i]))
		}
		// Copy rather than reslice, so the dropped entries can be freed
		// and a snapshot holding the old slice is left untouched.
		s.quarantine = append([]QuarantineEntry(nil), s.quarantine[over:]...)
	}
}

// sweepDay numbers command-time days with the boundary at 19:00 UTC, 03:00
// in China: the sweep's pause then falls in the quietest hour of the
// regions it serves, not at 08:00 Beijing time when a UTC midnight
// boundary would put it, the morning peak of code checks.
func sweepDay(now time.Time) int64 {
	return (now.Unix() + 5*3600) / 86400
}

// sweep purges what is past the retention window at now: events that ended
// (or, when open, started) before now-retention, and statuses whose validity
// (or issue time, when unbounded) ended before it. It runs at most once per
// day of command time, so its cost is paid once a day, on every replica at
// the same log index.
func (s *State) sweep(now time.Time) {
	day := sweepDay(now)
	if day <= s.lastSweep {
		return
	}
	s.lastSweep = day
	cutoff := now.Add(-s.retention).UnixNano()
	defer s.compactRIDs()
	defer s.sweepRest(cutoff, day)
	var purge []subjectID
	s.subjects.each(func(cur *subjectState) {
		expired := 0
		evs, sts := s.evs(cur), s.sts(cur)
		for i := range evs {
			if s.lastNs(&evs[i]) >= cutoff {
				s.slot(&evs[i]).seen = day
			} else {
				expired++
			}
		}
		for i := range sts {
			if statusLastNs(&sts[i]) < cutoff {
				expired++
			}
		}
		if expired > 0 {
			purge = append(purge, cur.id)
		}
	})
	for _, id := range purge {
		ss := s.subjectForWrite(id)
		subject := id.String()
		all, kept := s.evs(ss), 0
		for i := range all {
			if s.lastNs(&all[i]) < cutoff {
				s.digest.remove(s.eventHash(subject, &all[i]))
				s.unindexEvent(ss, &all[i])
				s.counts.events--
				continue
			}
			all[kept] = all[i]
			kept++
		}
		ss.events.len = uint32(kept)
		sts, keptSts := s.sts(ss), 0
		for i := range sts {
			if statusLastNs(&sts[i]) < cutoff {
				s.digest.remove(s.statusHash(subject, &sts[i]))
				s.counts.statuses--
				continue
			}
			sts[keptSts] = sts[i]
			keptSts++
		}
		ss.statuses.len = uint32(keptSts)
		if kept == 0 && keptSts == 0 {
			s.removeSubject(ss)
		}
	}
}

// slot returns the place of an event.
func (s *State) slot(e *eventRec) *placeSlot { return s.placeList[e.place] }

// compactRIDs builds a new arena holding only live records' entries when
// purged ones make up more than half of the old one.
func (s *State) compactRIDs() {
	live := 0
	s.subjects.each(func(ss *subjectState) {
		for _, e := range s.evs(ss) {
			live += arenaEntryLen(s.rids, e.rec)
		}
		for _, st := range s.sts(ss) {
			live += arenaEntryLen(s.rids, st.rec)
		}
	})
	if live*2 >= len(s.rids) {
		return
	}
	fresh := make([]byte, 0, live+live/8)
	move := func(off uint32) uint32 {
		n := uint32(len(fresh))
		fresh = append(fresh, s.rids[off:off+uint32(arenaEntryLen(s.rids, off))]...)
		return n
	}
	var ids []subjectID
	s.subjects.each(func(ss *subjectState) { ids = append(ids, ss.id) })
	for _, id := range ids {
		ss := s.subjectForWrite(id)
		evs, sts := s.evs(ss), s.sts(ss)
		for i := range evs {
			evs[i].rec = move(evs[i].rec)
		}
		for i := range sts {
			sts[i].rec = move(sts[i].rec)
		}
	}
	s.rids = fresh
}

// sweepRest drops places no live event refers to, risk areas whose window
// closed before the cutoff, and quarantine entries older than it.
func (s *State) sweepRest(cutoff, day int64) {
	for id, p := range s.places {
		if p.seen != day {
			s.digest.remove(placeHash(p.cur))
			s.unindexPlace(p)
			delete(s.places, id)
			s.placeList[p.idx] = nil
			s.freePlaces = append(s.freePlaces, p.idx)
		}
	}
	for id, a := range s.riskAreas {
		if !a.Until.IsZero() && a.Until.UnixNano() < cutoff {
			s.digest.remove(riskAreaHash(&a))
			delete(s.riskAreas, id)
		}
	}
	drop := 0
	for drop < len(s.quarantine) && s.quarantine[drop].At.UnixNano() < cutoff {
		s.digest.remove(quarantineHash(&s.quarantine[drop]))
		drop++
	}
	if drop > 0 {
		s.quarantine = append([]QuarantineEntry(nil), s.quarantine[drop:]...)
	}
}

// zones caches fixed zones by offset so that rebuilt times print the offset
// they arrived with.
var zones = map[int32]*time.Location{}

func zoneFor(off int32) *time.Location {
	if off == 0 {
		return time.UTC
	}
	if z, ok := zones[off]; ok {
		return z
	}
	return time.FixedZone("", int(off))
}

func init() {
	// Pre-build the zones every Chinese region uses, so zoneFor is read-only
	// (and safe for concurrent readers) for them.
	for _, h := range []int32{8, 9, 1, 2, 3, -4, -5} {
		zones[h*3600] = time.FixedZone("", int(h*3600))
	}
}

// event rebuilds the v1 event.
func (s *State) event(subject string, e *eventRec) schema.Event {
	loc := zoneFor(int32(e.offset) * 60)
	ev := schema.Event{
		Subject: subject,
		Region:  s.sources.region(e.source),
		Kind:    kindNames[e.kind],
		Place:   *s.slot(e).cur,
		Start:   time.Unix(0, s.startNs(e)).In(loc),
		Source:  schema.Source{System: s.sources.system(e.source), RecordID: string(s.rid(e))},
	}
	if e.end != 0 {
		ev.End = time.Unix(0, s.endNs(e)).In(loc)
	}
	return ev
}
