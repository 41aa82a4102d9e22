package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"fortio.org/fortio/fhttp"
	"fortio.org/fortio/periodic"
	"fortio.org/log"
)

// fortioLog serialises runs that change fortio's process-wide log level.
var fortioLog sync.Mutex

// runClosed runs Connections fortio threads as fast as answers come, each
// with its own keep-alive connection, switching the URL to a new subject
// before every request.
func runClosed(ctx context.Context, cfg *Config) (*Result, error) {
	// fortio logs every thread's end at info level and every failed
	// request at error level; the run's own counts report both.
	fortioLog.Lock()
	defer fortioLog.Unlock()
	prev := log.SetLogLevelQuiet(log.Critical)
	defer log.SetLogLevelQuiet(prev)

	// The runner takes the options over and clears the Runnables given to
	// it, so they are installed in its own options afterwards.
	runner := periodic.NewPeriodicRunner(&periodic.RunnerOptions{
		RunType: "codefed bench " + cfg.Query, QPS: -1, Duration: cfg.Duration, NumThreads: cfg.Connections,
		Out: io.Discard,
	})
	threads := make([]*fortioThread, 0, cfg.Connections)
	defer func() {
		for _, t := range threads {
			t.client.Close()
		}
	}()
	for w := range cfg.Connections {
		base := cfg.Addrs[w%len(cfg.Addrs)]
		opts := fhttp.NewHTTPOptions(base + cfg.path(cfg.Subjects[0]))
		opts.HTTPReqTimeOut = cfg.Timeout
		opts.DisableFastClient = true // the fast client cannot change its URL
		client, err := fhttp.NewStdClient(opts)
		if err != nil {
			runner.Options().Abort()
			return nil, fmt.Errorf("http client for %s: %w", base, err)
		}
		t := &fortioThread{cfg: cfg, base: base, client: client, tally: newTally(),
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(w)))}
		threads = append(threads, t)
		runner.Options().Runners[w] = t
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-ctx.Done():
			runner.Options().Abort()
		case <-done:
		}
	}()
	res := runner.Run()
	sum := newTally()
	for _, t := range threads {
		sum.merge(t.tally)
	}
	return sum.result(cfg, "closed", res.ActualDuration), nil
}

// fortioThread is one fortio thread's Runnable. fortio calls Run from one
// goroutine per thread, so the thread's tally needs no lock.
type fortioThread struct {
	cfg    *Config
	base   string
	client *fhttp.Client
	rng    *rand.Rand
	tally  *tally
}

func (f *fortioThread) Run(ctx context.Context, _ periodic.ThreadID) (bool, string) {
	subject := f.cfg.Subjects[f.rng.IntN(len(f.cfg.Subjects))]
	if err := f.client.ChangeURL(f.base + f.cfg.path(subject)); err != nil {
		f.tally.fail("request")
		return false, err.Error()
	}
	start := time.Now()
	code, n, _ := f.client.StreamFetch(ctx)
	lat := time.Since(start)
	switch {
	case code < 0:
		// fortio reports transport failures and timeouts alike as -1.
		f.tally.fail("transport")
		return false, ""
	case code/100 != 2:
		f.tally.bytes += max(n, 0)
		f.tally.fail(fmt.Sprintf("HTTP %d", code))
		return false, ""
	}
	f.tally.bytes += n
	f.tally.ok++
	f.tally.hist.record(lat)
	return true, ""
}
