package hub

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/schema"
)

// FSM is the hub's state machine as the federation layer drives it: it
// applies committed commands in log order, snapshots, and restores. Queries
// read the same state under a read lock.
type FSM struct {
	mu    sync.RWMutex
	state *State
	// applied is closed and replaced at every applied index, so readers can
	// wait for an index without polling.
	applied chan struct{}
}

// NewFSM returns an FSM over an empty state with the given retention.
func NewFSM(retention time.Duration) *FSM {
	return &FSM{state: NewState(retention), applied: make(chan struct{})}
}

// CommandResult is the encoded answer to one command: Result on success,
// Error when the command was refused without changing the state.
type CommandResult struct {
	Result json.RawMessage `json:"result,omitempty"`
	Error  string          `json:"error,omitempty"`
}

// Apply applies the commands of one log entry committed at index, at the
// time its proposer stamped on it. It returns one encoded CommandResult per
// command. A command type this server does not know stops the process
// (unless the type is flagged ignorable): a replica that skipped it would
// silently diverge from the others.
func (f *FSM) Apply(index uint64, now time.Time, cmds [][]byte) [][]byte {
	f.mu.Lock()
	s := f.state
	c := &applyContext{index: index, now: now}
	s.sweep(now)
	out := make([][]byte, len(cmds))
	for i, cmd := range cmds {
		out[i] = encodeResult(s.apply(c, cmd))
	}
	s.compactPools()
	s.index = index
	if now.After(s.now) {
		s.now = now
	}
	ch := f.applied
	f.applied = make(chan struct{})
	f.mu.Unlock()
	close(ch)
	return out
}

func (s *State) apply(c *applyContext, cmd []byte) (any, error) {
	if len(cmd) < 2 {
		return nil, errors.New("command too short")
	}
	t, version := CommandType(cmd[0]), cmd[1]
	h, ok := handlers[t]
	if !ok || version != commandVersion {
		if t&ignoreUnknown != 0 {
			return nil, fmt.Errorf("ignored unknown command type %d", t)
		}
		panic(&UnknownCommandError{Type: t, Version: version})
	}
	return h(s, c, cmd[2:])
}

func encodeResult(v any, err error) []byte {
	var r CommandResult
	if err != nil {
		r.Error = err.Error()
	} else if b, merr := json.Marshal(v); merr != nil {
		r.Error = merr.Error()
	} else {
		r.Result = b
	}
	b, _ := json.Marshal(r)
	return b
}

// AppliedIndex is the last index applied to the state.
func (f *FSM) AppliedIndex() uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.index
}

// WaitApplied returns a channel that is closed once index has been applied.
func (f *FSM) WaitApplied(index uint64) <-chan struct{} {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.state.index >= index {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	return f.applied
}

// Digest returns the hash of the canonical state and the index it is at.
// Replicas at the same index have the same digest.
func (f *FSM) Digest() (index uint64, digest string) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.index, f.state.digest.String()
}

// Counts returns how many subjects, statuses, events, risk areas and
// quarantined records the state holds.
func (f *FSM) Counts() map[string]int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	s := f.state
	return map[string]int{
		"subjects": len(s.subjects.byID), "statuses": s.counts.statuses, "events": s.counts.events,
		"places": len(s.places), "risk_areas": len(s.riskAreas), "quarantine": len(s.quarantine),
	}
}

// SnapshotState captures the state at the current index. It is cheap: it copies
// the top-level maps and marks every subject as shared, so later writes
// copy a subject before changing it. The returned snapshot streams the
// captured state while the FSM keeps applying.
func (f *FSM) SnapshotState() (federation.StateSnapshot, error) {
	return f.Snapshot()
}

