package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/internal/node"
	"github.com/codefed/codefed/schema"
)

// TestClientCommandsAgainstANode drives ingest, status, trajectory and
// cluster members against a real one-node cluster.
func TestClientCommandsAgainstANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n, err := node.Start(ctx, node.Config{ID: "cli", HTTPListen: "127.0.0.1:0", RaftListen: "127.0.0.1:0",
		DataDir: t.TempDir(), Bootstrap: true, Key: schema.DevKey, Fast: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for id, _ := n.Raft.Leader(); id == ""; id, _ = n.Raft.Leader() {
		select {
		case <-ctx.Done():
			t.Fatal("no leader")
		case <-time.After(10 * time.Millisecond):
		}
	}

	a, _ := adapters.Lookup("shaanxi")
	people := a.(adapters.Sampler).Sample(5, 20, time.Now().Add(-48*time.Hour), 24*time.Hour)
	payload, err := a.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "batch.json")
	if err := os.WriteFile(file, payload, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "", "ingest", "--addr", n.URL, "--format", "shaanxi", file)
	if code != 0 || !strings.Contains(out, "20 accepted, 0 rejected") {
		t.Fatalf("ingest: exit %d\n%s%s", code, out, errOut)
	}

	p := people[0]
	out, errOut, code = run(t, "", "status", "--addr", n.URL, "--doc-type", p.DocType, "--doc-number", p.DocNumber)
	if code != 0 || !strings.Contains(out, "region 610100") {
		t.Fatalf("status: exit %d\n%s%s", code, out, errOut)
	}
	devSubjects, _ := schema.NewPseudonymizer(schema.DevKey)
	subject, err := devSubjects.Subject(p.DocType, p.DocNumber)
	if err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, "", "status", "--addr", n.URL, "--json", subject)
	if code != 0 || !strings.Contains(out, `"subject": "`+subject+`"`) {
		t.Fatalf("status --json: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "trajectory", "--addr", n.URL, subject)
	if code != 0 || !strings.Contains(out, `"cities"`) {
		t.Fatalf("trajectory: exit %d\n%s", code, out)
	}
	out, _, code = run(t, "", "cluster", "members", "--addr", n.URL)
	if code != 0 || !strings.Contains(out, "cli") || !strings.Contains(out, "true") {
		t.Fatalf("cluster members: exit %d\n%s", code, out)
	}
	// A subject the hub does not know is an error with a message.
	_, errOut, code = run(t, "", "status", "--addr", n.URL, strings.Repeat("0", 64))
	if code != 1 || !strings.Contains(errOut, "404") {
		t.Fatalf("unknown subject: exit %d %q", code, errOut)
	}
}
