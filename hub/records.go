package hub

import (
	"encoding/binary"
	"time"

	"github.com/codefed/codefed/schema"
)

// The stored forms of events and statuses. A node holds tens of millions of
// events, so they are kept in fixed-size, pointer-free records: the
// collector never scans them, and a slice of them is one allocation. What
// does not fit (record IDs, sub-second parts of times) lives in the state's
// record arena; strings that repeat (systems, regions, labels, reasons) are
// interned. Every stored record rebuilds exactly the v1 record it came from.

// eventRec is an event in 24 bytes. Times are Unix seconds; the rare
// sub-second parts are kept in the arena entry (flagFrac). The UTC offset the
// times arrived with is kept in minutes, which is all RFC 3339 can express.
type eventRec struct {
	start, end uint32 // Unix seconds; end 0 when the event is open (an instant)
	place      uint32 // index into State.placeList; no pointer, so event arrays are not scanned by the collector
	rec        uint32 // offset of the record ID (and sub-second parts) in State.rids
	source     uint32 // (source system, reporting region) pair, interned
	offset     int16  // minutes east of UTC of the original times
	kind       uint8
	flags      uint8
}

const (
	// flagFrac marks an event whose start or end has a sub-second part,
	// stored after its record ID in the arena.
	flagFrac = 1 << iota
)

// Unix second bounds of a storable event time: 1970-01-01T00:00:01Z up to
// 2106-02-07T06:28:15Z. Events outside them are refused as invalid.
const (
	minEventSecond = 1
	maxEventSecond = 1<<32 - 1
)

// eventTimesOK reports whether an event's times fit the stored form.
func eventTimesOK(e *schema.Event) bool {
	ok := func(t time.Time) bool {
		s := t.Unix()
		_, off := t.Zone()
		return s >= minEventSecond && s <= maxEventSecond && off%60 == 0
	}
	return ok(e.Start) && (e.End.IsZero() || ok(e.End))
}

// storeRec appends a record ID, and the sub-second parts of an event's
// times when either is nonzero, to the arena: a uvarint of len<<1|frac,
// the ID's bytes, then (when frac) two big-endian uint32 nanoseconds.
func (s *State) storeRec(id string, startNs, endNs uint32) uint32 {
	frac := startNs != 0 || endNs != 0
	if len(s.rids)+len(id)+binary.MaxVarintLen32+8 > 0xffffffff {
		// Validation bounds record IDs to 128 characters; an arena of 4 GiB
		// is far beyond what a node holds between sweeps.
		panic("hub: record arena overflow")
	}
	off := uint32(len(s.rids))
	h := uint64(len(id)) << 1
	if frac {
		h |= 1
	}
	s.rids = binary.AppendUvarint(s.rids, h)
	s.rids = append(s.rids, id...)
	if frac {
		s.rids = binary.BigEndian.AppendUint32(s.rids, startNs)
		s.rids = binary.BigEndian.AppendUint32(s.rids, endNs)
	}
	return off
}

// arenaEntry returns the record ID bytes at off (not to be modified) and the
// sub-second parts stored with them, if any.
func arenaEntry(arena []byte, off uint32) (id []byte, startNs, endNs uint32) {
	h, n := binary.Uvarint(arena[off:])
	p := uint64(off) + uint64(n)
	id = arena[p : p+h>>1]
	if h&1 != 0 {
		q := p + h>>1
		startNs = binary.BigEndian.Uint32(arena[q:])
		endNs = binary.BigEndian.Uint32(arena[q+4:])
	}
	return id, startNs, endNs
}

// arenaEntryLen is the size of the entry at off.
func arenaEntryLen(arena []byte, off uint32) int {
	h, n := binary.Uvarint(arena[off:])
	size := n + int(h>>1)
	if h&1 != 0 {
		size += 8
	}
	return size
}

// rid returns the event's record ID bytes; they must not be modified.
func (s *State) rid(e *eventRec) []byte {
	id, _, _ := arenaEntry(s.rids, e.rec)
	return id
}

// fracs returns the sub-second parts of an event's start and end.
func (s *State) fracs(e *eventRec) (uint32, uint32) {
	if e.flags&flagFrac == 0 {
		return 0, 0
	}
	_, a, b := arenaEntry(s.rids, e.rec)
	return a, b
}

// startNs and lastNs are an event's start and last instant (its end, or its
// start when open) in Unix nanoseconds.
func (s *State) startNs(e *eventRec) int64 {
	ns := int64(e.start) * 1e9
	if e.flags&flagFrac != 0 {
		a, _ := s.fracs(e)
		ns += int64(a)
	}
	return ns
}

func (s *State) endNs(e *eventRec) int64 {
	if e.end == 0 {
		return 0
	}
	ns := int64(e.end) * 1e9
	if e.flags&flagFrac != 0 {
		_, b := s.fracs(e)
		ns += int64(b)
	}
	return ns
}

func (s *State) lastNs(e *eventRec) int64 {
	if e.end == 0 {
		return s.startNs(e)
	}
	return s.endNs(e)
}

// lastSecond is an event's last instant rounded up to whole seconds: a bound
// that is exact for the common events without sub-second parts.
func lastSecond(e *eventRec) int64 {
	last := int64(e.end)
	if e.end == 0 {
		last = int64(e.start)
	}
	if e.flags&flagFrac != 0 {
		last++
	}
	return last
}

