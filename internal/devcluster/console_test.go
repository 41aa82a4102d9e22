package devcluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/codefed/codefed/schema"
)

// TestConsole drives the embedded web console in headless Chromium against a
// development cluster, the way an epidemiologist would use it. Screenshots
// of the pages go to a temporary directory, or to the directory named by
// CODEFED_CONSOLE_SCREENSHOTS so that a person can look at them.
func TestConsole(t *testing.T) {
	browserPath := findChromium(t)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	now := time.Date(2022, 1, 15, 12, 0, 0, 0, time.UTC)
	c, err := Start(ctx, Config{Dir: t.TempDir(), People: 60, Seed: 7, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	base := c.Nodes[0].URL

	red, yellow := firstExample(t, c, schema.Red), firstExample(t, c, schema.Yellow)
	traveller := widestTraveller(t, c)
	withContacts, contactsServed := subjectWithContacts(ctx, t, c, base)

	shots := os.Getenv("CODEFED_CONSOLE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	b := startBrowser(ctx, t, browserPath)

	t.Run("red by pseudonym", func(t *testing.T) {
		b.navigate(t, base+"/ui/#/subject/"+red.Subject)
		b.expectColor(t, red.Subject, apiColor(ctx, t, base, red.Subject))
		b.screenshot(t, filepath.Join(shots, "subject-red.png"))
	})

	t.Run("yellow by document", func(t *testing.T) {
		b.navigate(t, base+"/ui/")
		b.do(t, chromedp.WaitVisible(chromedp.CSS("#lookup-document")),
			chromedp.SetValue(chromedp.CSS("#doc-type"), yellow.DocType),
			chromedp.SendKeys(chromedp.CSS("#doc-number"), yellow.DocNumber),
			chromedp.Click(chromedp.CSS("#lookup-document button[type=submit]")))
		b.expectColor(t, yellow.Subject, apiColor(ctx, t, base, yellow.Subject))
		// The document number is gone once it has been pseudonymised.
		left := b.eval(t, `[location.href, document.getElementById("doc-number").value,
			document.body.innerText, String(sessionStorage.length + localStorage.length)].join("\n")`)
		if strings.Contains(left, yellow.DocNumber) {
			t.Errorf("the document number is still on the page, in the URL or in storage")
		}
		for _, u := range b.requested() {
			if strings.Contains(u, yellow.DocNumber) {
				t.Errorf("the document number went into a request URL")
			}
		}
		if got := b.eval(t, `location.hash`); got != "#/subject/"+yellow.Subject {
			t.Errorf("hash %q, want the subject page of %s", got, yellow.Subject[:12])
		}
	})

	t.Run("traveller trajectory", func(t *testing.T) {
		traj := apiTrajectory(ctx, t, base, traveller.Subject)
		b.goHash(t, "#/subject/"+traveller.Subject)
		ready := fmt.Sprintf(`#trajectory[data-state="ready"][data-subject="%s"]`, traveller.Subject)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(ready+" #city-map .city-marker")))
		markers := b.count(t, ready+" #city-map .city-marker")
		if markers < 1 {
			t.Fatalf("no city marker on the map")
		}
		cities := map[string]bool{}
		for _, cv := range traj.Cities {
			cities[cv.Region] = true
		}
		if markers > len(cities) {
			t.Errorf("%d city markers for %d cities", markers, len(cities))
		}
		if got := b.count(t, ready+" #timeline .event"); got != len(traj.Events) {
			t.Errorf("timeline shows %d events, the API has %d", got, len(traj.Events))
		}
		if got := b.count(t, ready+" #timeline .visit"); got != len(traj.Cities) {
			t.Errorf("timeline shows %d city visits, the API has %d", got, len(traj.Cities))
		}
		if len(traj.Cities) > 1 {
			if got := b.count(t, ready+" #city-map path.move"); got < 1 {
				t.Errorf("no arrow between the %d cities", len(traj.Cities))
			}
		}
		label := b.eval(t, `document.querySelector("#city-map .cities").textContent`)
		for _, cv := range traj.Cities {
			if cv.Name != "" && !strings.Contains(label, cv.Name) {
				t.Errorf("map has no label %q", cv.Name)
			}
		}
		b.screenshot(t, filepath.Join(shots, "subject-traveller.png"))
	})

	t.Run("contacts", func(t *testing.T) {
		if !contactsServed {
			// Until the hub serves contacts, the console says so and keeps
			// the rest of the page.
			b.goHash(t, "#/subject/"+red.Subject)
			b.do(t, chromedp.WaitVisible(chromedp.CSS(`#contacts[data-state="unavailable"] .notice`)))
			if msg := b.eval(t, `document.querySelector("#contacts .notice").innerText`); !strings.Contains(msg, "not available") {
				t.Errorf("contacts notice %q", msg)
			}
			b.expectColor(t, red.Subject, apiColor(ctx, t, base, red.Subject))
			return
		}
		if withContacts == "" {
			t.Fatal("the hub serves contacts but no subject of the dev population has one")
		}
		b.goHash(t, "#/subject/"+withContacts)
		link := fmt.Sprintf(`#contacts[data-state="ready"][data-subject="%s"] #contacts-table a.contact-link`, withContacts)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(link)))
		b.screenshot(t, filepath.Join(shots, "subject-contacts.png"))
		// A shorter minimum overlap finds at least the same contacts.
		b.do(t, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById("min-overlap");
			s.value = "5m"; s.dispatchEvent(new Event("change")); })()`))
		link = fmt.Sprintf(`#contacts[data-state="ready"][data-subject="%s"][data-overlap="5m"] #contacts-table a.contact-link`, withContacts)
		b.do(t, chromedp.WaitVisible(chromedp.CSS(link)))
		contact := b.eval(t, `document.querySelector("#contacts-table a.contact-link").title`)
		if len(contact) != 64 || contact == withContacts {
			t.Fatalf("first contact link names %q", contact)
		}
		b.do(t, chromedp.Click(chromedp.CSS(link)))
		b.expectColor(t, contact, apiColor(ctx, t, base, contact))
		if got := b.eval(t, `location.hash`); !strings.HasPrefix(got, "#/subject/"+contact) {
			t.Errorf("hash %q after opening contact %s", got, contact[:12])
		}
		if got := b.eval(t, `document.getElementById("subject-id").textContent`); got != contact {
			t.Errorf("page shows subject %q, want contact %s", got, contact)
		}
	})

	t.Run("risk areas", func(t *testing.T) {
		b.goHash(t, "#/risk-areas")
		settled := `#area-dev-310115[data-state="ready"], #area-dev-310115[data-state="unavailable"]`
		b.do(t, chromedp.WaitVisible(chromedp.CSS(settled)))
		if got := b.count(t, "#areas-table tbody tr"); got != 2 {
			t.Errorf("%d risk areas listed, want 2", got)
		}
		b.screenshot(t, filepath.Join(shots, "risk-areas.png"))
	})

	t.Run("regions", func(t *testing.T) {
		b.goHash(t, "#/regions")
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#regions[data-state="ready"] #formats-table`)))
		if got, want := b.count(t, "#formats-table tbody tr"), len(c.Formats); got != want {
			t.Errorf("%d formats listed, want %d", got, want)
		}
		if !strings.Contains(b.eval(t, `document.getElementById("formats-table").innerText`), "not certified yet") {
			t.Errorf("uncertified formats are not marked")
		}
	})

	t.Run("cluster", func(t *testing.T) {
		b.goHash(t, "#/cluster")
		b.do(t, chromedp.WaitVisible(chromedp.CSS(`#ready[data-state="ready"] .health.ok`)),
			chromedp.WaitVisible(chromedp.CSS(`#cluster[data-state="ready"] #members-table`)))
		if got := b.count(t, "#members-table tbody tr"); got != len(c.Nodes) {
			t.Errorf("%d members listed, want %d", got, len(c.Nodes))
		}
		b.screenshot(t, filepath.Join(shots, "cluster.png"))
	})

	for _, m := range b.problems() {
		t.Errorf("browser console: %s", m)
	}
	// The console must work without any network but its own server.
	for _, u := range b.requested() {
		if !strings.HasPrefix(u, base+"/") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the console requested %s", u)
		}
	}
	t.Logf("screenshots in %s", shots)
}

