// Package bench measures the hub's read endpoints under load: it requests
// GET /v1/contacts, /v1/trajectory or /v1/status for subjects drawn from a
// sample and reports throughput, errors and latency percentiles.
//
// Two models of load, because they answer different questions:
//
//   - Open loop (Rate > 0): requests are due at a fixed rate whatever the
//     server does, as a population of independent phones would send them.
//     Latency is counted from the moment a request was due, so when the
//     server falls behind, the time requests wait for a free connection
//     shows in the percentiles instead of silently lowering the rate (the
//     "coordinated omission" of closed-loop tools). This is the measure of
//     latency at a given load.
//   - Closed loop (Rate == 0): Connections clients each send their next
//     request as soon as the previous answer arrives, to find the
//     saturation throughput. It runs on fortio's periodic runner and HTTP
//     client.
//
// fortio's runner does not serve the open loop: it spreads the rate over a
// fixed number of threads that each wait for their answer before the next
// request and time a request from when it was actually sent, so a slow
// server lowers the offered load and hides its queue.
package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Queries the benchmark knows, by name.
const (
	QueryContacts   = "contacts"
	QueryTrajectory = "trajectory"
	QueryStatus     = "status"
)

// Queries lists the query names.
var Queries = []string{QueryContacts, QueryTrajectory, QueryStatus}

// Config describes a run.
type Config struct {
	// Addrs are base URLs of hub servers; connections are spread over
	// them (reads are answered locally by any member).
	Addrs []string
	// Query is one of Queries.
	Query string
	// Subjects are the pseudonyms requests are drawn from, uniformly.
	Subjects []string
	// Rate is the open loop's arrival rate in requests per second; 0 runs
	// a closed loop as fast as Connections allow.
	Rate float64
	// Duration is how long requests are sent.
	Duration time.Duration
	// Connections bounds the requests in flight (default 16).
	Connections int
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
	// MinOverlap is the contacts query's min_overlap (default 15m).
	MinOverlap string
	// Seed orders the subjects drawn, so runs can be repeated.
	Seed uint64
}

