package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jstemmer/go-junit-report/v2/junit"

	"github.com/codefed/codefed/conformance"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/conformance/regionsim"
	"github.com/codefed/codefed/schema"
)

// handmade is a report with every outcome, in two groups.
func handmade() *conformance.Report {
	rep := &conformance.Report{Spec: "codefed-ris/1", SuiteVersion: conformance.SuiteVersion, Target: "http://127.0.0.1:7900",
		Format: "shaanxi", Started: time.Date(2022, 3, 15, 9, 0, 0, 0, time.UTC), Finished: time.Date(2022, 3, 15, 9, 1, 0, 0, time.UTC),
		Verdict: conformance.VerdictFail, Counts: conformance.Counts{Pass: 2, Fail: 1, Skip: 1, Error: 1},
		Failed: []string{"RIS-FEED-02", "RIS-LOAD-01"}}
	rep.Suites = []conformance.Suite{{ID: "ris1", Name: "RIS/1", Groups: []conformance.Group{
		{ID: "feed", Name: "Feed", Tests: []conformance.TestResult{
			{ID: "feed.walk-small", Requirements: []string{"RIS-FEED-01"}, Required: true, Outcome: conformance.Pass, Message: "73 pages", DurationMS: 70},
			{ID: "feed.no-duplicates", Requirements: []string{"RIS-FEED-02"}, Required: true, Outcome: conformance.Fail,
				Message: "person 3f1c in pages 4, 5", Findings: []string{"person 3f1c in pages 4, 5"}, DurationMS: 1},
			{ID: "feed.no-gaps", Requirements: []string{"RIS-FEED-03"}, Required: true, Outcome: conformance.Skip, Message: "one page size only"},
		}},
		{ID: "load", Name: "Load", Tests: []conformance.TestResult{
			{ID: "load.peak", Requirements: []string{"RIS-LOAD-01"}, Required: true, Outcome: conformance.Error, Message: "no metadata document"},
			{ID: "errors.unknown-path", Requirements: []string{"RIS-ERR-01"}, Required: false, Outcome: conformance.Pass, Message: "ok"},
		}},
	}}}
	return rep
}

func TestJUnitParsesBack(t *testing.T) {
	rep := handmade()
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var got junit.Testsuites
	if err := xml.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("the JUnit report does not parse: %v\n%s", err, buf.String())
	}
	c := rep.Counts
	if got.Tests != c.Total() || got.Failures != c.Fail || got.Errors != c.Error || got.Skipped != c.Skip {
		t.Errorf("totals tests %d failures %d errors %d skipped %d, want %d %d %d %d",
			got.Tests, got.Failures, got.Errors, got.Skipped, c.Total(), c.Fail, c.Error, c.Skip)
	}
	if len(got.Suites) != 2 {
		t.Fatalf("%d testsuites, want one per group (2)", len(got.Suites))
	}
	for i, g := range rep.Suites[0].Groups {
		ts := got.Suites[i]
		if ts.Tests != len(g.Tests) || len(ts.Testcases) != len(g.Tests) {
			t.Errorf("testsuite %s holds %d testcases (tests=%d), want %d", ts.Name, len(ts.Testcases), ts.Tests, len(g.Tests))
		}
		props := map[string]string{}
		if ts.Properties != nil {
			for _, p := range *ts.Properties {
				props[p.Name] = p.Value
			}
		}
		for j, tr := range g.Tests {
			tc := ts.Testcases[j]
			if tc.Name != tr.ID {
				t.Errorf("testcase %q, want %q", tc.Name, tr.ID)
			}
			if props["requirements."+tr.ID] != strings.Join(tr.Requirements, ",") {
				t.Errorf("property requirements.%s = %q, want %v", tr.ID, props["requirements."+tr.ID], tr.Requirements)
			}
			outcome := map[conformance.Outcome]bool{conformance.Fail: tc.Failure != nil, conformance.Error: tc.Error != nil,
				conformance.Skip: tc.Skipped != nil}
			for o, present := range outcome {
				if present != (tr.Outcome == o) {
					t.Errorf("testcase %s (%s): %s element present %v", tr.ID, tr.Outcome, o, present)
				}
			}
		}
	}
}

func TestJSONReportFieldNames(t *testing.T) {
	var buf bytes.Buffer
	if err := handmade().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"spec", "suite_version", "target", "format", "started", "finished", "verdict", "counts", "failed", "suites"} {
		if _, ok := top[k]; !ok {
			t.Errorf("the JSON report has no %q", k)
		}
	}
	var back conformance.Report
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Counts != handmade().Counts || len(back.Tests()) != 5 || back.Tests()[1].Outcome != conformance.Fail {
		t.Errorf("the report does not read back: %+v", back.Counts)
	}
}