// findChromium returns the browser to drive. Without one the test is skipped
// on a developer's machine, but fails in CI, where the browser is installed.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium binary found; CI must install it")
	}
	t.Skip("no chromium binary found")
	return ""
}

type browser struct {
	ctx context.Context

	mu       sync.Mutex
	messages []string // console errors and uncaught exceptions
	requests []string // every URL the page asked for
}

func startBrowser(ctx context.Context, t *testing.T, path string) *browser {
	t.Helper()
	// The profile directory is created before the cleanup that stops the
	// browser is registered, so the browser is gone before it is removed.
	profile := t.TempDir()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b := &browser{ctx: tabCtx}
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	messages := chromedp.Console(tabCtx)
	requests := chromedp.Events(tabCtx, network.RequestWillBeSent)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.requests = append(b.requests, ev.Request.URL)
			b.mu.Unlock()
		}
	}()
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// Failed requests are expected: endpoints that a hub does not
			// serve yet answer 404, and the console shows that itself.
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source != "network") {
				b.mu.Lock()
				b.messages = append(b.messages, m.String())
				b.mu.Unlock()
			}
		}
	}()
	return b
}

func (b *browser) problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.messages...)
}

func (b *browser) requested() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// step bounds one browser step, so that a missing element fails the test
// with a message rather than hanging it.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, 30*time.Second)
}

func (b *browser) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v (page: %s)", err, b.pageText())
	}
}

func (b *browser) navigate(t *testing.T, url string) {
	t.Helper()
	b.do(t, chromedp.Navigate(url))
}

// goHash moves within the single page, as a click on a console link does.
func (b *browser) goHash(t *testing.T, hash string) {
	t.Helper()
	js, _ := json.Marshal(hash)
	b.do(t, chromedp.Evaluate[chromedp.Void]("location.hash = "+string(js)))
}

