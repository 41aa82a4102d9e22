// Package hub is codefed's replicated state machine and its HTTP API.
//
// The state machine (FSM) receives committed commands from the federation
// layer, in log order, and merges them by the rules of the design:
//
//   - per (subject, region) the status with the greatest (issued_at,
//     source.record_id) wins; replays are no-ops;
//   - a status past valid_until no longer counts;
//   - the federated colour is the most severe of the counted regional colours
//     and the derived ones (a visit to a medium/high risk area during its
//     window in the last 14 days derives yellow, visited_risk_area);
//   - events are a set keyed by (subject, kind, place.id, start,
//     source.system); a later record with the same key may only extend end;
//   - records past the retention window (default 28 days) are purged.
//
// "Now" inside Apply is the time the proposer stamped on the log entry; the
// state machine never reads the wall clock, draws random numbers, or lets map
// order reach the state or its digest, so every replica that applied the same
// log has the same state and the same digest.
//
// Every command starts with a type byte and a version byte; the dispatch table
// is filled at init. A command type this server does not know stops the
// process, unless the type is flagged ignorable, so an old server never
// silently diverges.
//
// The HTTP API (Server) serves design.md's v1 paths. It never calls raft: it
// proposes commands and confirms reads through the small Cluster interface,
// which the federation package implements.
package hub
