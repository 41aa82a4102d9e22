// Package devcluster runs the whole federation in one process for local
// development: a 3-node cluster on loopback, a synthetic population fed
// through every native adapter, and the API. `codefed dev` is its command.
package devcluster

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/hub/client"
	"github.com/codefed/codefed/internal/node"
	"github.com/codefed/codefed/schema"
)

// Config shapes the development cluster.
type Config struct {
	// Dir holds the nodes' data (default a new temporary directory, removed
	// on Close).
	Dir string
	// Nodes is the cluster size (default 3).
	Nodes int
	// People per format (default 300).
	People int
	// Seed makes the population reproducible (default 1).
	Seed uint64
	// Now anchors the synthetic timeline (default the wall clock): statuses
	// are issued in the day before it, events in the 13 days before it.
	// When set, the nodes' clocks stand still at it, so a replayed period
	// is not purged as past retention.
	Now    time.Time
	Logger *slog.Logger
}

// Cluster is a running development federation.
type Cluster struct {
	Nodes   []*node.Node
	Formats []FormatLoad
	// Examples are a few subjects per federated colour, for the printout.
	Examples map[string][]Example
	// Travellers have a status from one region's system and events from
	// another's.
	Travellers []Example
	dir        string
	ownDir     bool
}

// FormatLoad says what was fed through one adapter.
type FormatLoad struct {
	Format   string
	People   int
	Accepted int
	Rejected int
	Err      error
}

// Example is a synthetic person whose status is worth looking at.
type Example struct {
	Subject   string
	DocType   string
	DocNumber string
	Format    string
}

