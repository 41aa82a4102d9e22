// Package federation is codefed's consensus layer: a raft node on
// hashicorp/raft with raft-boltdb as log and stable store, file snapshots
// and the TCP transport.
//
// It knows nothing of health codes. It replicates opaque commands produced by
// the layer above and hands them, committed and in order, to a StateMachine.
// Its contract:
//
//   - Propose returns only after the command is committed on a quorum and
//     applied on this node's state machine, with the state machine's result.
//     Called on a follower, it forwards the command to the leader over HTTP;
//     callers never need to know who leads.
//   - Concurrent proposals are coalesced into one log entry (group commit,
//     bounded by commands, bytes and a delay) and each caller gets its own
//     result. The proposer stamps each entry with its wall clock once; the
//     state machine receives that time and must never read its own clock.
//   - A proposal that fails with ErrLeadershipLost may or may not have been
//     applied; it is retried on the new leader, so commands must be
//     idempotent (the hub's are: batch and record keys make replays no-ops).
//   - ReadIndex gives linearizable reads: it confirms leadership with a
//     quorum and waits until this node has applied everything committed
//     before the call.
//   - Membership: Bootstrap a new cluster, Join through any member, Remove a
//     server. Each node's HTTP address is replicated beside the log so any
//     node can reach the leader.
package federation