func (b *browser) eval(t *testing.T, expr string) string {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func (b *browser) count(t *testing.T, css string) int {
	t.Helper()
	js, _ := json.Marshal(css)
	ctx, cancel := b.step()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int]("document.querySelectorAll("+string(js)+").length"))
	if err != nil {
		t.Fatalf("count %s: %v", css, err)
	}
	return n
}

// pageText is the visible text of the page, for failure messages.
func (b *browser) pageText() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if err != nil {
		return "unavailable: " + err.Error()
	}
	if len(s) > 2000 {
		s = s[:2000] + "…"
	}
	return s
}

// expectColor waits for the subject's status to be shown and checks that
// the colour word is the API's colour.
func (b *browser) expectColor(t *testing.T, subject, want string) {
	t.Helper()
	sel := fmt.Sprintf(`#status[data-state="ready"][data-subject="%s"] #color-label`, subject)
	b.do(t, chromedp.WaitVisible(chromedp.CSS(sel)))
	ctx, cancel := b.step()
	defer cancel()
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read colour: %v", err)
	}
	if !strings.EqualFold(strings.TrimSpace(got), want) {
		t.Errorf("console shows colour %q for %s, the API says %q", got, subject[:12], want)
	}
	attr := b.eval(t, `document.getElementById("federated-color").dataset.color`)
	if attr != want {
		t.Errorf("colour badge is marked %q, want %q", attr, want)
	}
}

func (b *browser) screenshot(t *testing.T, path string) {
	t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstExample(t *testing.T, c *Cluster, color string) Example {
	t.Helper()
	for _, e := range c.Examples[color] {
		if e.DocNumber != "" {
			return e
		}
	}
	t.Fatalf("no %s example in the dev population", color)
	return Example{}
}

// widestTraveller is the traveller whose path crosses the most cities.
func widestTraveller(t *testing.T, c *Cluster) Example {
	t.Helper()
	best, most := Example{}, 0
	for _, tr := range c.Travellers {
		traj, ok := c.Nodes[0].FSM.Trajectory(tr.Subject, time.Time{}, time.Time{})
		if ok && len(traj.Cities) > most {
			best, most = tr, len(traj.Cities)
		}
	}
	if most == 0 {
		t.Fatal("no traveller with a trajectory in the dev population")
	}
	return best
}

// subjectWithContacts asks the API for the contacts of every subject in the
// state until one has some. It reports false when the hub does not serve
// contacts at all.
func subjectWithContacts(ctx context.Context, t *testing.T, c *Cluster, base string) (string, bool) {
	t.Helper()
	for _, subject := range allSubjects(t, c) {
		var res struct {
			Contacts []struct {
				Subject string `json:"subject"`
			} `json:"contacts"`
		}
		status, err := getJSON(ctx, base+"/v1/contacts/"+subject+"?min_overlap=15m", &res)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
			return "", false
		case status != http.StatusOK:
			t.Fatalf("GET /v1/contacts: status %d", status)
		case len(res.Contacts) > 0:
			return subject, true
		}
	}
	return "", true
}

// allSubjects lists the subjects in the state, read from a snapshot, since
// the API has no listing of subjects.
func allSubjects(t *testing.T, c *Cluster) []string {
	t.Helper()
	sn, err := c.Nodes[0].FSM.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer sn.Release()
	var buf bytes.Buffer
	if err := sn.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	var out []string
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var line struct {
			Subject *struct {
				ID string `json:"id"`
			} `json:"subject"`
		}
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("read snapshot: %v", err)
		}
		if line.Subject != nil {
			out = append(out, line.Subject.ID)
		}
	}
	if len(out) == 0 {
		t.Fatal("the snapshot lists no subject")
	}
	return out
}

func apiColor(ctx context.Context, t *testing.T, base, subject string) string {
	t.Helper()
	var st struct {
		Color string `json:"color"`
	}
	if status, err := getJSON(ctx, base+"/v1/status/"+subject, &st); err != nil || status != http.StatusOK {
		t.Fatalf("GET /v1/status/%s: status %d, %v", subject[:12], status, err)
	}
	return st.Color
}

type trajectory struct {
	Events []json.RawMessage `json:"events"`
	Cities []struct {
		Region string `json:"region"`
		Name   string `json:"name"`
	} `json:"cities"`
}

func apiTrajectory(ctx context.Context, t *testing.T, base, subject string) trajectory {
	t.Helper()
	var tr trajectory
	if status, err := getJSON(ctx, base+"/v1/trajectory/"+subject, &tr); err != nil || status != http.StatusOK {
		t.Fatalf("GET /v1/trajectory/%s: status %d, %v", subject[:12], status, err)
	}
	return tr
}

// getJSON decodes a 200 answer into v and returns the status of any answer.
func getJSON(ctx context.Context, url string, v any) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return resp.StatusCode, fmt.Errorf("decode %s: %w", url, err)
	}
	return resp.StatusCode, nil
}