// Start brings the cluster up, feeds the population and returns once every
// node has applied it.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Nodes <= 0 {
		cfg.Nodes = 3
	}
	if cfg.People <= 0 {
		cfg.People = 300
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	var clock func() time.Time
	if cfg.Now.IsZero() {
		cfg.Now = time.Now()
	} else {
		fixed := cfg.Now
		clock = func() time.Time { return fixed }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	c := &Cluster{dir: cfg.Dir, Examples: map[string][]Example{}}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "codefed-dev-")
		if err != nil {
			return nil, err
		}
		c.dir, c.ownDir = d, true
	}
	// A throwaway EU DCC document signer, trusted by the dev nodes, so the
	// eu-dcc adapter can be fed like any other.
	signer, cert, err := eudcc.NewSigner("codefed dev DSC", "DE", cfg.Now.AddDate(0, -1, 0), cfg.Now.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	for i := 0; i < cfg.Nodes; i++ {
		id := fmt.Sprintf("dev%d", i+1)
		nc := node.Config{
			ID: id, HTTPListen: "127.0.0.1:0", RaftListen: "127.0.0.1:0", DataDir: filepath.Join(c.dir, id),
			Bootstrap: i == 0, Key: schema.DevKey, Trust: []*x509.Certificate{cert}, Logger: cfg.Logger, Fast: true,
			Clock: clock,
		}
		if i > 0 {
			nc.Join = c.Nodes[0].URL
		}
		n, err := node.Start(ctx, nc)
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("start %s: %w", id, err)
		}
		c.Nodes = append(c.Nodes, n)
		if i == 0 {
			if err := waitLeader(ctx, n); err != nil {
				c.Close()
				return nil, err
			}
		}
	}
	if err := c.feed(ctx, cfg, signer, cert); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func waitLeader(ctx context.Context, n *node.Node) error {
	for {
		if id, addr := n.Raft.Leader(); id != "" && addr != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no leader: %w", ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// mainland formats share resident IDs, so travellers can move between them.
func mainland(format string) bool {
	switch format {
	case "macau", "eu-dcc":
		return false
	}
	return true
}

func (c *Cluster) feed(ctx context.Context, cfg Config, signer *ecdsa.PrivateKey, cert *x509.Certificate) error {
	rng := mrand.New(mrand.NewPCG(cfg.Seed, 99))
	start := cfg.Now.Add(-13 * 24 * time.Hour)
	type load struct {
		a      adapters.Adapter
		people []adapters.Person
	}
	var loads []*load
	for i, a := range adapters.All() {
		s, ok := a.(adapters.Sampler)
		if !ok {
			c.Formats = append(c.Formats, FormatLoad{Format: a.ID(), Err: fmt.Errorf("format has no synthetic population")})
			continue
		}
		people := s.Sample(cfg.Seed+uint64(i), cfg.People, start, 13*24*time.Hour)
		// Statuses are issued in the last day so that they are valid now.
		for p := range people {
			for k := range people[p].Statuses {
				st := &people[p].Statuses[k]
				shift := cfg.Now.Add(-time.Duration(1+rng.IntN(20)) * time.Hour).Truncate(time.Minute).Sub(st.IssuedAt)
				st.IssuedAt = st.IssuedAt.Add(shift)
				if !st.ValidUntil.IsZero() {
					st.ValidUntil = st.ValidUntil.Add(shift)
				}
				if st.NAT != nil && !st.NAT.SampledAt.IsZero() {
					st.NAT.SampledAt = st.NAT.SampledAt.Add(shift)
				}
			}
		}
		loads = append(loads, &load{a: a, people: people})
	}
	var travellers []Example
	// Travellers: a few people of each mainland format show up in another
	// format's data under their own resident ID.
	for _, to := range loads {
		if !mainland(to.a.ID()) {
			continue
		}
		for _, from := range loads {
			if from == to || !mainland(from.a.ID()) {
				continue
			}
			for k := 0; k < max(1, cfg.People/50); k++ {
				src := from.people[rng.IntN(len(from.people))]
				dst := &to.people[rng.IntN(len(to.people))]
				if src.DocType == schema.DocResidentID && dst.DocType == schema.DocResidentID && len(dst.Events) > 0 && len(src.Statuses) > 0 {
					dst.DocNumber, dst.Name = src.DocNumber, src.Name
					travellers = append(travellers, Example{DocType: src.DocType, DocNumber: src.DocNumber, Format: from.a.ID() + "->" + to.a.ID()})
				}
			}
		}
	}
	cl := client.New(c.Nodes[0].URL, nil)
	for i, l := range loads {
		fl := FormatLoad{Format: l.a.ID(), People: len(l.people)}
		payload, err := l.a.Encode(l.people, adapters.EncodeOptions{Signer: signer, SignerCert: cert, At: cfg.Now.Add(-time.Hour)})
		if err != nil {
			fl.Err = fmt.Errorf("encode: %w", err)
			c.Formats = append(c.Formats, fl)
			continue
		}
		target := client.New(c.Nodes[i%len(c.Nodes)].URL, nil)
		res, err := target.Ingest(ctx, l.a.ID(), bytes.NewReader(payload))
		if err != nil {
			fl.Err = fmt.Errorf("ingest: %w", err)
		} else {
			fl.Accepted, fl.Rejected = res.Accepted, len(res.Rejected)
		}
		c.Formats = append(c.Formats, fl)
	}
	sort.Slice(c.Formats, func(i, j int) bool { return c.Formats[i].Format < c.Formats[j].Format })

	// Two risk areas: a street in Xi'an's Yanta district and Shanghai's
	// Pudong, where some synthetic events happened.
	areas := schema.Batch{Schema: schema.Version, Region: "100000", BatchID: "dev-risk-areas", RiskAreas: []schema.RiskArea{
		{ID: "dev-610113", Region: "610113", Name: "西安市雁塔区", Level: schema.RiskHigh, From: start, Until: cfg.Now.Add(7 * 24 * time.Hour)},
		{ID: "dev-310115", Region: "310115", Name: "上海市浦东新区", Level: schema.RiskMedium, From: start, Until: cfg.Now.Add(7 * 24 * time.Hour)},
	}}
	if _, err := cl.Records(ctx, &areas); err != nil {
		return fmt.Errorf("add risk areas: %w", err)
	}
	subjects, err := schema.NewPseudonymizer(schema.DevKey)
	if err != nil {
		return err
	}
	// Examples: a few subjects per colour, each from a different format
	// where possible.
	used := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, l := range loads {
			for _, p := range l.people {
				subj, err := subjects.Subject(p.DocType, p.DocNumber)
				if err != nil {
					continue
				}
				st, ok := c.Nodes[0].FSM.Status(subj, cfg.Now)
				if !ok || len(c.Examples[st.Color]) >= 3 || (pass == 0 && used[l.a.ID()+st.Color]) {
					continue
				}
				used[l.a.ID()+st.Color] = true
				c.Examples[st.Color] = append(c.Examples[st.Color], Example{Subject: subj, DocType: p.DocType, DocNumber: p.DocNumber, Format: l.a.ID()})
				break
			}
		}
	}
	for _, tr := range travellers {
		if subj, err := subjects.Subject(tr.DocType, tr.DocNumber); err == nil {
			tr.Subject = subj
			c.Travellers = append(c.Travellers, tr)
		}
	}
	// Every node has applied everything once the digests agree.
	for {
		_, want := c.Nodes[0].FSM.Digest()
		agree := true
		for _, n := range c.Nodes[1:] {
			if _, d := n.FSM.Digest(); d != want {
				agree = false
			}
		}
		if agree {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Print writes the URLs, what was loaded and commands to try.
func (c *Cluster) Print(w io.Writer) {
	fmt.Fprintf(w, "codefed dev: %d-node cluster on loopback, data in %s\n\n", len(c.Nodes), c.dir)
	for _, n := range c.Nodes {
		role := "follower"
		if n.Raft.IsLeader() {
			role = "leader"
		}
		fmt.Fprintf(w, "  %-5s %-26s %s\n", n.ID, n.URL, role)
	}
	fmt.Fprintf(w, "\nSynthetic population fed through the native adapters:\n")
	for _, f := range c.Formats {
		if f.Err != nil {
			fmt.Fprintf(w, "  %-10s skipped: %v\n", f.Format, f.Err)
			continue
		}
		fmt.Fprintf(w, "  %-10s %4d people  %5d v1 records accepted  %d rejected\n", f.Format, f.People, f.Accepted, f.Rejected)
	}
	counts := c.Nodes[0].FSM.Counts()
	fmt.Fprintf(w, "\nState: %d subjects, %d statuses, %d events, %d places, %d risk areas\n",
		counts["subjects"], counts["statuses"], counts["events"], counts["places"], counts["risk_areas"])
	url := c.Nodes[0].URL
	fmt.Fprintf(w, "\nWeb console: %s/ui/\n", url)
	fmt.Fprintf(w, "\nTry:\n")
	for _, color := range []string{schema.Red, schema.Yellow, schema.Green} {
		for _, e := range c.Examples[color][:min(1, len(c.Examples[color]))] {
			fmt.Fprintf(w, "  curl -s %s/v1/status/%s    # %s, from %s\n", url, e.Subject, color, e.Format)
			fmt.Fprintf(w, "  go run ./cmd/codefed status --addr %s --doc-type %s --doc-number '%s'\n", url, e.DocType, e.DocNumber)
		}
	}
	for _, tr := range c.Travellers {
		if t, ok := c.Nodes[0].FSM.Trajectory(tr.Subject, time.Time{}, time.Time{}); ok && len(t.Cities) > 1 {
			fmt.Fprintf(w, "  curl -s %s/v1/trajectory/%s    # a traveller, %s\n", url, tr.Subject, tr.Format)
			break
		}
	}
	fmt.Fprintf(w, "  curl -s %s/v1/cluster\n  curl -s %s/v1/risk-areas\n  curl -s %s/openapi.json\n", url, url, url)
	fmt.Fprintf(w, "\nDocuments are pseudonymised with the public development key. Ctrl-C stops the cluster and removes its data.\n")
}

// Close stops every node and removes a temporary data directory.
func (c *Cluster) Close() error {
	for _, n := range c.Nodes {
		n.Close()
	}
	if c.ownDir {
		return os.RemoveAll(c.dir)
	}
	return nil
}
