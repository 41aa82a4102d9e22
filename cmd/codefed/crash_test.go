package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

// TestKillAllAgentsLosesNoAcknowledgedRecord runs three real agent
// processes, writes to all of them concurrently, kills every process with
// SIGKILL in the middle of the ingest, restarts them, and checks that every
// record that was acknowledged before the kill is there on every node.
func TestKillAllAgentsLosesNoAcknowledgedRecord(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	bin := filepath.Join(t.TempDir(), "codefed")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	type agent struct {
		id, http, raft string
		cmd            *exec.Cmd
		log            *bytes.Buffer
	}
	agents := []*agent{{id: "a"}, {id: "b"}, {id: "c"}}
	for _, a := range agents {
		a.http, a.raft = freePort(t), freePort(t)
	}
	start := func(a *agent, extra ...string) {
		args := append([]string{"agent", "--node-id", a.id, "--http", a.http, "--raft", a.raft,
			"--data", filepath.Join(dir, a.id)}, extra...)
		a.log = &bytes.Buffer{}
		a.cmd = exec.Command(bin, args...)
		a.cmd.Env = append(os.Environ(), "CODEFED_FEDERATION_KEY=crash-test-federation-key")
		a.cmd.Stdout, a.cmd.Stderr = a.log, a.log
		if err := a.cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	kill := func(a *agent) {
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
		_ = a.cmd.Wait()
	}
	t.Cleanup(func() {
		for _, a := range agents {
			if a.cmd != nil && a.cmd.ProcessState == nil {
				kill(a)
			}
		}
		if t.Failed() {
			for _, a := range agents {
				t.Logf("agent %s output:\n%s", a.id, a.log)
			}
		}
	})
	start(agents[0], "--bootstrap")
	waitReady(t, agents[0].http)
	start(agents[1], "--join", "http://"+agents[0].http)
	start(agents[2], "--join", "http://"+agents[0].http)
	for _, a := range agents {
		waitReady(t, a.http)
	}

	// Writers: one per agent, each batch of 20 new subjects.
	var (
		mu    sync.Mutex
		acked []string
		seq   int
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Add(1)
		go func(addr string) {
			defer wg.Done()
			client := &http.Client{Timeout: 3 * time.Second}
			for ctx.Err() == nil {
				mu.Lock()
				base := seq
				seq += 20
				mu.Unlock()
				b := crashBatch(base, 20)
				body, _ := json.Marshal(b)
				resp, err := client.Post("http://"+addr+"/v1/records", "application/json", bytes.NewReader(body))
				if err != nil {
					continue
				}
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					for _, s := range b.Statuses {
						acked = append(acked, s.Subject)
					}
					mu.Unlock()
				}
			}
		}(a.http)
	}
	// Let the ingest run until a few hundred records are acknowledged,
	// then kill every process at once, writers still going.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 600 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d records acknowledged in 30s", n)
		}
		time.Sleep(10 * time.Millisecond) // poll interval
	}
	for _, a := range agents {
		_ = a.cmd.Process.Signal(syscall.SIGKILL)
	}
	for _, a := range agents {
		_ = a.cmd.Wait()
	}
	cancel()
	wg.Wait()
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	t.Logf("%d records acknowledged before SIGKILL", len(want))

	for _, a := range agents {
		start(a)
	}
	for _, a := range agents {
		waitReady(t, a.http)
	}
	for _, a := range agents {
		deadline := time.Now().Add(20 * time.Second)
		for {
			missing := missingSubjects(a.http, want)
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("agent %s lacks %d of %d acknowledged records after restart", a.id, missing, len(want))
			}
			time.Sleep(50 * time.Millisecond) // poll interval
		}
	}
}

// crashBatch makes n statuses issued now: the agents run on the wall clock,
// and records from the past would be purged as past retention.
func crashBatch(base, n int) schema.Batch {
	now := time.Now().Truncate(time.Second)
	b := schema.Batch{Schema: schema.Version, Region: "610100", BatchID: fmt.Sprintf("crash-%d", base)}
	for i := base; i < base+n; i++ {
		b.Statuses = append(b.Statuses, schema.Status{
			Subject: fmt.Sprintf("%064x", i+1), Region: "610100", Color: schema.Green, Reasons: []string{},
			IssuedAt: now, Source: schema.Source{System: "crash", RecordID: fmt.Sprint(i)},
		})
	}
	return b
}

func missingSubjects(addr string, subjects []string) int {
	missing := 0
	for _, s := range subjects {
		resp, err := http.Get("http://" + addr + "/v1/status/" + s)
		if err != nil {
			return len(subjects)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			missing++
		}
	}
	return missing
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitReady(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/v1/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
	t.Fatalf("agent on %s not ready within 20s", addr)
}