// defectiveRun runs the suite, load phases aside, against a shaanxi
// region that checks no token and writes wrong colour codes, with a
// restart hook that fails: a report with passes, failures and an error.
func defectiveRun(t *testing.T) *conformance.Report {
	t.Helper()
	cfg := simConfig("shaanxi", regionsim.NoAuth, regionsim.BadColourCode)
	reg := startRegion(t, cfg)
	opts := reg.options("shaanxi")
	opts.Only = withoutLoad()
	calls := 0
	opts.Restart = func(context.Context) error {
		calls++
		return errors.New("the region's operator script exited 3")
	}
	var order []string
	opts.Progress = func(p conformance.Progress) { order = append(order, p.Test.ID) }
	rep := run(t, opts)
	if calls != 1 {
		t.Errorf("restart hook called %d times, want once", calls)
	}
	if i := slices.Index(order, "feed.restart"); i < 1 || order[i-1] != "feed.walk-small" {
		t.Errorf("with a restart hook the restart check ran at %d after %v, want right after the first walk", i, order)
	}
	return rep
}

func outcomeOf(rep *conformance.Report, id string) conformance.Outcome {
	for _, tr := range rep.Tests() {
		if tr.ID == id {
			return tr.Outcome
		}
	}
	return ""
}

func TestRestartHookFailureIsAnError(t *testing.T) {
	rep := defectiveRun(t)
	if got := outcomeOf(rep, "feed.restart"); got != conformance.Error {
		t.Errorf("feed.restart %s after a failed restart, want error", got)
	}
	if got := outcomeOf(rep, "feed.walk-max"); got != conformance.Pass {
		t.Errorf("feed.walk-max %s, want pass (the region was not restarted, its feed is fine)", got)
	}
	if !slices.Contains(rep.Failed, "RIS-FEED-05") || !slices.Contains(rep.Failed, "RIS-AUTH-01") {
		t.Errorf("failed requirements %v, want RIS-FEED-05 and RIS-AUTH-01 among them", rep.Failed)
	}
}

// TestReportsKeepDocumentsOut writes the three reports of runs that looked
// up every fixture person and read pages of every kind, and looks in them
// for the fixture's documents and names, and for anything shaped like a
// resident ID.
func TestReportsKeepDocumentsOut(t *testing.T) {
	residentID := regexp.MustCompile(`[1-9][0-9]{16}[0-9Xx]`)
	for _, c := range []struct {
		format  string
		defects []regionsim.Defect
	}{
		{"shaanxi", []regionsim.Defect{regionsim.MissingField}},
		{"eu-dcc", []regionsim.Defect{regionsim.BadColourCode}},
		{"tianjin", nil},
	} {
		t.Run(c.format, func(t *testing.T) {
			reg := startRegion(t, simConfig(c.format, c.defects...))
			opts := reg.options(c.format)
			opts.Only = withoutLoad()
			rep := run(t, opts)
			var all bytes.Buffer
			for _, write := range []func(io.Writer) error{rep.WriteJSON, rep.WriteJUnit, rep.WriteHTML} {
				if err := write(&all); err != nil {
					t.Fatal(err)
				}
			}
			text := all.String()
			people, err := fixture.People(c.format)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range people {
				secrets := []string{p.DocNumber, p.Name}
				if n, err := schema.NormalizeDocument(p.DocType, p.DocNumber); err == nil {
					secrets = append(secrets, n)
				}
				for _, s := range secrets {
					if s != "" && strings.Contains(text, s) {
						t.Errorf("fixture person %d: a report holds their document or name", i)
					}
				}
			}
			if m := residentID.FindString(text); m != "" {
				t.Errorf("a report holds something shaped like a resident ID")
			}
			statusLookups := 0
			for _, tr := range rep.Tests() {
				for _, ex := range tr.Exchanges {
					if strings.HasSuffix(ex.URL, "/status") && strings.Contains(ex.RequestBody, "doc_number") {
						statusLookups++
						if !strings.Contains(ex.RequestBody, `"doc_number":"[redacted]"`) {
							t.Errorf("%s: a status lookup recorded as %s", tr.ID, ex.RequestBody)
						}
					}
				}
			}
			if statusLookups < len(people)/2 {
				t.Errorf("%d status lookups recorded, want the fixture's", statusLookups)
			}
		})
	}
}