// Snapshot is SnapshotState with its concrete type.
func (f *FSM) Snapshot() (*Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.state
	s.gen++
	snap := &Snapshot{
		header: snapshotHeader{
			Format: snapshotFormat, Version: snapshotVersion,
			Index: s.index, Now: s.now, LastSweep: s.lastSweep, QuarantineNext: s.quarantineNext,
			Retention: s.retention, Digest: s.digest.String(),
		},
		subjects:   s.subjects.view(),
		places:     make(map[string]*schema.Place, len(s.places)),
		riskAreas:  make(map[string]schema.RiskArea, len(s.riskAreas)),
		quarantine: s.quarantine[:len(s.quarantine):len(s.quarantine)],
		// The interning tables and the record arena are append-only: the
		// prefixes captured here stay valid while Apply adds more.
		view: &State{
			rids:    s.rids[:len(s.rids):len(s.rids)],
			sources: &sources{names: prefix(s.sources.names)},
			atoms:   &atoms{names: prefix(s.atoms.names)},
			lists:   &lists{lists: prefix(s.lists.lists)},
			locals:  &locals{vals: prefix(s.locals.vals)},
			// Runs a snapshot reads are never rewritten (pool.go).
			eventPool:  s.eventPool.view(),
			statusPool: s.statusPool.view(),
		},
		// Place numbers are reused after a sweep; keep the IDs as they are now.
		placeIDs: make([]string, len(s.placeList)),
	}
	for i, slot := range s.placeList {
		if slot != nil {
			snap.placeIDs[i] = slot.id
		}
	}
	for k, v := range s.places {
		snap.places[k] = v.cur
	}
	for k, v := range s.riskAreas {
		snap.riskAreas[k] = v
	}
	// Certifications are replaced, never changed in place: sharing the
	// pointers is safe.
	snap.feeds, snap.certs = maps.Clone(s.feeds), maps.Clone(s.certs)
	return snap, nil
}

func prefix[T any](s []T) []T { return s[:len(s):len(s)] }

const snapshotFormat = "codefed-hub-snapshot"

// snapshotVersion 2 added feed cursors and certifications; version 1
// snapshots (which have neither) still restore.
const snapshotVersion = 2

type snapshotHeader struct {
	Format         string        `json:"format"`
	Version        int           `json:"version"`
	Index          uint64        `json:"index"`
	Now            time.Time     `json:"now"`
	LastSweep      int64         `json:"last_sweep"`
	QuarantineNext uint64        `json:"quarantine_next"`
	Retention      time.Duration `json:"retention"`
	Digest         string        `json:"digest"`
}

// Snapshot is a point-in-time copy of the state being written out.
type Snapshot struct {
	header     snapshotHeader
	subjects   subjectTable
	places     map[string]*schema.Place
	riskAreas  map[string]schema.RiskArea
	quarantine []QuarantineEntry
	feeds      map[string]string
	certs      map[string]*Certification
	// view holds the record arena and interning tables as they were, to
	// rebuild records from.
	view     *State
	placeIDs []string
}

// snapshotLine is one line of the snapshot stream; exactly one field is set.
type snapshotLine struct {
	Place         *schema.Place    `json:"place,omitempty"`
	Subject       *snapshotSubject `json:"subject,omitempty"`
	RiskArea      *schema.RiskArea `json:"risk_area,omitempty"`
	Quarantine    *QuarantineEntry `json:"quarantine,omitempty"`
	Feed          *FeedCursor      `json:"feed,omitempty"`
	Certification *Certification   `json:"certification,omitempty"`
}

type snapshotSubject struct {
	ID       string          `json:"id"`
	Statuses []schema.Status `json:"statuses,omitempty"`
	Events   []snapshotEvent `json:"events,omitempty"`
}

type snapshotEvent struct {
	Start    int64  `json:"s"`
	End      int64  `json:"e,omitempty"`
	Offset   int32  `json:"o,omitempty"`
	Kind     string `json:"k"`
	Place    string `json:"p"`
	Region   string `json:"r"`
	System   string `json:"y"`
	RecordID string `json:"i"`
}

