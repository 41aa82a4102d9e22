package federation

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// StateMachine is what the federation replicates into. Apply receives the
// commands of one log entry, committed at index, with the time the proposer
// stamped on the entry; it returns one encoded result per command. Apply
// must be deterministic: same commands, same state, on every replica.
type StateMachine interface {
	Apply(index uint64, now time.Time, cmds [][]byte) [][]byte
	// Snapshot captures the state at the last applied index quickly;
	// Persist then runs concurrently with further Apply calls.
	SnapshotState() (StateSnapshot, error)
	// Restore replaces the whole state with the snapshot read from r.
	Restore(r io.Reader) error
}

// StateSnapshot is a captured state being written out.
type StateSnapshot interface {
	Persist(w io.Writer) error
	Release()
}

// Member is a server of the cluster as the federation knows it.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr,omitempty"`
	Voter    bool   `json:"voter"`
	Leader   bool   `json:"leader"`
}

type nodeMeta struct {
	ID       string `json:"id"`
	HTTPAddr string `json:"http_addr"`
}

// fsm adapts a StateMachine to raft.FSM and keeps the replicated membership
// metadata (HTTP addresses) beside it.
type fsm struct {
	sm StateMachine

	mu   sync.RWMutex
	meta map[string]nodeMeta

	// applied is the index of the last command entry the state machine has
	// finished; notify is closed and replaced each time it moves.
	appliedMu sync.Mutex
	applied   uint64
	notify    chan struct{}
}

func (f *fsm) setApplied(index uint64) {
	f.appliedMu.Lock()
	if index > f.applied {
		f.applied = index
	}
	ch := f.notify
	f.notify = make(chan struct{})
	f.appliedMu.Unlock()
	close(ch)
}

// appliedIndex returns the last applied command index and a channel closed
// when it next moves.
func (f *fsm) appliedIndex() (uint64, <-chan struct{}) {
	f.appliedMu.Lock()
	defer f.appliedMu.Unlock()
	return f.applied, f.notify
}

// applyResponse is what raft hands back to the proposer of an entry: one
// result per command, in envelope order.
type applyResponse struct {
	results [][]byte
	err     error
}

func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	defer f.setApplied(l.Index)
	now, cmds, err := decodeEnvelope(l.Data)
	if err != nil {
		// Every replica sees the same bytes, so every replica refuses
		// them the same way; nothing diverges.
		return &applyResponse{err: fmt.Errorf("log index %d: %w", l.Index, err)}
	}
	results := make([][]byte, len(cmds))
	var app [][]byte
	var appPos []int
	for i, c := range cmds {
		switch c.kind {
		case kindApp:
			app = append(app, c.data)
			appPos = append(appPos, i)
		case kindMetaSet, kindMetaDel:
			results[i] = f.applyMeta(c)
		default:
			panic(fmt.Sprintf("federation: log index %d has command kind %d this server does not know: upgrade it", l.Index, c.kind))
		}
	}
	if len(app) > 0 || len(cmds) == 0 {
		// An empty envelope still advances the state machine's index
		// (leadership barriers are empty entries).
		out := f.sm.Apply(l.Index, now, app)
		for j, pos := range appPos {
			results[pos] = out[j]
		}
	}
	return &applyResponse{results: results}
}

func (f *fsm) applyMeta(c subCommand) []byte {
	var m nodeMeta
	if err := json.Unmarshal(c.data, &m); err != nil {
		return []byte(`{"error":"bad membership metadata"}`)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c.kind == kindMetaDel {
		delete(f.meta, m.ID)
	} else {
		f.meta[m.ID] = m
	}
	return []byte(`{}`)
}

func (f *fsm) httpAddr(id string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.meta[id].HTTPAddr
}

// snapshotHead is the first line of a snapshot: the federation's own part.
type snapshotHead struct {
	Applied uint64     `json:"applied"`
	Members []nodeMeta `json:"members"`
}

func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	applied, _ := f.appliedIndex()
	f.mu.RLock()
	meta := make([]nodeMeta, 0, len(f.meta))
	for _, m := range f.meta {
		meta = append(meta, m)
	}
	f.mu.RUnlock()
	sort.Slice(meta, func(i, j int) bool { return meta[i].ID < meta[j].ID })
	st, err := f.sm.SnapshotState()
	if err != nil {
		return nil, fmt.Errorf("snapshot state: %w", err)
	}
	return &fsmSnapshot{head: snapshotHead{Applied: applied, Members: meta}, state: st}, nil
}

// Restore reads the membership line and hands the rest of the stream to the
// state machine.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("read snapshot membership: %w", err)
	}
	var head snapshotHead
	if err := json.Unmarshal(line, &head); err != nil {
		return fmt.Errorf("decode snapshot membership: %w", err)
	}
	if err := f.sm.Restore(br); err != nil {
		return err
	}
	f.mu.Lock()
	f.meta = make(map[string]nodeMeta, len(head.Members))
	for _, m := range head.Members {
		f.meta[m.ID] = m
	}
	f.mu.Unlock()
	f.restored(head.Applied)
	return nil
}

// restored moves the applied index to a restored snapshot's index.
func (f *fsm) restored(index uint64) {
	f.appliedMu.Lock()
	f.applied = index
	ch := f.notify
	f.notify = make(chan struct{})
	f.appliedMu.Unlock()
	close(ch)
}

type fsmSnapshot struct {
	head  snapshotHead
	state StateSnapshot
}

func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	err := func() error {
		b, err := json.Marshal(s.head)
		if err != nil {
			return err
		}
		if _, err := sink.Write(append(b, '\n')); err != nil {
			return err
		}
		return s.state.Persist(sink)
	}()
	if err != nil {
		sink.Cancel()
		return fmt.Errorf("persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *fsmSnapshot) Release() { s.state.Release() }
