package federation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// Config configures a Node. Zero values take the defaults documented on
// each field.
type Config struct {
	// ID is this server's stable, unique name in the cluster.
	ID string
	// RaftBind is the TCP address raft listens on ("127.0.0.1:0" picks a
	// port). RaftAdvertise, when set, is what peers dial instead.
	RaftBind      string
	RaftAdvertise string
	// HTTPAddr is this node's advertised HTTP base address
	// ("http://127.0.0.1:7800"); peers forward proposals to it.
	HTTPAddr string
	// DataDir holds raft.db (log and stable store) and snapshots/.
	DataDir string
	// Bootstrap makes this node the first member of a new cluster when DataDir
	// holds no raft state yet.
	Bootstrap bool
	// StateMachine receives committed commands.
	StateMachine StateMachine
	// Logger receives the node's and raft's messages (default slog.Default).
	Logger *slog.Logger

	// Group commit: an entry closes at MaxBatchCommands commands (default
	// 512), MaxBatchBytes bytes (default 4 MiB) or MaxBatchDelay after its
	// first command (default 2ms).
	MaxBatchCommands int
	MaxBatchBytes    int
	MaxBatchDelay    time.Duration
	// ApplyTimeout bounds one proposal, forwarding included (default 10s).
	ApplyTimeout time.Duration
	// SnapshotThreshold and SnapshotInterval tune raft snapshots (defaults
	// 2048 entries, 2 minutes): entries are group commits of up to
	// MaxBatchBytes, so a few thousand of them already make a long replay. TrailingLogs is how many entries are kept
	// after a snapshot (default 10240).
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	// Fast shortens raft timeouts for tests and single-machine clusters.
	Fast bool
	// NoSync skips fsync of the log: only for benchmarks that measure
	// everything but the disk.
	NoSync bool
	// HTTPClient forwards proposals (default a client with keep-alives).
	HTTPClient *http.Client
	// Clock stamps log entries when this node proposes them as leader
	// (default time.Now). Tests and simulations that replay a past period
	// set it; it must never be read inside the state machine.
	Clock func() time.Time
}

// Node is one raft server.
type Node struct {
	cfg       Config
	log       *slog.Logger
	raft      *raft.Raft
	fsm       *fsm
	transport *raft.NetworkTransport
	store     *raftboltdb.BoltStore
	batcher   *batcher
	client    *http.Client

	closeOnce sync.Once
	closed    chan struct{}
	wg        sync.WaitGroup
}

// Open starts a node. With Bootstrap and no existing raft state it forms a
// new single-server cluster; otherwise it resumes from DataDir, or waits to
// be added by Join through another member.
func Open(cfg Config) (*Node, error) {
	if cfg.ID == "" || cfg.DataDir == "" || cfg.StateMachine == nil {
		return nil, errors.New("federation: ID, DataDir and StateMachine are required")
	}
	if cfg.RaftBind == "" {
		cfg.RaftBind = "127.0.0.1:7801"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBatchCommands <= 0 {
		cfg.MaxBatchCommands = 512
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 4 << 20
	}
	if cfg.MaxBatchDelay <= 0 {
		cfg.MaxBatchDelay = 2 * time.Millisecond
	}
	if cfg.ApplyTimeout <= 0 {
		cfg.ApplyTimeout = 10 * time.Second
	}
	if cfg.SnapshotThreshold == 0 {
		cfg.SnapshotThreshold = 2048
	}
	if cfg.SnapshotInterval == 0 {
		cfg.SnapshotInterval = 2 * time.Minute
	}
	if cfg.TrailingLogs == 0 {
		cfg.TrailingLogs = 10240
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	n := &Node{cfg: cfg, log: cfg.Logger.With("node", cfg.ID), closed: make(chan struct{})}
	n.client = cfg.HTTPClient
	if n.client == nil {
		n.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second}}
	}
	if err := n.start(); err != nil {
		n.shutdownParts()
		return nil, err
	}
	return n, nil
}