// splitNs splits Unix nanoseconds into seconds and the sub-second part.
func splitNs(ns int64) (uint32, uint32) {
	return uint32(ns / 1e9), uint32(ns % 1e9)
}

// statusRec is a regional status in 72 bytes. Optional parts (valid_until,
// the NAT and its sampling time, the vaccination) are marked in flags; the
// strings are interned codes; times are Unix nanoseconds and their offsets
// in minutes.
type statusRec struct {
	issued, valid, sampled          int64
	rec                             uint32 // record ID in the arena
	region, color, system           uint32 // atoms
	reasons                         uint32 // State.lists code; 0 is nil
	local                           uint32 // State.locals code; 0 is nil
	natResult, lab, lastDose        uint32 // atoms
	doses                           int32
	offIssued, offValid, offSampled int16
	flags                           uint8
}

const (
	statusValid = 1 << iota
	statusNAT
	statusSampled
	statusVaccination
	statusIssued
)

func zoneMinutes(t time.Time) int16 {
	_, off := t.Zone()
	return int16(off / 60)
}

// statusTimesOK reports whether a status's times keep their offsets in
// whole minutes, as RFC 3339 times always do.
func statusTimesOK(st *schema.Status) bool {
	whole := func(t time.Time) bool { _, off := t.Zone(); return off%60 == 0 }
	ok := whole(st.IssuedAt) && whole(st.ValidUntil)
	if st.NAT != nil {
		ok = ok && whole(st.NAT.SampledAt)
	}
	return ok
}

// packStatus stores st (whose record ID goes to the arena).
func (s *State) packStatus(st *schema.Status) statusRec {
	r := statusRec{
		region: s.atoms.code(st.Region), color: s.atoms.code(st.Color),
		system: s.atoms.code(st.Source.System), reasons: s.lists.code(st.Reasons),
		local: s.locals.code(st.Local),
	}
	r.rec = s.storeRec(st.Source.RecordID, 0, 0)
	if !st.IssuedAt.IsZero() {
		r.flags |= statusIssued
		r.issued, r.offIssued = st.IssuedAt.UnixNano(), zoneMinutes(st.IssuedAt)
	}
	if !st.ValidUntil.IsZero() {
		r.flags |= statusValid
		r.valid, r.offValid = st.ValidUntil.UnixNano(), zoneMinutes(st.ValidUntil)
	}
	if n := st.NAT; n != nil {
		r.flags |= statusNAT
		r.natResult, r.lab = s.atoms.code(n.Result), s.atoms.code(n.Lab)
		if !n.SampledAt.IsZero() {
			r.flags |= statusSampled
			r.sampled, r.offSampled = n.SampledAt.UnixNano(), zoneMinutes(n.SampledAt)
		}
	}
	if v := st.Vaccination; v != nil {
		r.flags |= statusVaccination
		r.doses, r.lastDose = int32(v.Doses), s.atoms.code(v.LastDoseAt)
	}
	return r
}

func timeAt(ns int64, offMinutes int16) time.Time {
	return time.Unix(0, ns).In(zoneFor(int32(offMinutes) * 60))
}

// status rebuilds the v1 status. Its Reasons and Local are shared with the
// state and must not be modified.
func (s *State) status(subject string, r *statusRec) schema.Status {
	id, _, _ := arenaEntry(s.rids, r.rec)
	st := schema.Status{
		Subject: subject, Region: s.atoms.name(r.region), Color: s.atoms.name(r.color),
		Reasons: s.lists.list(r.reasons), Local: s.locals.local(r.local),
		Source: schema.Source{System: s.atoms.name(r.system), RecordID: string(id)},
	}
	if r.flags&statusIssued != 0 {
		st.IssuedAt = timeAt(r.issued, r.offIssued)
	}
	if r.flags&statusValid != 0 {
		st.ValidUntil = timeAt(r.valid, r.offValid)
	}
	if r.flags&statusNAT != 0 {
		st.NAT = &schema.NAT{Result: s.atoms.name(r.natResult), Lab: s.atoms.name(r.lab)}
		if r.flags&statusSampled != 0 {
			st.NAT.SampledAt = timeAt(r.sampled, r.offSampled)
		}
	}
	if r.flags&statusVaccination != 0 {
		st.Vaccination = &schema.Vaccination{Doses: int(r.doses), LastDoseAt: s.atoms.name(r.lastDose)}
	}
	return st
}

// statusIssuedNs is the status's issue time, for last-writer-wins.
func statusIssuedNs(r *statusRec) int64 {
	if r.flags&statusIssued == 0 {
		return (time.Time{}).UnixNano()
	}
	return r.issued
}

// statusLastNs is when a status stops counting for retention: its
// valid_until, or its issue time when unbounded.
func statusLastNs(r *statusRec) int64 {
	if r.flags&statusValid != 0 {
		return r.valid
	}
	return statusIssuedNs(r)
}

// validUntil reports the status's valid_until in nanoseconds, if it has one.
func validUntil(r *statusRec) (int64, bool) { return r.valid, r.flags&statusValid != 0 }