// Persist writes the snapshot as JSON lines in a canonical order: a header,
// then places, subjects, risk areas (each sorted by ID) and quarantine
// entries (in arrival order). Records are written one by one; the state is
// never rendered as one document in memory.
func (sn *Snapshot) Persist(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(sn.header); err != nil {
		return fmt.Errorf("write snapshot header: %w", err)
	}
	for _, id := range sortedKeys(sn.places) {
		if err := enc.Encode(snapshotLine{Place: sn.places[id]}); err != nil {
			return fmt.Errorf("write snapshot place: %w", err)
		}
	}
	line := snapshotSubject{}
	v := sn.view
	// Subjects go out sorted by pseudonym; the table's order is private.
	order := make([]*subjectState, 0, len(sn.subjects.chunks)*chunkSize)
	sn.subjects.each(func(ss *subjectState) { order = append(order, ss) })
	slices.SortFunc(order, func(a, b *subjectState) int { return bytes.Compare(a.id[:], b.id[:]) })
	for _, ss := range order {
		id := ss.id.String()
		line.ID, line.Statuses, line.Events = id, line.Statuses[:0], line.Events[:0]
		sts, evs := v.sts(ss), v.evs(ss)
		for i := range sts {
			line.Statuses = append(line.Statuses, v.status(id, &sts[i]))
		}
		for i := range evs {
			e := &evs[i]
			line.Events = append(line.Events, snapshotEvent{
				Start: v.startNs(e), End: v.endNs(e), Offset: int32(e.offset) * 60, Kind: kindNames[e.kind], Place: sn.placeIDs[e.place],
				Region: v.sources.region(e.source), System: v.sources.system(e.source),
				RecordID: string(v.rid(e)),
			})
		}
		if err := enc.Encode(snapshotLine{Subject: &line}); err != nil {
			return fmt.Errorf("write snapshot subject: %w", err)
		}
	}
	for _, id := range sortedKeys(sn.riskAreas) {
		a := sn.riskAreas[id]
		if err := enc.Encode(snapshotLine{RiskArea: &a}); err != nil {
			return fmt.Errorf("write snapshot risk area: %w", err)
		}
	}
	for i := range sn.quarantine {
		if err := enc.Encode(snapshotLine{Quarantine: &sn.quarantine[i]}); err != nil {
			return fmt.Errorf("write snapshot quarantine: %w", err)
		}
	}
	for _, feed := range sortedKeys(sn.feeds) {
		if err := enc.Encode(snapshotLine{Feed: &FeedCursor{feed, sn.feeds[feed]}}); err != nil {
			return fmt.Errorf("write snapshot feed: %w", err)
		}
	}
	for _, format := range sortedKeys(sn.certs) {
		if err := enc.Encode(snapshotLine{Certification: sn.certs[format]}); err != nil {
			return fmt.Errorf("write snapshot certification: %w", err)
		}
	}
	return bw.Flush()
}