func (n *Node) start() error {
	cfg := n.cfg
	hlog := hclog.New(&hclog.LoggerOptions{
		Name:   "raft",
		Level:  hclog.Warn,
		Output: slogWriter{n.log},
	})
	store, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(cfg.DataDir, "raft.db"), NoSync: cfg.NoSync})
	if err != nil {
		return fmt.Errorf("open raft log %s: %w", filepath.Join(cfg.DataDir, "raft.db"), err)
	}
	n.store = store
	// A small cache: entries can be megabytes (group commit), and a large
	// cache holds a whole bulk load in memory for nothing once followers
	// have it.
	logs, err := raft.NewLogCache(64, store)
	if err != nil {
		return fmt.Errorf("log cache: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(cfg.DataDir, 2, hlog)
	if err != nil {
		return fmt.Errorf("open snapshot store: %w", err)
	}
	var advertise net.Addr
	if cfg.RaftAdvertise != "" {
		if advertise, err = net.ResolveTCPAddr("tcp", cfg.RaftAdvertise); err != nil {
			return fmt.Errorf("raft advertise address: %w", err)
		}
	}
	n.transport, err = raft.NewTCPTransportWithLogger(cfg.RaftBind, advertise, 4, 10*time.Second, hlog)
	if err != nil {
		return fmt.Errorf("raft transport on %s: %w", cfg.RaftBind, err)
	}

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.ID)
	rc.Logger = hlog
	rc.SnapshotThreshold = cfg.SnapshotThreshold
	rc.SnapshotInterval = cfg.SnapshotInterval
	rc.TrailingLogs = cfg.TrailingLogs
	rc.BatchApplyCh = true
	if cfg.Fast {
		rc.HeartbeatTimeout = 500 * time.Millisecond
		rc.ElectionTimeout = 500 * time.Millisecond
		rc.LeaderLeaseTimeout = 250 * time.Millisecond
		rc.CommitTimeout = 5 * time.Millisecond
	}
	n.fsm = &fsm{sm: cfg.StateMachine, meta: map[string]nodeMeta{}, notify: make(chan struct{})}

	existing, err := raft.HasExistingState(logs, store, snaps)
	if err != nil {
		return fmt.Errorf("inspect raft state: %w", err)
	}
	n.raft, err = raft.NewRaft(rc, n.fsm, logs, store, snaps, n.transport)
	if err != nil {
		return fmt.Errorf("start raft: %w", err)
	}
	if cfg.Bootstrap && !existing {
		f := n.raft.BootstrapCluster(raft.Configuration{Servers: []raft.Server{{
			ID: rc.LocalID, Address: n.transport.LocalAddr(),
		}}})
		if err := f.Error(); err != nil && !errors.Is(err, raft.ErrCantBootstrap) {
			return fmt.Errorf("bootstrap: %w", err)
		}
	}
	n.batcher = newBatcher(n)
	n.wg.Add(1)
	go n.announce()
	return nil
}

// RaftAddr is the address peers reach this node's raft transport at.
func (n *Node) RaftAddr() string { return string(n.transport.LocalAddr()) }

// ID is this server's ID.
func (n *Node) ID() string { return n.cfg.ID }

// IsLeader reports whether this node currently leads.
func (n *Node) IsLeader() bool { return n.raft.State() == raft.Leader }

// Leader returns the current leader's ID and HTTP address, empty when unknown.
func (n *Node) Leader() (id, httpAddr string) {
	_, lid := n.raft.LeaderWithID()
	if lid == "" {
		return "", ""
	}
	return string(lid), n.fsm.httpAddr(string(lid))
}

// AppliedIndex is the last log index applied to the state machine.
func (n *Node) AppliedIndex() uint64 { return n.raft.AppliedIndex() }

// Stats returns raft's counters, for /metrics and diagnostics.
func (n *Node) Stats() map[string]string { return n.raft.Stats() }

// announce keeps this node's HTTP address in the replicated metadata: once
// there is a leader, it proposes its address if the metadata lacks it.
func (n *Node) announce() {
	defer n.wg.Done()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-n.closed:
			return
		case <-tick.C:
		}
		if n.cfg.HTTPAddr == "" || n.fsm.httpAddr(n.cfg.ID) == n.cfg.HTTPAddr {
			if n.cfg.HTTPAddr == "" {
				return
			}
			continue
		}
		if id, _ := n.Leader(); id == "" {
			continue
		}
		b, _ := json.Marshal(nodeMeta{ID: n.cfg.ID, HTTPAddr: n.cfg.HTTPAddr})
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ApplyTimeout)
		_, _, err := n.propose(ctx, subCommand{kind: kindMetaSet, data: b})
		cancel()
		if err != nil && !errors.Is(err, ErrClosed) {
			n.log.Debug("announce HTTP address", "err", err)
		}
	}
}