func (c *Config) normalize() error {
	if c.Connections <= 0 {
		c.Connections = 16
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MinOverlap == "" {
		c.MinOverlap = "15m"
	}
	switch {
	case len(c.Addrs) == 0:
		return errors.New("no server address")
	case len(c.Subjects) == 0:
		return errors.New("no subjects to query")
	case c.Duration <= 0:
		return errors.New("duration: want more than 0")
	case c.Rate < 0:
		return errors.New("rate: want 0 (as fast as possible) or more")
	case c.Rate > 0 && c.Rate*c.Duration.Seconds() < 1:
		return errors.New("rate × duration is less than one request")
	}
	if _, err := time.ParseDuration(c.MinOverlap); err != nil {
		return fmt.Errorf("min overlap: %w", err)
	}
	for i, a := range c.Addrs {
		if !strings.Contains(a, "://") {
			a = "http://" + a
		}
		c.Addrs[i] = strings.TrimRight(a, "/")
	}
	switch c.Query {
	case QueryContacts, QueryTrajectory, QueryStatus:
	default:
		return fmt.Errorf("query %q: want one of %s", c.Query, strings.Join(Queries, ", "))
	}
	return nil
}

// path is the request for one subject.
func (c *Config) path(subject string) string {
	p := "/v1/" + c.Query + "/" + url.PathEscape(subject)
	if c.Query == QueryContacts {
		p += "?min_overlap=" + url.QueryEscape(c.MinOverlap)
	}
	return p
}

// Result is what a run measured. Latency percentiles are of the answered
// requests that succeeded (2xx); errors are counted apart, by kind, because
// a fast 404 or a timeout says nothing about the latency of real answers.
type Result struct {
	Query       string  `json:"query"`
	Mode        string  `json:"mode"` // "open" or "closed"
	TargetRate  float64 `json:"target_rate,omitempty"`
	Connections int     `json:"connections"`
	Servers     int     `json:"servers"`
	// Seconds is the time from the first request to the last answer.
	Seconds  float64 `json:"seconds"`
	Requests int64   `json:"requests"` // answered or failed
	OK       int64   `json:"ok"`
	Errors   int64   `json:"errors"`
	// ErrorKinds counts errors by kind: "HTTP 404", "timeout", "transport".
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
	// Unsent counts open-loop requests that were due during the run but
	// never started, because every connection stayed busy to the end.
	Unsent int64   `json:"unsent,omitempty"`
	QPS    float64 `json:"qps"` // requests per second
	Bytes  int64   `json:"bytes"`
	// Latency is in milliseconds.
	Latency Latency `json:"latency_ms"`
}

// Latency holds percentiles of the successful requests' latency.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// tally is what one worker counts; workers merge theirs at the end, so the
// hot path takes no lock.
type tally struct {
	hist       histogram
	ok, bytes  int64
	errorKinds map[string]int64
}

func newTally() *tally { return &tally{errorKinds: map[string]int64{}} }

func (t *tally) fail(kind string) { t.errorKinds[kind]++ }

func (t *tally) merge(o *tally) {
	t.hist.merge(&o.hist)
	t.ok += o.ok
	t.bytes += o.bytes
	for k, v := range o.errorKinds {
		t.errorKinds[k] += v
	}
}

func (t *tally) result(cfg *Config, mode string, elapsed time.Duration) *Result {
	r := &Result{
		Query: cfg.Query, Mode: mode, Connections: cfg.Connections, Servers: len(cfg.Addrs),
		Seconds: elapsed.Seconds(), OK: t.ok, Bytes: t.bytes,
	}
	for _, v := range t.errorKinds {
		r.Errors += v
	}
	if r.Errors > 0 {
		r.ErrorKinds = t.errorKinds
	}
	r.Requests = r.OK + r.Errors
	if elapsed > 0 {
		r.QPS = float64(r.Requests) / elapsed.Seconds()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	r.Latency = Latency{
		P50: ms(t.hist.percentile(0.50)), P90: ms(t.hist.percentile(0.90)), P99: ms(t.hist.percentile(0.99)),
		Max: ms(t.hist.max), Mean: ms(t.hist.mean()),
	}
	return r
}

// Run sends the load cfg describes and returns what it measured. Cancelling
// ctx ends the run early; the result then covers what was sent.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if cfg.Rate > 0 {
		return runOpen(ctx, &cfg), nil
	}
	return runClosed(ctx, &cfg)
}

// ReadSubjects reads a subjects file: one 64-hex pseudonym a line; blank
// lines and lines starting with # are skipped.
func ReadSubjects(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !validSubject(line) {
			return nil, fmt.Errorf("%s line %d: not a subject (64 lowercase hex digits)", path, n)
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no subjects", path)
	}
	return out, nil
}

func validSubject(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] >= 'a' && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// WriteTable prints results as a table, one run a row, with the errors
// of each run below it.
func WriteTable(w io.Writer, results ...*Result) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tmode\ttarget/s\tconns\tseconds\trequests\terrors\tunsent\tqps\tp50 ms\tp90 ms\tp99 ms\tmax ms\t")
	for _, r := range results {
		target := "max"
		if r.Mode == "open" {
			target = fmt.Sprintf("%.0f", r.TargetRate)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%.1f\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n",
			r.Query, r.Mode, target, r.Connections, r.Seconds, r.Requests, r.Errors, r.Unsent, r.QPS,
			r.Latency.P50, r.Latency.P90, r.Latency.P99, r.Latency.Max)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		if r.Errors > 0 {
			fmt.Fprintf(w, "%s errors:", r.Query)
			for _, k := range slices.Sorted(maps.Keys(r.ErrorKinds)) {
				fmt.Fprintf(w, " %s ×%d", k, r.ErrorKinds[k])
			}
			fmt.Fprintln(w)
		}
		if r.Unsent > 0 {
			fmt.Fprintf(w, "%s: %d requests due were never sent: %d connections could not keep up with %.0f/s\n",
				r.Query, r.Unsent, r.Connections, r.TargetRate)
		}
	}
	return nil
}

// WriteJSON writes results as indented JSON: one object, or an array when
// there are several.
func WriteJSON(w io.Writer, results ...*Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if len(results) == 1 {
		return enc.Encode(results[0])
	}
	return enc.Encode(results)
}
