package hub

import (
	"encoding/hex"
	"slices"

	"github.com/codefed/codefed/schema"
)

// The subject table. A node holds a million subjects or more, so they are
// kept as values in fixed-size chunks, numbered, and found through a map
// from their 32-byte pseudonym to their number: neither the map nor the
// chunks' headers hold strings, and the collector has a handful of large
// objects to look at instead of millions of small ones.
//
// Snapshots share the chunks: taking one bumps State.gen, and the first
// write to a chunk older than that copies the chunk (and, as before, the
// first write to a subject copies its events and statuses).

// subjectID is a subject pseudonym in binary; its hex form is the subject.
type subjectID [32]byte

func (id *subjectID) String() string { return hex.EncodeToString(id[:]) }

// parseSubject reads a subject: 64 lowercase hex digits.
func parseSubject(s string) (subjectID, bool) {
	var id subjectID
	if !schema.IsSubject(s) {
		return id, false
	}
	_, err := hex.Decode(id[:], []byte(s))
	return id, err == nil
}

type subjectState struct {
	id subjectID
	// gen is the snapshot generation the subject's slices belong to; a
	// subject older than State.gen shares them with a snapshot.
	gen uint64
	// num is the subject's number (its position in the table), which the
	// place index refers to; a free slot holds freeSlot.
	num uint32
	// statuses (at most one per region, sorted by region name) and events
	// (sorted by start, then key) are runs of the state's pools.
	statuses run
	events   run
}

const (
	chunkBits = 12
	chunkSize = 1 << chunkBits
	freeSlot  = ^uint32(0)
)

// subjectTable numbers subjects and holds them.
type subjectTable struct {
	byID     map[subjectID]uint32
	chunks   [][]subjectState
	chunkGen []uint64 // generation each chunk was copied at
	free     []uint32
	next     uint32 // slots handed out so far
}

func newSubjectTable() subjectTable { return subjectTable{byID: map[subjectID]uint32{}} }

// at returns subject num for reading.
func (t *subjectTable) at(num uint32) *subjectState {
	return &t.chunks[num>>chunkBits][num&(chunkSize-1)]
}

// lookup returns the subject with the given pseudonym, or nil.
func (t *subjectTable) lookup(id subjectID) *subjectState {
	num, ok := t.byID[id]
	if !ok {
		return nil
	}
	return t.at(num)
}

// writable returns slot num ready to be changed, copying its chunk first
// when a snapshot of generation gen or later may still read it.
func (t *subjectTable) writable(num uint32, gen uint64) *subjectState {
	c := num >> chunkBits
	if t.chunkGen[c] < gen {
		t.chunks[c] = slices.Clone(t.chunks[c])
		t.chunkGen[c] = gen
	}
	return &t.chunks[c][num&(chunkSize-1)]
}

// add numbers a new subject, reusing a freed slot.
func (t *subjectTable) add(id subjectID, gen uint64) *subjectState {
	var num uint32
	if n := len(t.free); n > 0 {
		num = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		num = t.next
		if num >= maxSubjects {
			panic("hub: more subjects than the contact index can number")
		}
		t.next++
		if int(num>>chunkBits) == len(t.chunks) {
			t.chunks = append(t.chunks, make([]subjectState, chunkSize))
			t.chunkGen = append(t.chunkGen, gen)
		}
	}
	t.byID[id] = num
	ss := t.writable(num, gen)
	*ss = subjectState{id: id, gen: gen, num: num}
	return ss
}

// remove frees a subject's slot.
func (t *subjectTable) remove(ss *subjectState) {
	delete(t.byID, ss.id)
	t.free = append(t.free, ss.num)
	*ss = subjectState{num: freeSlot}
}

// each calls fn for every subject in number order.
func (t *subjectTable) each(fn func(ss *subjectState)) {
	for num := uint32(0); num < t.next; num++ {
		if ss := t.at(num); ss.num == num {
			fn(ss)
		}
	}
}

// view returns a copy of the table's chunk list for a snapshot: the
// chunks themselves are shared until written (see writable).
func (t *subjectTable) view() subjectTable {
	return subjectTable{chunks: slices.Clone(t.chunks), next: t.next}
}

// subjectForWrite returns the subject's state ready to be changed, creating
// it, and copying what a snapshot still shares, as needed.
func (s *State) subjectForWrite(id subjectID) *subjectState {
	num, ok := s.subjects.byID[id]
	if !ok {
		return s.subjects.add(id, s.gen)
	}
	ss := s.subjects.writable(num, s.gen)
	if ss.gen < s.gen {
		ss.statuses = s.statusPool.clone(ss.statuses)
		ss.events = s.eventPool.clone(ss.events)
		ss.gen = s.gen
	}
	return ss
}

// evs and sts return a subject's events and statuses. Changing them in
// place is for subjects returned by subjectForWrite only.
func (s *State) evs(ss *subjectState) []eventRec  { return s.eventPool.slice(ss.events) }
func (s *State) sts(ss *subjectState) []statusRec { return s.statusPool.slice(ss.statuses) }

// removeSubject frees a subject and its runs.
func (s *State) removeSubject(ss *subjectState) {
	s.eventPool.free(ss.events)
	s.statusPool.free(ss.statuses)
	s.subjects.remove(ss)
}

// compactPools moves live runs out of mostly empty chunks when abandoned
// space has grown large (after bulk loads: runs move as they grow). It
// changes where runs lie, never what they hold.
func (s *State) compactPools() {
	ev, st := s.eventPool.worthCompacting(), s.statusPool.worthCompacting()
	if !ev && !st {
		return
	}
	var evVictims, stVictims []bool
	if ev {
		evVictims = s.eventPool.victims()
	}
	if st {
		stVictims = s.statusPool.victims()
	}
	in := func(v []bool, r run) bool { return r.cap > 0 && int(r.chunk) < len(v) && v[r.chunk] }
	for num := uint32(0); num < s.subjects.next; num++ {
		cur := s.subjects.at(num)
		if cur.num != num || (!in(evVictims, cur.events) && !in(stVictims, cur.statuses)) {
			continue
		}
		ss := s.subjects.writable(num, s.gen)
		if in(evVictims, ss.events) {
			ss.events = s.eventPool.move(ss.events)
		}
		if in(stVictims, ss.statuses) {
			ss.statuses = s.statusPool.move(ss.statuses)
		}
	}
	if ev {
		s.eventPool.drop(evVictims)
	}
	if st {
		s.statusPool.drop(stVictims)
	}
}
