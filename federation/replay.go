package federation

import (
	"fmt"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// Replay applies the raft log stored in the BoltDB file at path (a node's
// raft.db) to sm, entry by entry, exactly as a running node hands committed
// entries to its state machine, and returns the last index it read. The
// node that owns the file must be stopped; work on a copy to leave the
// original untouched. The log must still start at index 1: once raft has
// compacted it behind a snapshot, the log alone no longer holds the state.
//
// It is the offline way to rebuild a replica's state from its log, to
// compare digests or inspect what the log holds.
func Replay(path string, sm StateMachine) (uint64, error) {
	store, err := raftboltdb.New(raftboltdb.Options{Path: path})
	if err != nil {
		return 0, fmt.Errorf("open raft log %s: %w", path, err)
	}
	defer store.Close()
	first, err := store.FirstIndex()
	if err != nil {
		return 0, fmt.Errorf("read first index: %w", err)
	}
	last, err := store.LastIndex()
	if err != nil {
		return 0, fmt.Errorf("read last index: %w", err)
	}
	if first > 1 {
		return 0, fmt.Errorf("log of %s starts at index %d: compacted behind a snapshot", path, first)
	}
	f := &fsm{sm: sm, meta: map[string]nodeMeta{}, notify: make(chan struct{})}
	for i := first; i <= last && i > 0; i++ {
		var l raft.Log
		if err := store.GetLog(i, &l); err != nil {
			return 0, fmt.Errorf("read log %d: %w", i, err)
		}
		// A malformed entry is refused by every replica alike; so here.
		f.Apply(&l)
	}
	return last, nil
}
