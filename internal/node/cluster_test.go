package node_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/codefed/codefed/hub"
	"github.com/codefed/codefed/internal/node"
	"github.com/codefed/codefed/schema"
)

var testKey = []byte("node-test-federation-key")

// testNow is the nodes' clock: the records are of January 2022, and a
// wall clock years later would purge them as past retention.
var testNow = time.Date(2022, 1, 5, 12, 0, 0, 0, time.UTC)

// quiet drops the nodes' logs (raft warns about every election it starts).
var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type cluster struct {
	t     *testing.T
	dir   string
	nodes map[string]*node.Node
	raft  map[string]string // id → raft address, kept for restarts
}

func newCluster(t *testing.T, ids ...string) *cluster {
	t.Helper()
	c := &cluster{t: t, dir: t.TempDir(), nodes: map[string]*node.Node{}, raft: map[string]string{}}
	t.Cleanup(func() {
		for _, n := range c.nodes {
			n.Close()
		}
	})
	for i, id := range ids {
		c.start(id, i == 0, "")
	}
	c.waitMembers(len(ids))
	return c
}

func (c *cluster) any() *node.Node {
	for _, n := range c.nodes {
		return n
	}
	c.t.Fatal("no node running")
	return nil
}

// start runs node id; a restarted node reuses its data directory and raft
// address, as an operator restarting a server would.
func (c *cluster) start(id string, bootstrap bool, join string) *node.Node {
	c.t.Helper()
	if join == "" && !bootstrap && len(c.nodes) > 0 {
		join = c.any().URL
	}
	raftAddr := c.raft[id]
	if raftAddr == "" {
		raftAddr = "127.0.0.1:0"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := node.Start(ctx, node.Config{
		ID: id, HTTPListen: "127.0.0.1:0", RaftListen: raftAddr, DataDir: filepath.Join(c.dir, id),
		Bootstrap: bootstrap, Join: join, Key: testKey, Fast: true,
		SnapshotThreshold: 64, TrailingLogs: 16,
		Clock:  func() time.Time { return testNow },
		Logger: quiet,
	})
	if err != nil {
		c.t.Fatalf("start %s: %v", id, err)
	}
	c.raft[id] = n.Raft.RaftAddr()
	c.nodes[id] = n
	return n
}

func (c *cluster) stop(id string) {
	c.t.Helper()
	if err := c.nodes[id].Close(); err != nil {
		c.t.Logf("close %s: %v", id, err)
	}
	delete(c.nodes, id)
}

func eventually(t *testing.T, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var err error
	for time.Now().Before(deadline) {
		if err = f(); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond) // poll interval, not a wait for a condition
	}
	t.Fatalf("%s: not within %v: %v", what, timeout, err)
}

func (c *cluster) leader() string {
	for id, n := range c.nodes {
		if n.Raft.IsLeader() {
			return id
		}
	}
	return ""
}

func (c *cluster) waitMembers(n int) {
	c.t.Helper()
	eventually(c.t, 15*time.Second, "membership", func() error {
		for id, nd := range c.nodes {
			ms, err := nd.Raft.Members()
			if err != nil {
				return err
			}
			if len(ms) != n {
				return fmt.Errorf("%s sees %d members, want %d", id, len(ms), n)
			}
			if lid, addr := nd.Raft.Leader(); lid == "" || addr == "" {
				return fmt.Errorf("%s knows no leader address", id)
			}
		}
		return nil
	})
}

func subjectN(i int) string { return fmt.Sprintf("%064x", i+1) }

func batch(from, n int) schema.Batch {
	cst := time.FixedZone("CST", 8*3600)
	b := schema.Batch{Schema: schema.Version, Region: "610100", BatchID: fmt.Sprintf("b-%d", from)}
	for i := from; i < from+n; i++ {
		issued := time.Date(2022, 1, 4, 9, 0, 0, 0, cst).Add(time.Duration(i) * time.Second)
		b.Statuses = append(b.Statuses, schema.Status{Subject: subjectN(i), Region: "610100", Color: schema.Green,
			Reasons: []string{schema.ReasonNATNegative48h}, IssuedAt: issued, Source: schema.Source{System: "t", RecordID: fmt.Sprint(i)}})
	}
	return b
}

