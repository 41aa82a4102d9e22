package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/conformance/regionsim"
	"github.com/codefed/codefed/conformance/spec"
)

// syncBuffer is a bytes.Buffer a command writes to while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestRegionsimServes starts an eu-dcc region simulator on a free loopback
// port, reads its URL and token from its output, fetches the metadata and a
// feed page, checks the trust certificate it wrote, and stops it.
func TestRegionsimServes(t *testing.T) {
	trust := filepath.Join(t.TempDir(), "dsc.pem")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	root := newRoot()
	root.SetArgs([]string{"regionsim", "--format", "eu-dcc", "--listen", "127.0.0.1:0", "--persons", "4", "--peak-rps", "20", "--trust-out", trust})
	root.SetOut(&out)
	root.SetErr(&out)
	done := make(chan error, 1)
	go func() { done <- root.ExecuteContext(ctx) }()

	urlLine := regexp.MustCompile(`URL:\s+(http://\S+)`)
	tokenLine := regexp.MustCompile(`Token:\s+(\S+)`)
	var url, token string
	for deadline := time.Now().Add(30 * time.Second); url == ""; {
		if m := urlLine.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			token = tokenLine.FindStringSubmatch(out.String())[1]
			break
		}
		select {
		case err := <-done:
			t.Fatalf("regionsim exited early: %v\n%s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no URL printed:\n%s", out.String())
		}
	}

	resp, err := http.Get(url + spec.PathMetadata)
	if err != nil {
		t.Fatal(err)
	}
	var meta spec.Metadata
	err = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if err != nil || meta.Spec != spec.Version || meta.Format != "eu-dcc" || meta.PeakRPS != 20 {
		t.Fatalf("metadata %+v, %v", meta, err)
	}
	req, _ := http.NewRequest(http.MethodGet, url+spec.PathFeed, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get(spec.HeaderRecords) != "12" {
		t.Errorf("feed with the printed token: %d, %s persons; want 200 and 12 (8 fixture + 4)", resp.StatusCode, resp.Header.Get(spec.HeaderRecords))
	}

	pemBytes, err := os.ReadFile(trust)
	if err != nil {
		t.Fatal(err)
	}
	if certs, err := adapters.ParseCertificates(pemBytes); err != nil || len(certs) != 1 {
		t.Errorf("--trust-out file: %d certificates, %v", len(certs), err)
	}
	if !strings.Contains(out.String(), trust) {
		t.Error("the output does not say where the trust certificate went")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("regionsim stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("regionsim did not stop")
	}
	if !strings.Contains(out.String(), "stopping") {
		t.Error("no word of stopping")
	}
}

func TestRegionsimDefectFlag(t *testing.T) {
	out, _, code := run(t, "", "regionsim", "--defect", "list")
	if code != 0 {
		t.Fatalf("--defect list: exit %d", code)
	}
	for _, d := range regionsim.Defects() {
		if !strings.Contains(out, string(d)+" ") {
			t.Errorf("--defect list does not list %s:\n%s", d, out)
		}
	}
	if out, _, _ := run(t, "", "regionsim", "--help"); !strings.Contains(out, string(regionsim.CursorGap)) {
		t.Errorf("--help does not list the defects:\n%s", out)
	}
	if _, errOut, code := run(t, "", "regionsim", "--format", "shaanxi", "--defect", "flaky"); code != 2 || !strings.Contains(errOut, "flaky") {
		t.Errorf("unknown defect: exit %d, %s", code, errOut)
	}
	if _, errOut, code := run(t, "", "regionsim", "--format", "atlantis"); code != 2 {
		t.Errorf("unknown format: exit %d, %s", code, errOut)
	}
}
