package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// runOpen sends requests on a fixed schedule: request k is due at
// start + k/Rate. Each of Connections workers takes the next request due,
// waits for its time if it is early, and sends it. A worker that is late
// (its previous answer came after the next request was due) sends at once
// and the request's latency counts from when it was due, so the wait for a
// free connection is part of what the run reports.
func runOpen(ctx context.Context, cfg *Config) *Result {
	hc := newHTTPClient(cfg)
	defer hc.CloseIdleConnections()
	total := int64(cfg.Rate * cfg.Duration.Seconds())
	interval := float64(time.Second) / cfg.Rate
	var (
		next, started atomic.Int64
		wg            sync.WaitGroup
		tallies       = make([]*tally, cfg.Connections)
	)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	for w := range cfg.Connections {
		t := newTally()
		tallies[w] = t
		base := cfg.Addrs[w%len(cfg.Addrs)]
		rng := rand.New(rand.NewPCG(cfg.Seed, uint64(w)))
		wg.Add(1)
		go func() {
			defer wg.Done()
			timer := time.NewTimer(time.Hour)
			timer.Stop()
			for {
				k := next.Add(1) - 1
				if k >= total {
					return
				}
				due := start.Add(time.Duration(float64(k) * interval))
				now := time.Now()
				if now.After(deadline) || ctx.Err() != nil {
					return // what remains was due but is never sent
				}
				sent := due
				if wait := due.Sub(now); wait > 0 {
					timer.Reset(wait)
					select {
					case <-timer.C:
					case <-ctx.Done():
						timer.Stop()
						return
					}
					// Early: the timer's own lateness is the generator's,
					// not the server's, so time from the actual send.
					sent = time.Now()
				}
				started.Add(1)
				fetch(ctx, hc, base+cfg.path(cfg.Subjects[rng.IntN(len(cfg.Subjects))]), sent, t)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	sum := newTally()
	for _, t := range tallies {
		sum.merge(t)
	}
	r := sum.result(cfg, "open", elapsed)
	r.TargetRate = cfg.Rate
	if ctx.Err() == nil {
		r.Unsent = total - started.Load()
	}
	return r
}

func newHTTPClient(cfg *Config) *http.Client {
	return &http.Client{
		Timeout: cfg.Timeout,
		Transport: &http.Transport{
			Proxy:               nil, // traffic goes to the servers named, never through a proxy
			MaxConnsPerHost:     cfg.Connections,
			MaxIdleConns:        cfg.Connections,
			MaxIdleConnsPerHost: cfg.Connections,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			DialContext:         (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		},
	}
}

// fetch sends one GET, reads the whole answer, and records it in t with
// its latency counted from since.
func fetch(ctx context.Context, hc *http.Client, url string, since time.Time, t *tally) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.fail("request")
		return
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			t.fail(errorKind(err))
		}
		return
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	lat := time.Since(since)
	t.bytes += n
	switch {
	case err != nil:
		if ctx.Err() == nil {
			t.fail(errorKind(err))
		}
	case resp.StatusCode/100 != 2:
		t.fail(fmt.Sprintf("HTTP %d", resp.StatusCode))
	default:
		t.ok++
		t.hist.record(lat)
	}
}

func errorKind(err error) string {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return "transport"
}
