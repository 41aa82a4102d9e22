package gen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// LoadConfig describes loading a data set into a running hub.
type LoadConfig struct {
	// Dir holds the data set (see Generate).
	Dir string
	// Addrs are base URLs of hub servers; batches are spread over them in
	// turn. Followers forward writes to the leader, so any member will do.
	Addrs []string
	// Concurrency is the number of batches in flight (default 4).
	Concurrency int
	// Client sends the batches (default a client with keep-alive
	// connections for Concurrency requests and a 2-minute timeout).
	Client *http.Client
	// Attempts bounds how often a batch is sent when the cluster answers
	// that it is unavailable (no leader yet, leader changing) or cannot be
	// reached (default 10). Sending a batch again is harmless: the hub's
	// merge makes replays no-ops.
	Attempts int
	// Progress, when set, is called after every acknowledged batch with
	// the number of records it held. It is called from several goroutines.
	Progress func(records int)
}

// LoadResult sums up a load.
type LoadResult struct {
	Batches  int `json:"batches"`
	Records  int `json:"records"`
	Accepted int `json:"accepted"`
	Rejected int `json:"rejected"`
	// Statuses and Events count what became current in the hub (a replay
	// of an already loaded data set counts none).
	Statuses int           `json:"statuses"`
	Events   int           `json:"events"`
	Retries  int           `json:"retries"`
	Bytes    int64         `json:"bytes"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// RecordsPerSecond is the load's throughput.
func (r *LoadResult) RecordsPerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Records) / r.Elapsed.Seconds()
}

// Load posts every batch of the data set in cfg.Dir to POST /v1/records and
// returns when all are acknowledged (committed on a quorum and applied), or
// at the first batch the hub refuses.
func Load(ctx context.Context, cfg LoadConfig) (*LoadResult, error) {
	if len(cfg.Addrs) == 0 {
		return nil, errors.New("no hub address")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 4
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 10
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
			MaxIdleConnsPerHost: cfg.Concurrency, DisableCompression: true,
		}}
	}
	m, err := ReadManifest(cfg.Dir)
	if err != nil {
		return nil, err
	}
	urls := make([]string, len(cfg.Addrs))
	for i, a := range cfg.Addrs {
		if !strings.Contains(a, "://") {
			a = "http://" + a
		}
		urls[i] = strings.TrimRight(a, "/") + "/v1/records"
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	lines := make(chan []byte, cfg.Concurrency)
	var (
		mu  sync.Mutex
		res LoadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for w := range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			url := urls[w%len(urls)]
			for {
				var line []byte
				select {
				case line = <-lines:
				case <-ctx.Done():
					return
				}
				if line == nil {
					return
				}
				ack, retries, err := post(ctx, cfg, url, line)
				if err != nil {
					cancel(err)
					return
				}
				mu.Lock()
				res.Batches++
				res.Records += ack.Accepted + len(ack.Rejected)
				res.Accepted += ack.Accepted
				res.Rejected += len(ack.Rejected)
				res.Statuses += ack.Result.Statuses
				res.Events += ack.Result.Events
				res.Retries += retries
				res.Bytes += int64(len(line))
				mu.Unlock()
				if cfg.Progress != nil {
					cfg.Progress(ack.Accepted + len(ack.Rejected))
				}
			}
		}()
	}
	readErr := readBatches(ctx, cfg.Dir, m.Files, lines)
	close(lines)
	wg.Wait()
	res.Elapsed = time.Since(start)
	if err := context.Cause(ctx); err != nil {
		return &res, err
	}
	if readErr != nil {
		return &res, readErr
	}
	return &res, nil
}

// readBatches streams the lines of the data set's files into out, one
// batch at a time, so a data set larger than memory loads.
func readBatches(ctx context.Context, dir string, files []FileInfo, out chan<- []byte) error {
	for _, fi := range files {
		f, err := os.Open(filepath.Join(dir, fi.Name))
		if err != nil {
			return fmt.Errorf("open batches: %w", err)
		}
		r := bufio.NewReaderSize(f, 1<<20)
		for n := 1; ; n++ {
			line, err := r.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				select {
				case out <- line:
				case <-ctx.Done():
					f.Close()
					return nil
				}
			}
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				f.Close()
				return fmt.Errorf("read %s line %d: %w", fi.Name, n, err)
			}
		}
		f.Close()
	}
	return nil
}

// ack is the part of the hub's answer to POST /v1/records a load needs.
type ack struct {
	Accepted int               `json:"accepted"`
	Rejected []json.RawMessage `json:"rejected"`
	Result   struct {
		Statuses int `json:"statuses"`
		Events   int `json:"events"`
	} `json:"result"`
}

// post sends one batch, as it is in the file: decoding and encoding it
// again would only spend the client's share of the CPU.
func post(ctx context.Context, cfg LoadConfig, url string, body []byte) (*ack, int, error) {
	backoff := 100 * time.Millisecond
	var last error
	for attempt := range cfg.Attempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return nil, attempt - 1, context.Cause(ctx)
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, attempt, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := cfg.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, attempt, context.Cause(ctx)
			}
			last = err
			continue
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			last = fmt.Errorf("read answer: %w", err)
			continue
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			var a ack
			if err := json.Unmarshal(b, &a); err != nil {
				return nil, attempt, fmt.Errorf("decode answer of %s: %w", url, err)
			}
			return &a, attempt, nil
		case resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout:
			last = fmt.Errorf("%s: HTTP %d: %s", url, resp.StatusCode, bytes.TrimSpace(b))
		default:
			return nil, attempt, fmt.Errorf("%s refused batch %s: HTTP %d: %s", url, batchID(body), resp.StatusCode, bytes.TrimSpace(b))
		}
	}
	return nil, cfg.Attempts - 1, fmt.Errorf("batch %s not acknowledged after %d attempts: %w", batchID(body), cfg.Attempts, last)
}

// batchID names a batch in an error without decoding all of it.
func batchID(line []byte) string {
	const key = `"batch_id":"`
	i := bytes.Index(line, []byte(key))
	if i < 0 {
		return "?"
	}
	rest := line[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 && j < 128 {
		return string(rest[:j])
	}
	return "?"
}