func TestUnreachableRegion(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	rep := run(t, conformance.Options{Target: target, Format: "zhejiang", Token: "t", LoadDuration: 100 * time.Millisecond})
	if rep.Passed() {
		t.Fatal("a region that does not answer passed")
	}
	for _, tr := range rep.Tests() {
		if tr.Outcome == conformance.Pass {
			t.Errorf("%s passed against a region that does not answer", tr.ID)
		}
	}
	if got := outcomeOf(rep, "feed.walk-small"); got != conformance.Error {
		t.Errorf("feed.walk-small %s, want error: the walk could not be carried out", got)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	for _, o := range []conformance.Options{
		{Format: "shaanxi"},
		{Target: "ftp://region.example", Format: "shaanxi"},
		{Target: "http://127.0.0.1:1", Format: "no-such-format"},
		{Target: "http://127.0.0.1:1", Format: "eu-dcc"},
		{Target: "http://127.0.0.1:1", Format: "shaanxi", Only: []string{"RIS-NOPE-01"}},
	} {
		rep, err := conformance.Run(context.Background(), o)
		if !errors.Is(err, conformance.ErrUsage) || rep != nil {
			t.Errorf("%+v: report %v, error %v; want ErrUsage", o, rep != nil, err)
		}
	}
}

func TestSubmit(t *testing.T) {
	var mu sync.Mutex
	var got conformance.Certification
	var path string
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		path = r.URL.Path
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if got.Format == "refused" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, `{"error":{"code":"stale_certification","message":"a newer certification exists"}}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer hub.Close()

	rep := handmade()
	cert := rep.Certification([]byte("the JSON report"))
	if err := conformance.Submit(context.Background(), hub.Client(), hub.URL, cert); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if path != "/v1/regions/shaanxi/certification" {
		t.Errorf("posted to %s", path)
	}
	if got.Passed || got.Spec != "codefed-ris/1" || !slices.Equal(got.Failed, rep.Failed) || got.Counts != rep.Counts ||
		len(got.ReportSHA256) != 64 || got.SuiteVersion != conformance.SuiteVersion {
		t.Errorf("hub received %+v", got)
	}
	mu.Unlock()

	cert.Format = "refused"
	err := conformance.Submit(context.Background(), hub.Client(), hub.URL, cert)
	if err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "stale_certification") {
		t.Errorf("a refused submission: %v, want the status and the hub's error code", err)
	}
}

// TestHTMLReportInChromium opens the HTML reports of a failing and a
// passing run in headless Chromium: the verdict is shown, each test has its
// folded details, and the page asks the network for nothing. Screenshots go
// to a temporary directory, or to CODEFED_REPORT_SCREENSHOTS.
func TestHTMLReportInChromium(t *testing.T) {
	browserPath := findChromium(t)
	dir := t.TempDir()
	shots := os.Getenv("CODEFED_REPORT_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	failing := defectiveRun(t)
	passing := handmade()
	passing.Verdict, passing.Failed = conformance.VerdictPass, nil

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(browserPath), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start %s: %v", browserPath, err)
	}
	var mu sync.Mutex
	var requested []string
	events := chromedp.Events(tab, network.RequestWillBeSent)
	go func() {
		for ev, err := range events {
			if err != nil {
				return
			}
			mu.Lock()
			requested = append(requested, ev.Request.URL)
			mu.Unlock()
		}
	}()

	for _, c := range []struct {
		name string
		rep  *conformance.Report
		word string
	}{{"failing", failing, "FAIL"}, {"passing", passing, "PASS"}} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".html")
			var buf bytes.Buffer
			if err := c.rep.WriteHTML(&buf); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			step, cancel := context.WithTimeout(tab, 30*time.Second)
			defer cancel()
			if err := chromedp.Do(step, chromedp.Navigate("file://"+path), chromedp.WaitVisible(chromedp.CSS("#verdict .word"))); err != nil {
				t.Fatalf("open the report: %v", err)
			}
			verdict, err := chromedp.Run(step, chromedp.Text(chromedp.CSS("#verdict .word")))
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(verdict) != c.word {
				t.Errorf("the verdict reads %q, want %q", verdict, c.word)
			}
			n, err := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll("tr.test").length`))
			if err != nil {
				t.Fatal(err)
			}
			details, err := chromedp.Run(step, chromedp.Evaluate[int](`document.querySelectorAll("tr.detail details").length`))
			if err != nil {
				t.Fatal(err)
			}
			if tests := len(c.rep.Tests()); n != tests || details != tests {
				t.Errorf("the page shows %d tests with %d details, the report has %d", n, details, tests)
			}
			for _, tr := range c.rep.Tests() {
				if tr.Outcome != conformance.Fail {
					continue
				}
				row, err := chromedp.Run(step, chromedp.Evaluate[string](`document.querySelector('tr.test[data-test="`+tr.ID+`"]').innerText`))
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(row, tr.Requirements[0]) {
					t.Errorf("the row of %s does not name %s: %q", tr.ID, tr.Requirements[0], row)
				}
			}
			png, err := chromedp.Run(step, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if err := os.WriteFile(filepath.Join(shots, "report-"+c.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	for _, u := range requested {
		if !strings.HasPrefix(u, "file://") {
			t.Errorf("the report asked the network for %s", u)
		}
	}
}

// findChromium returns the browser to drive; without one the test is
// skipped, except in CI, which must provide it.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium binary found; CI must install it")
	}
	t.Skip("no chromium binary found")
	return ""
}
