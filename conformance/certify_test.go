package conformance_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	_ "github.com/codefed/codefed/adapters/all"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/conformance/regionsim"
	"github.com/codefed/codefed/conformance/spec"
)

// Small regions keep the table fast: a few dozen persons besides the
// fixture, load phases of one second at a small declared peak.
const (
	simPersons   = 30
	simPeak      = 10
	loadDuration = 600 * time.Millisecond
	// simObjective leaves room for a machine busy with other work and the
	// race detector; the slow defect answers after 1.5 times it.
	simObjective = time.Second
	simToken     = "test-token-of-the-region"
)

// region is a simulator on real loopback HTTP. Restart replaces the
// simulator behind the listener with a new one of the same configuration,
// as a restart of the region's system would.
type region struct {
	srv   *httptest.Server
	sim   atomic.Pointer[regionsim.Sim]
	cfg   regionsim.Config
	trust []*x509.Certificate
}

func startRegion(t *testing.T, cfg regionsim.Config) *region {
	t.Helper()
	// The signer is the region's, so a restarted simulator signs with it
	// too.
	key, cert, err := eudcc.NewSigner("region under test", "CN", fixture.Start.AddDate(0, -3, 0), fixture.Start.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Signer, cfg.SignerCert = key, cert
	sim, err := regionsim.New(cfg)
	if errors.Is(err, regionsim.ErrUnsupportedDefect) {
		t.Skipf("%s cannot carry %v: %v", cfg.Format, cfg.Defects, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	reg := &region{cfg: cfg, trust: []*x509.Certificate{sim.TrustCertificate()}}
	reg.sim.Store(sim)
	reg.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reg.sim.Load().Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(reg.srv.Close)
	return reg
}

func (reg *region) restart(context.Context) error {
	sim, err := regionsim.New(reg.cfg)
	if err != nil {
		return err
	}
	reg.sim.Store(sim)
	return nil
}

func (reg *region) options(format string) conformance.Options {
	return conformance.Options{Target: reg.srv.URL, Format: format, Token: simToken, Trust: reg.trust,
		LoadDuration: loadDuration, Restart: reg.restart}
}

func simConfig(format string, defects ...regionsim.Defect) regionsim.Config {
	return regionsim.Config{Format: format, Token: simToken, Seed: 11, Persons: simPersons, PeakRPS: simPeak,
		LatencyObjective: simObjective, Defects: defects}
}

func run(t *testing.T, opts conformance.Options) *conformance.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := conformance.Run(ctx, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

// failures lists the tests that did not pass, with their messages.
func failures(rep *conformance.Report) string {
	var b strings.Builder
	for _, tr := range rep.Tests() {
		if tr.Outcome != conformance.Pass {
			fmt.Fprintf(&b, "\n  %s %s %v: %s", tr.Outcome, tr.ID, tr.Requirements, tr.Message)
		}
	}
	return b.String()
}

// TestCleanRegionsPass runs the whole suite, load phases included, against
// a clean simulator of every registered format. The formats run one after
// the other so that the load phases do not compete for the machine.
func TestCleanRegionsPass(t *testing.T) {
	for _, a := range adapters.All() {
		if _, ok := a.(adapters.Sampler); !ok {
			continue
		}
		t.Run(a.ID(), func(t *testing.T) {
			reg := startRegion(t, simConfig(a.ID()))
			rep := run(t, reg.options(a.ID()))
			if !rep.Passed() {
				t.Fatalf("clean %s region: verdict %s, failed %v%s", a.ID(), rep.Verdict, rep.Failed, failures(rep))
			}
			if got, want := rep.Counts.Total(), len(conformance.List()); got != want {
				t.Errorf("%d tests ran, the suite has %d", got, want)
			}
			for _, tr := range rep.Tests() {
				if tr.Required && tr.Outcome != conformance.Pass {
					t.Errorf("%s: %s", tr.ID, tr.Outcome)
				}
			}
		})
	}
}

// The requirement each defect breaks, and the other requirements the
// defect may also break (the suite may see a defect from more than one
// side, but it must see it from this one).
var defectTable = []struct {
	defect regionsim.Defect
	// breaks are the requirements of which at least one must fail.
	breaks []string
	// load marks the defects only the load phases see.
	load bool
}{
	{regionsim.WrongTimezone, []string{"RIS-DATA-02"}, false},
	{regionsim.MissingField, []string{"RIS-FEED-01"}, false},
	{regionsim.BadColourCode, []string{"RIS-DATA-03", "RIS-FEED-01"}, false},
	{regionsim.DuplicateRecords, []string{"RIS-FEED-02"}, false},
	{regionsim.CursorGap, []string{"RIS-FEED-03"}, false},
	{regionsim.UnstableOrder, []string{"RIS-FEED-04"}, false},
	{regionsim.Slow, []string{"RIS-LOAD-01"}, true},
	{regionsim.Overload, []string{"RIS-LOAD-02"}, true},
	{regionsim.NoAuth, []string{"RIS-AUTH-01", "RIS-AUTH-02"}, false},
}

// withoutLoad selects every test but the load phases.
func withoutLoad() []string {
	var out []string
	for _, ti := range conformance.List() {
		if !slices.Contains(ti.Requirements, "RIS-LOAD-01") && !slices.Contains(ti.Requirements, "RIS-LOAD-02") {
			out = append(out, ti.ID)
		}
	}
	return out
}

// TestDefectsAreCaught shows that the suite fails each defect of the
// simulator with the test of the requirement the defect breaks: every
// data, feed and authentication defect for every format, the load defects
// for two formats (they are the same in every format). Each run is limited
// to the tests of the broken requirement; TestCleanRegionsPass shows the
// others pass on a clean region.
func TestDefectsAreCaught(t *testing.T) {
	loadFormats := []string{"shaanxi", "eu-dcc"}
	for _, d := range defectTable {
		if d.load {
			t.Run(string(d.defect), func(t *testing.T) {
				for _, format := range loadFormats {
					t.Run(format, func(t *testing.T) {
						reg := startRegion(t, simConfig(format, d.defect))
						opts := reg.options(format)
						opts.Only = d.breaks
						expectCaught(t, run(t, opts), d.breaks)
					})
				}
			})
		}
	}
	for _, d := range defectTable {
		if d.load {
			continue
		}
		t.Run(string(d.defect), func(t *testing.T) {
			t.Parallel()
			for _, a := range adapters.All() {
				t.Run(a.ID(), func(t *testing.T) {
					cfg := simConfig(a.ID(), d.defect)
					if d.defect == regionsim.NoAuth {
						cfg.Token = ""
					}
					reg := startRegion(t, cfg)
					opts := reg.options(a.ID())
					opts.Only = d.breaks
					expectCaught(t, run(t, opts), d.breaks)
				})
			}
		})
	}
}

func expectCaught(t *testing.T, rep *conformance.Report, breaks []string) {
	t.Helper()
	if rep.Passed() {
		t.Fatalf("the suite passed a region with the defect")
	}
	t.Logf("the suite saw:%s", failures(rep))
	for _, tr := range rep.Tests() {
		if tr.Outcome != conformance.Fail {
			continue
		}
		for _, id := range tr.Requirements {
			if slices.Contains(breaks, id) {
				return
			}
		}
	}
	t.Errorf("no test of %v failed; the suite saw:%s", breaks, failures(rep))
}

// TestRequirementsCovered checks that every requirement of the
// specification has a required test, and that the suite names no other.
func TestRequirementsCovered(t *testing.T) {
	covered := map[string]bool{}
	for _, ti := range conformance.List() {
		for _, id := range ti.Requirements {
			if _, ok := spec.Lookup(id); !ok {
				t.Errorf("test %s names %s, which is not a requirement of %s", ti.ID, id, spec.Version)
			}
			if ti.Required {
				covered[id] = true
			}
		}
	}
	for _, req := range spec.Requirements {
		if !covered[req.ID] {
			t.Errorf("no required test checks %s (%s)", req.ID, req.Title)
		}
	}
}

// TestErrorFormatIsCheckedOnEveryAnswer puts a proxy in front of a clean
// region that answers one kind of bad request with a plain-text error, as
// a web server's default page would: the error-format test, which runs
// last, must name it although it never sent that request itself.
func TestErrorFormatIsCheckedOnEveryAnswer(t *testing.T) {
	reg := startRegion(t, simConfig("fujian"))
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == spec.PathFeed && r.URL.Query().Get("limit") == "ten" {
			http.Error(w, "Bad Request", http.StatusBadRequest)
			return
		}
		reg.sim.Load().Handler().ServeHTTP(w, r)
	}))
	defer proxy.Close()
	opts := reg.options("fujian")
	opts.Target = proxy.URL
	opts.Only = []string{"RIS-ERR-01", "RIS-FEED-06"}
	rep := run(t, opts)
	if got := outcomeOf(rep, "feed.limits"); got != conformance.Pass {
		t.Errorf("feed.limits %s: the status was right", got)
	}
	for _, tr := range rep.Tests() {
		if tr.ID == "errors.json" {
			if tr.Outcome != conformance.Fail || !strings.Contains(tr.Message, "GET /feed answered 400 without the JSON error") {
				t.Errorf("errors.json %s: %s", tr.Outcome, tr.Message)
			}
			return
		}
	}
	t.Fatal("errors.json did not run")
}