// Release frees the snapshot's references.
func (sn *Snapshot) Release() {
	sn.subjects, sn.places, sn.riskAreas, sn.quarantine, sn.view = subjectTable{}, nil, nil, nil, nil
	sn.feeds, sn.certs = nil, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Restore replaces the whole state with the one in the snapshot stream. The
// rebuilt state's digest must equal the one recorded in the header, or the
// restore fails and the current state is kept.
func (f *FSM) Restore(r io.Reader) error {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 256<<10))
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return fmt.Errorf("read snapshot header: %w", err)
	}
	if h.Format != snapshotFormat || h.Version < 1 || h.Version > snapshotVersion {
		return fmt.Errorf("snapshot format %q version %d is not supported", h.Format, h.Version)
	}
	s := NewState(h.Retention)
	s.index, s.now, s.lastSweep, s.quarantineNext = h.Index, h.Now, h.LastSweep, h.QuarantineNext
	for n := 1; ; n++ {
		var line snapshotLine
		if err := dec.Decode(&line); err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("read snapshot record %d: %w", n, err)
		}
		switch {
		case line.Place != nil:
			s.internPlace(*line.Place)
		case line.Subject != nil:
			if err := s.restoreSubject(line.Subject); err != nil {
				return fmt.Errorf("snapshot record %d: %w", n, err)
			}
		case line.RiskArea != nil:
			s.mergeRiskArea(*line.RiskArea)
		case line.Quarantine != nil:
			s.quarantine = append(s.quarantine, *line.Quarantine)
			s.digest.add(quarantineHash(line.Quarantine))
		case line.Feed != nil:
			s.setFeedCursor(line.Feed.Feed, line.Feed.Cursor)
		case line.Certification != nil:
			s.setCertification(line.Certification)
		default:
			return fmt.Errorf("snapshot record %d is empty", n)
		}
	}
	if got := s.digest.String(); got != h.Digest {
		return fmt.Errorf("snapshot at index %d is corrupt: digest %s, header says %s", h.Index, got, h.Digest)
	}
	f.mu.Lock()
	f.state = s
	ch := f.applied
	f.applied = make(chan struct{})
	f.mu.Unlock()
	close(ch)
	return nil
}

func (s *State) restoreSubject(line *snapshotSubject) error {
	id, ok := parseSubject(line.ID)
	if !ok {
		return fmt.Errorf("subject %.16q is not a subject", line.ID)
	}
	if s.subjects.lookup(id) != nil {
		return fmt.Errorf("subject %s appears twice", line.ID)
	}
	ss := s.subjects.add(id, s.gen)
	ss.statuses = s.statusPool.alloc(uint32(len(line.Statuses)))
	ss.statuses.len = ss.statuses.cap
	sts := s.sts(ss)
	for i := range line.Statuses {
		st := &line.Statuses[i]
		if st.Subject != line.ID || !statusTimesOK(st) {
			return fmt.Errorf("subject %s: status %d does not belong here or cannot be stored", line.ID, i)
		}
		sts[i] = s.packStatus(st)
		if i > 0 && line.Statuses[i-1].Region >= st.Region {
			return fmt.Errorf("subject %s: statuses out of order", line.ID)
		}
		s.digest.add(s.statusHash(line.ID, &sts[i]))
	}
	s.counts.statuses += len(sts)
	ss.events = s.eventPool.alloc(uint32(len(line.Events)))
	ss.events.len = ss.events.cap
	evs := s.evs(ss)
	for i, e := range line.Events {
		p := s.places[e.Place]
		if p == nil {
			return fmt.Errorf("subject %s: event at unknown place %q", line.ID, e.Place)
		}
		kind, ok := kindCode(e.Kind)
		if !ok {
			return fmt.Errorf("subject %s: event of unknown kind %q", line.ID, e.Kind)
		}
		startSec, startFrac := splitNs(e.Start)
		endSec, endFrac := splitNs(e.End)
		if e.Start < minEventSecond*1e9 || e.Start/1e9 > maxEventSecond || e.End/1e9 > maxEventSecond ||
			(e.End != 0 && e.End < minEventSecond*1e9) || e.Offset%60 != 0 {
			return fmt.Errorf("subject %s: event %d has times that cannot be stored", line.ID, i)
		}
		rec := eventRec{start: startSec, end: endSec, offset: int16(e.Offset / 60), kind: kind, place: p.idx,
			source: s.sources.code(e.System, e.Region)}
		rec.rec = s.storeRec(e.RecordID, startFrac, endFrac)
		if startFrac != 0 || endFrac != 0 {
			rec.flags |= flagFrac
		}
		evs[i] = rec
		if i > 0 && s.compareEventKey(&evs[i-1], s.keyOf(&evs[i])) >= 0 {
			return fmt.Errorf("subject %s: events out of order", line.ID)
		}
		s.digest.add(s.eventHash(line.ID, &evs[i]))
		s.indexEvent(ss, &evs[i])
	}
	s.counts.events += len(evs)
	return nil
}
