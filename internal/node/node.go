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
	"strings"
	"time"

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
	// Clock is the node's wall clock (default time.Now): it stamps the log
	// entries this node proposes and is the as-of time of its answers.
	// Tests replaying a past period set it.
	Clock func() time.Time
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
	api := hub.NewServer(hub.Config{
		FSM: fsm, Cluster: raftNode, Subjects: subjects, Internal: raftNode.Handler(),
		Logger: cfg.Logger.With("node", cfg.ID), Trust: cfg.Trust, Now: cfg.Clock,
	})
	n := &Node{ID: cfg.ID, URL: url, FSM: fsm, Raft: raftNode, ln: ln, done: make(chan error, 1),
		server: &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}}
	go func() { n.done <- n.server.Serve(ln) }()
	if cfg.Join != "" && !cfg.Bootstrap {
		if err := n.join(ctx, cfg.Join); err != nil {
			n.Close()
			return nil, err
		}
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
	errs := []error{n.server.Shutdown(ctx)}
	errs = append(errs, n.Raft.Close())
	if err := <-n.done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
