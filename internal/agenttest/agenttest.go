// Package agenttest runs real `codefed agent` processes for tests that need
// what only separate processes give: SIGKILL, SIGTERM, files left on disk,
// output as an operator would see it. It builds the binary, picks loopback
// addresses, and stops every agent a test started when the test ends,
// printing their output if the test failed.
package agenttest

import (
	"bytes"
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
)

// Build compiles the codefed command into a temporary directory and
// returns the binary's path.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "codefed")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/codefed/codefed/cmd/codefed").CombinedOutput(); err != nil {
		t.Fatalf("build codefed: %v\n%s", err, out)
	}
	return bin
}

// FreeAddr returns a 127.0.0.1 address with a port free at the time of
// the call.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Agent is one agent process. Its addresses and data directory stay the
// same across restarts, as an operator's would.
type Agent struct {
	ID, HTTP, Raft, Data string

	bin string
	env []string

	mu      sync.Mutex
	out     bytes.Buffer
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
}

// New prepares agent id with its data under dir and env added to the
// process environment (the federation key, typically). It does not start it.
func New(t testing.TB, bin, dir, id string, env ...string) *Agent {
	t.Helper()
	a := &Agent{ID: id, HTTP: FreeAddr(t), Raft: FreeAddr(t), Data: filepath.Join(dir, id), bin: bin, env: env}
	t.Cleanup(func() {
		if a.running() {
			a.Kill()
		}
		if t.Failed() {
			t.Logf("agent %s output:\n%s", a.ID, a.Output())
		}
	})
	return a
}

// URL is the agent's HTTP base URL.
func (a *Agent) URL() string { return "http://" + a.HTTP }

// Start runs the agent with its node ID, addresses and data directory,
// plus extra flags (--bootstrap, --join URL, --trust FILE, ...).
func (a *Agent) Start(t testing.TB, extra ...string) {
	t.Helper()
	args := append([]string{"agent", "--node-id", a.ID, "--http", a.HTTP, "--raft", a.Raft, "--data", a.Data}, extra...)
	cmd := exec.Command(a.bin, args...)
	cmd.Env = append(os.Environ(), a.env...)
	cmd.Stdout, cmd.Stderr = &lockedWriter{a}, &lockedWriter{a}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	a.mu.Lock()
	a.cmd, a.exited, a.exitErr = cmd, exited, nil
	a.mu.Unlock()
	go func() {
		err := cmd.Wait()
		a.mu.Lock()
		a.exitErr = err
		a.mu.Unlock()
		close(exited)
	}()
}

type lockedWriter struct{ a *Agent }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.a.mu.Lock()
	defer w.a.mu.Unlock()
	return w.a.out.Write(p)
}

// Output returns everything the agent has printed so far, across restarts.
func (a *Agent) Output() []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	return bytes.Clone(a.out.Bytes())
}

func (a *Agent) running() bool {
	a.mu.Lock()
	exited := a.exited
	a.mu.Unlock()
	if exited == nil {
		return false
	}
	select {
	case <-exited:
		return false
	default:
		return true
	}
}

// Signal sends sig to the running agent.
func (a *Agent) Signal(sig os.Signal) {
	a.mu.Lock()
	cmd := a.cmd
	a.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(sig)
	}
}

// Wait waits up to timeout for the agent to exit and returns how it
// exited.
func (a *Agent) Wait(timeout time.Duration) error {
	a.mu.Lock()
	exited := a.exited
	a.mu.Unlock()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-exited:
	case <-timer.C:
		select {
		case <-exited: // exited just as the time ran out
		default:
			return fmt.Errorf("agent %s still running after %v", a.ID, timeout)
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.exitErr
}

// Kill stops the agent with SIGKILL and waits for it to be gone.
func (a *Agent) Kill() {
	a.Signal(syscall.SIGKILL)
	_ = a.Wait(time.Minute)
}

// WaitReady polls /v1/ready until the agent answers 200, failing the test
// if the agent exits or timeout passes first.
func (a *Agent) WaitReady(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if !a.running() {
			t.Fatalf("agent %s exited: %v\n%s", a.ID, a.Wait(0), a.Output())
		}
		resp, err := http.Get(a.URL() + "/v1/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("agent %s not ready within %v", a.ID, timeout)
		}
		time.Sleep(50 * time.Millisecond) // poll interval
	}
}
