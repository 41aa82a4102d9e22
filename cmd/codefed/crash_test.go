package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/codefed/codefed/internal/agenttest"
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
	bin := agenttest.Build(t)
	dir := t.TempDir()
	var agents []*agenttest.Agent
	for _, id := range []string{"a", "b", "c"} {
		agents = append(agents, agenttest.New(t, bin, dir, id, "CODEFED_FEDERATION_KEY=crash-test-federation-key"))
	}
	agents[0].Start(t, "--bootstrap")
	agents[0].WaitReady(t, 20*time.Second)
	agents[1].Start(t, "--join", agents[0].URL())
	agents[2].Start(t, "--join", agents[0].URL())
	for _, a := range agents {
		a.WaitReady(t, 20*time.Second)
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
		}(a.HTTP)
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
		a.Signal(syscall.SIGKILL)
	}
	for _, a := range agents {
		_ = a.Wait(time.Minute)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	want := append([]string(nil), acked...)
	mu.Unlock()
	t.Logf("%d records acknowledged before SIGKILL", len(want))

	for _, a := range agents {
		a.Start(t)
	}
	for _, a := range agents {
		a.WaitReady(t, 20*time.Second)
	}
	for _, a := range agents {
		deadline := time.Now().Add(20 * time.Second)
		for {
			missing := missingSubjects(a.HTTP, want)
			if missing == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("agent %s lacks %d of %d acknowledged records after restart", a.ID, missing, len(want))
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
