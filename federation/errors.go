package federation

import "errors"

// Sentinel errors, for errors.Is at the boundary.
var (
	// ErrNotLeader is returned when an operation that needs the leader
	// reaches a follower and cannot be forwarded.
	ErrNotLeader = errors.New("not the leader")
	// ErrNoLeader is returned while the cluster has no known leader.
	ErrNoLeader = errors.New("no leader")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("node is closed")
	// ErrTimeout is returned when a proposal or read is not done in time.
	ErrTimeout = errors.New("timed out")
)