// Propose replicates cmd and returns the state machine's result for it and
// the log index it was applied at, once it is committed on a quorum and
// applied here. On a follower the command is forwarded to the leader, and
// the call returns once this node has applied the index too, so a read on
// this node right after sees the write.
func (n *Node) Propose(ctx context.Context, cmd []byte) ([]byte, uint64, error) {
	return n.propose(ctx, subCommand{kind: kindApp, data: cmd})
}

func (n *Node) propose(ctx context.Context, c subCommand) ([]byte, uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ApplyTimeout)
	defer cancel()
	backoff := 10 * time.Millisecond
	for {
		res, index, err := n.proposeOnce(ctx, c)
		if err == nil {
			if werr := n.waitApplied(ctx, index); werr != nil {
				return nil, 0, werr
			}
			return res, index, nil
		}
		if !retryable(err) {
			return nil, 0, err
		}
		// The leader changed or is not known yet: wait a little and try
		// the new one. Commands are idempotent, so a retry of one that
		// did commit is harmless.
		select {
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("%w: %v (last error: %v)", ErrTimeout, ctx.Err(), err)
		case <-n.closed:
			return nil, 0, ErrClosed
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 200*time.Millisecond)
	}
}

func retryable(err error) bool {
	return errors.Is(err, ErrNotLeader) || errors.Is(err, ErrNoLeader) ||
		errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) ||
		errors.Is(err, raft.ErrLeadershipTransferInProgress) || errors.Is(err, errForward)
}

func (n *Node) proposeOnce(ctx context.Context, c subCommand) ([]byte, uint64, error) {
	select {
	case <-n.closed:
		return nil, 0, ErrClosed
	default:
	}
	if n.IsLeader() {
		return n.batcher.submit(ctx, c)
	}
	id, addr := n.Leader()
	if id == "" || addr == "" {
		return nil, 0, ErrNoLeader
	}
	return n.forward(ctx, addr, c)
}

// waitApplied returns once the state machine has applied every command
// entry up to index. Entries the state machine never sees (no-ops,
// configuration changes) count as applied once raft has passed them.
func (n *Node) waitApplied(ctx context.Context, index uint64) error {
	for {
		applied, moved := n.fsm.appliedIndex()
		if applied >= index || n.onlyNonCommands(applied+1, index) {
			return nil
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return fmt.Errorf("%w: waiting for index %d to be applied", ErrTimeout, index)
		case <-n.closed:
			return ErrClosed
		case <-time.After(5 * time.Millisecond):
			// Raft may pass a no-op entry without touching the state
			// machine; look again.
		}
	}
}

// onlyNonCommands reports whether raft has applied up to hi and no entry in
// [lo, hi] is a command.
func (n *Node) onlyNonCommands(lo, hi uint64) bool {
	if n.raft.AppliedIndex() < hi || hi-lo > 64 {
		return false
	}
	var l raft.Log
	for i := lo; i <= hi; i++ {
		if err := n.store.GetLog(i, &l); err != nil {
			// Compacted into a snapshot, which the state machine holds.
			continue
		}
		if l.Type == raft.LogCommand {
			return false
		}
	}
	return true
}

// ReadIndex makes the next read linearizable: it records the commit index,
// confirms with a quorum that this node still leads, and waits until the
// state machine has applied that index. It fails with ErrNotLeader on a
// follower.
func (n *Node) ReadIndex(ctx context.Context) error {
	if !n.IsLeader() {
		return ErrNotLeader
	}
	index := n.raft.CommitIndex()
	if err := n.raft.VerifyLeader().Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			return ErrNotLeader
		}
		return fmt.Errorf("verify leader: %w", err)
	}
	return n.waitApplied(ctx, index)
}

