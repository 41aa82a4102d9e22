// Package node wires one codefed server: the hub state machine, the raft
// node that feeds it, and the HTTP API in front of both. `codefed agent`,
// `codefed dev` and the multi-node tests all start servers through it, so
// they run the same assembly.
package node

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/pull"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/hub"
	"github.com/codefed/codefed/schema"
)

// Config describes one server.
type Config struct {
	ID string
	// HTTPListen is the API's listen address ("127.0.0.1:0" picks a port).
	HTTPListen string
	// HTTPAdvertise is the base URL peers and clients use (default
	// http://<listen address>).
	HTTPAdvertise string
	// RaftListen and RaftAdvertise are raft's TCP addresses.
	RaftListen    string
	RaftAdvertise string
	DataDir       string
	// Bootstrap forms a new cluster when DataDir is empty.
	Bootstrap bool
	// Join is the base URL of any member to join through when DataDir is
	// empty and Bootstrap is not set.
	Join string
	// Key is the federation key that pseudonymises documents.
	Key       []byte
	Trust     []*x509.Certificate
	Retention time.Duration
	Logger    *slog.Logger
	// Fast shortens raft timeouts (single machine, tests).
	Fast bool
	// Federation overrides, for tests and benchmarks.
	SnapshotThreshold uint64
	TrailingLogs      uint64
	NoSync            bool
	// Pulls are region feeds this node pulls while it leads (RIS/1, see
	// adapters/pull); their cursors live in the replicated state.
	Pulls []Pull
	// DebugListen, when set, serves the Go profiler (net/http/pprof) on
	// its own listener, never on the API's: profiles show memory contents
	// and must stay on an operator-only address.
	DebugListen string
	// Clock is the node's wall clock (default time.Now): it stamps the log
	// entries this node proposes and is the as-of time of its answers.
	// Tests replaying a past period set it.
	Clock func() time.Time
}

// Pull is one region feed to pull.
type Pull struct {
	Spec  pull.Spec
	Token string
	// Limit is the persons asked per page (default the puller's).
	Limit int
	// PollInterval is the wait after the feed's end (default the puller's).
	PollInterval time.Duration
}

// Node is a running server.
type Node struct {
	ID     string
	URL    string
	FSM    *hub.FSM
	Raft   *federation.Node
	server *http.Server
	ln     net.Listener
	done   chan error
	debug  *http.Server
	// stopPulls ends the pullers; pulls waits for them.
	stopPulls context.CancelFunc
	pulls     sync.WaitGroup
	// DebugAddr is the profiler's address, "" when it is off.
	DebugAddr string
}