func post(url string, v any) (*http.Response, []byte, error) {
	body, _ := json.Marshal(v)
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// write submits a batch to node id and reports whether it was acknowledged.
func (c *cluster) write(id string, b schema.Batch) error {
	resp, body, err := post(c.nodes[id].URL+"/v1/records", b)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	var ir hub.IngestResponse
	if err := json.Unmarshal(body, &ir); err != nil {
		return err
	}
	if ir.Accepted != len(b.Statuses) {
		return fmt.Errorf("accepted %d of %d", ir.Accepted, len(b.Statuses))
	}
	return nil
}

func (c *cluster) hasAll(id string, acked []int) error {
	for _, i := range acked {
		if _, ok := c.nodes[id].FSM.Status(subjectN(i), time.Date(2022, 1, 4, 12, 0, 0, 0, time.UTC)); !ok {
			return fmt.Errorf("%s lacks acknowledged subject %d", id, i)
		}
	}
	return nil
}

func (c *cluster) digestsAgree() error {
	var first string
	for id, n := range c.nodes {
		resp, err := http.Get(n.URL + "/v1/cluster/digest")
		if err != nil {
			return err
		}
		var d struct {
			Index  uint64
			Digest string
		}
		err = json.NewDecoder(resp.Body).Decode(&d)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if first == "" {
			first = d.Digest
		} else if d.Digest != first {
			return fmt.Errorf("%s digest %s differs from %s", id, d.Digest, first)
		}
	}
	return nil
}

func TestClusterWritesFailoverCatchUpMembership(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node test")
	}
	c := newCluster(t, "n1", "n2", "n3")
	var acked []int
	next := 0
	writeTo := func(id string, n int) {
		t.Helper()
		if err := c.write(id, batch(next, n)); err != nil {
			t.Fatalf("write to %s: %v", id, err)
		}
		for i := next; i < next+n; i++ {
			acked = append(acked, i)
		}
		next += n
	}

	// Writes are accepted on every node, leader or not, and are visible on
	// the node that acknowledged them right away.
	for _, id := range []string{"n1", "n2", "n3"} {
		writeTo(id, 10)
		if err := c.hasAll(id, acked); err != nil {
			t.Fatalf("read-your-writes on %s: %v", id, err)
		}
	}

	// Linearizable reads on a follower are answered (through the leader).
	follower := ""
	for id, n := range c.nodes {
		if !n.Raft.IsLeader() {
			follower = id
		}
	}
	resp, err := http.Get(c.nodes[follower].URL + "/v1/status/" + subjectN(0) + "?consistency=linearizable")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("linearizable read on follower: %v %v", resp.Status, err)
	}
	resp.Body.Close()

	// Stop the leader: a new one is elected, writes go on, nothing
	// acknowledged is lost.
	old := c.leader()
	c.stop(old)
	eventually(t, 10*time.Second, "new leader", func() error {
		if c.leader() == "" {
			return fmt.Errorf("no leader among %d nodes", len(c.nodes))
		}
		return nil
	})
	for id := range c.nodes {
		writeTo(id, 10)
	}
	for id := range c.nodes {
		eventually(t, 5*time.Second, "acknowledged records on "+id, func() error { return c.hasAll(id, acked) })
	}

	// The old leader comes back and catches up.
	c.start(old, false, "")
	eventually(t, 10*time.Second, "restarted node catches up", func() error { return c.hasAll(old, acked) })

	// A follower stopped while the log moves past a snapshot catches up
	// from the snapshot.
	lagger := ""
	for id, n := range c.nodes {
		if !n.Raft.IsLeader() {
			lagger = id
			break
		}
	}
	c.stop(lagger)
	for i := 0; i < 30; i++ {
		writeTo(c.leader(), 5)
	}
	if err := c.nodes[c.leader()].Raft.Snapshot(); err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	writeTo(c.leader(), 5)
	c.start(lagger, false, "")
	eventually(t, 15*time.Second, "lagging follower catches up", func() error { return c.hasAll(lagger, acked) })
	if s := c.nodes[lagger].Raft.Stats()["last_snapshot_index"]; s == "0" {
		t.Fatalf("lagging follower did not install a snapshot (last_snapshot_index %s)", s)
	}

	// Join a fourth server, remove one through the API.
	c.start("n4", false, c.nodes[follower].URL)
	c.waitMembers(4)
	eventually(t, 10*time.Second, "n4 catches up", func() error { return c.hasAll("n4", acked) })
	victim := ""
	for id, n := range c.nodes {
		if id != "n4" && !n.Raft.IsLeader() {
			victim = id
			break
		}
	}
	req, _ := http.NewRequest(http.MethodDelete, c.nodes["n4"].URL+"/v1/cluster/servers/"+victim, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("remove %s: %v %v", victim, resp.Status, err)
	}
	resp.Body.Close()
	c.stop(victim)
	c.waitMembers(3)
	writeTo(c.leader(), 10)

	eventually(t, 10*time.Second, "digests agree", c.digestsAgree)
	for id := range c.nodes {
		if err := c.hasAll(id, acked); err != nil {
			t.Fatal(err)
		}
	}
}

func TestRemoveUnknownServerIs404(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-node test")
	}
	c := newCluster(t, "n1")
	req, _ := http.NewRequest(http.MethodDelete, c.nodes["n1"].URL+"/v1/cluster/servers/ghost", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("remove unknown server: HTTP %d, want 404", resp.StatusCode)
	}
}