// Members lists the servers of the current configuration.
func (n *Node) Members() ([]Member, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	leaderID, _ := n.Leader()
	var out []Member
	for _, s := range f.Configuration().Servers {
		out = append(out, Member{
			ID: string(s.ID), RaftAddr: string(s.Address), HTTPAddr: n.fsm.httpAddr(string(s.ID)),
			Voter: s.Suffrage == raft.Voter, Leader: string(s.ID) == leaderID,
		})
	}
	return out, nil
}

// JoinRequest asks the cluster to add a server.
type JoinRequest struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
}

// Join adds a voter. Called on a follower, it is forwarded to the leader.
// Joining a server that is already a member with the same address succeeds.
func (n *Node) Join(ctx context.Context, req JoinRequest) error {
	if req.ID == "" || req.RaftAddr == "" {
		return errors.New("join: id and raft_addr are required")
	}
	if !n.IsLeader() {
		_, addr := n.Leader()
		if addr == "" {
			return ErrNoLeader
		}
		return n.forwardJSON(ctx, addr, "/internal/v1/join", req)
	}
	f := n.raft.AddVoter(raft.ServerID(req.ID), raft.ServerAddress(req.RaftAddr), 0, n.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		return fmt.Errorf("add voter %s: %w", req.ID, mapRaftErr(err))
	}
	if req.HTTPAddr != "" {
		b, _ := json.Marshal(nodeMeta{ID: req.ID, HTTPAddr: req.HTTPAddr})
		if _, _, err := n.propose(ctx, subCommand{kind: kindMetaSet, data: b}); err != nil {
			return fmt.Errorf("record address of %s: %w", req.ID, err)
		}
	}
	return nil
}

// Remove takes a server out of the cluster. Called on a follower, it is
// forwarded to the leader.
func (n *Node) Remove(ctx context.Context, id string) error {
	if !n.IsLeader() {
		_, addr := n.Leader()
		if addr == "" {
			return ErrNoLeader
		}
		return n.forwardJSON(ctx, addr, "/internal/v1/remove", JoinRequest{ID: id})
	}
	members, err := n.Members()
	if err != nil {
		return err
	}
	found := false
	for _, m := range members {
		found = found || m.ID == id
	}
	if !found {
		return fmt.Errorf("remove %s: %w", id, ErrUnknownMember)
	}
	if err := n.raft.RemoveServer(raft.ServerID(id), 0, n.cfg.ApplyTimeout).Error(); err != nil {
		return fmt.Errorf("remove %s: %w", id, mapRaftErr(err))
	}
	b, _ := json.Marshal(nodeMeta{ID: id})
	if _, _, err := n.propose(ctx, subCommand{kind: kindMetaDel, data: b}); err != nil && !errors.Is(err, ErrClosed) {
		return fmt.Errorf("forget address of %s: %w", id, err)
	}
	return nil
}

// ErrUnknownMember is returned when removing a server that is not a member.
var ErrUnknownMember = errors.New("no such member")

func mapRaftErr(err error) error {
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
		return fmt.Errorf("%w: %v", ErrNotLeader, err)
	}
	return err
}

// Snapshot asks raft to take a snapshot now.
func (n *Node) Snapshot() error {
	return n.raft.Snapshot().Error()
}

// Close stops the node: pending proposals fail with ErrClosed, raft shuts
// down (the cluster sees the server go away; it stays a member), and the
// store is closed.
func (n *Node) Close() error {
	var err error
	n.closeOnce.Do(func() {
		close(n.closed)
		n.wg.Wait()
		err = n.shutdownParts()
	})
	return err
}

func (n *Node) shutdownParts() error {
	var errs []error
	if n.batcher != nil {
		n.batcher.stop()
	}
	if n.raft != nil {
		errs = append(errs, n.raft.Shutdown().Error())
	}
	if n.transport != nil {
		errs = append(errs, n.transport.Close())
	}
	if n.store != nil {
		errs = append(errs, n.store.Close())
	}
	return errors.Join(errs...)
}

// slogWriter turns raft's hclog lines into slog records.
type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.l.Warn(string(trimNewline(p)))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	for len(p) > 0 && (p[len(p)-1] == '\n' || p[len(p)-1] == '\r') {
		p = p[:len(p)-1]
	}
	return p
}

var _ io.Writer = slogWriter{}