// Start opens the data directory, starts raft and the HTTP API, and, when
// Join is set and this node is new, asks the cluster to add it (retrying
// until it is in or ctx ends).
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	subjects, err := schema.NewPseudonymizer(cfg.Key)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTPListen)
	if err != nil {
		return nil, fmt.Errorf("listen HTTP on %s: %w", cfg.HTTPListen, err)
	}
	url := cfg.HTTPAdvertise
	if url == "" {
		url = "http://" + ln.Addr().String()
	}
	fsm := hub.NewFSM(cfg.Retention)
	raftNode, err := federation.Open(federation.Config{
		ID: cfg.ID, RaftBind: cfg.RaftListen, RaftAdvertise: cfg.RaftAdvertise, HTTPAddr: url,
		DataDir: cfg.DataDir, Bootstrap: cfg.Bootstrap, StateMachine: fsm, Logger: cfg.Logger,
		Fast: cfg.Fast, SnapshotThreshold: cfg.SnapshotThreshold, TrailingLogs: cfg.TrailingLogs, NoSync: cfg.NoSync,
		Clock: cfg.Clock,
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	registry := prometheus.NewRegistry()
	api := hub.NewServer(hub.Config{
		FSM: fsm, Cluster: raftNode, Subjects: subjects, Internal: raftNode.Handler(),
		Logger: cfg.Logger.With("node", cfg.ID), Trust: cfg.Trust, Now: cfg.Clock, Registry: registry,
	})
	n := &Node{ID: cfg.ID, URL: url, FSM: fsm, Raft: raftNode, ln: ln, done: make(chan error, 1),
		server: &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}}
	go func() { n.done <- n.server.Serve(ln) }()
	if cfg.DebugListen != "" {
		if err := n.serveDebug(cfg.DebugListen); err != nil {
			n.Close()
			return nil, err
		}
	}
	if cfg.Join != "" && !cfg.Bootstrap {
		if err := n.join(ctx, cfg.Join); err != nil {
			n.Close()
			return nil, err
		}
	}
	if err := n.startPulls(cfg, subjects, registry); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) join(ctx context.Context, target string) error {
	members, err := n.Raft.Members()
	if err == nil {
		for _, m := range members {
			if m.ID == n.ID {
				return nil // already a member: a restart
			}
		}
	}
	body, _ := json.Marshal(federation.JoinRequest{ID: n.ID, RaftAddr: n.Raft.RaftAddr(), HTTPAddr: n.URL})
	backoff := 100 * time.Millisecond
	for {
		err := postJSON(ctx, strings.TrimRight(target, "/")+"/v1/cluster/join", body)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("join %s: %w (last error: %v)", target, ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func postJSON(ctx context.Context, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

// Close stops the HTTP API and raft. The server stays a member of the
// cluster; start it again on the same DataDir to resume.
func (n *Node) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n.stopPulls != nil {
		n.stopPulls()
		n.pulls.Wait()
	}
	errs := []error{n.server.Shutdown(ctx)}
	if n.debug != nil {
		errs = append(errs, n.debug.Close())
	}
	errs = append(errs, n.Raft.Close())
	if err := <-n.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// serveDebug starts the profiler's listener.
func (n *Node) serveDebug(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen debug on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	n.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	n.DebugAddr = ln.Addr().String()
	go func() { _ = n.debug.Serve(ln) }()
	return nil
}

// startPulls starts one puller per configured feed. A puller runs only
// while this node leads, so a region sees one reader; the compare-and-set
// on the replicated cursor keeps a deposed leader's last page from
// applying twice.
func (n *Node) startPulls(cfg Config, subjects *schema.Pseudonymizer, reg prometheus.Registerer) error {
	if len(cfg.Pulls) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.stopPulls = cancel
	store := &hub.FeedStore{FSM: n.FSM, Cluster: n.Raft}
	for _, pc := range cfg.Pulls {
		p, err := pull.New(pull.Config{
			Format: pc.Spec.Format, URL: pc.Spec.URL, Token: pc.Token, Limit: pc.Limit, PollInterval: pc.PollInterval,
			Decode: adapters.DecodeOptions{Subjects: subjects, Trust: cfg.Trust}, Store: store, Now: cfg.Clock,
			Registerer: reg, Logger: cfg.Logger.With("node", cfg.ID, "feed", pc.Spec.Feed()),
		})
		if err != nil {
			return fmt.Errorf("pull %s: %w", pc.Spec.Feed(), err)
		}
		n.pulls.Add(1)
		go func() {
			defer n.pulls.Done()
			n.pullWhileLeader(ctx, p)
		}()
	}
	return nil
}

// leadershipCheck is how often a node looks whether it gained or lost the
// leadership its pullers follow.
const leadershipCheck = 500 * time.Millisecond

func (n *Node) pullWhileLeader(ctx context.Context, p *pull.Puller) {
	tick := time.NewTicker(leadershipCheck)
	defer tick.Stop()
	for {
		if n.Raft.IsLeader() {
			lead, lost := context.WithCancel(ctx)
			go func() {
				defer lost()
				for n.Raft.IsLeader() {
					select {
					case <-lead.Done():
						return
					case <-tick.C:
					}
				}
			}()
			_ = p.Run(lead) // returns when leadership or ctx ends
			lost()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
