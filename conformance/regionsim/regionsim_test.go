package regionsim

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	_ "github.com/codefed/codefed/adapters/all"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/conformance/spec"
	"github.com/codefed/codefed/schema"
)

const testToken = "test-token-1"

// region is a simulator served on a loopback HTTP server.
type region struct {
	t    *testing.T
	sim  *Sim
	srv  *httptest.Server
	subj *schema.Pseudonymizer
}

func serve(t *testing.T, cfg Config) *region {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", cfg.Format, err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	subj, err := schema.NewPseudonymizer(schema.DevKey)
	if err != nil {
		t.Fatal(err)
	}
	return &region{t: t, sim: sim, srv: srv, subj: subj}
}

// do sends a request with the test token (or token when given) and
// returns the response with its body read.
func (r *region) do(method, path string, body []byte, token ...string) (*http.Response, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	tok := testToken
	if len(token) > 0 {
		tok = token[0]
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := r.srv.Client().Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp, b
}

// page is one feed answer.
type page struct {
	cursor, next string
	records      int
	end          bool
	body         []byte
}

func (r *region) feed(cursor string, limit int) page {
	r.t.Helper()
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	resp, body := r.do(http.MethodGet, spec.PathFeed+"?"+q.Encode(), nil)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("feed cursor %q limit %d: %d %s", cursor, limit, resp.StatusCode, body)
	}
	if ct, want := resp.Header.Get("Content-Type"), contentType(r.sim.Format()); ct != want {
		r.t.Errorf("feed Content-Type %q, want %q", ct, want)
	}
	n, err := strconv.Atoi(resp.Header.Get(spec.HeaderRecords))
	if err != nil {
		r.t.Fatalf("%s header %q: %v", spec.HeaderRecords, resp.Header.Get(spec.HeaderRecords), err)
	}
	next := resp.Header.Get(spec.HeaderNextCursor)
	if next == "" || len(next) > spec.MaxCursorLen || strings.Trim(next, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~-") != "" {
		r.t.Fatalf("next cursor %q is not 1..256 characters of [A-Za-z0-9._~-]", next)
	}
	if limit > 0 && n > limit {
		r.t.Errorf("page of %d persons for limit %d", n, limit)
	}
	return page{cursor: cursor, next: next, records: n, end: resp.Header.Get(spec.HeaderFeedEnd) == "true", body: body}
}

// walk follows next cursors from the beginning to the end of the feed.
func (r *region) walk(limit int) []page {
	r.t.Helper()
	var pages []page
	cursor := ""
	for range 10_000 {
		p := r.feed(cursor, limit)
		pages = append(pages, p)
		if p.end {
			return pages
		}
		cursor = p.next
	}
	r.t.Fatalf("walk with limit %d did not reach the end", limit)
	return nil
}

// decode reads a payload with the format's adapter.
func (r *region) decode(body []byte) *adapters.Result {
	r.t.Helper()
	a, _ := adapters.Lookup(r.sim.Format())
	res, err := a.Decode(body, adapters.DecodeOptions{Subjects: r.subj, Trust: []*x509.Certificate{r.sim.TrustCertificate()}})
	if err != nil {
		r.t.Fatalf("decode %s page: %v", r.sim.Format(), err)
	}
	return res
}

// subjects lists the distinct subjects of a decoded page in order of
// first appearance: the persons of the page.
func subjects(res *adapters.Result) []string {
	var out []string
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, st := range res.Batch.Statuses {
		add(st.Subject)
	}
	for _, ev := range res.Batch.Events {
		add(ev.Subject)
	}
	return out
}

// walked is what a walk decoded to.
type walked struct {
	pages    [][]string // subjects per page
	records  []string   // every v1 record as JSON
	rejected int
}

func (r *region) decodeWalk(pages []page) walked {
	r.t.Helper()
	var w walked
	for _, p := range pages {
		if p.records == 0 {
			continue
		}
		res := r.decode(p.body)
		if len(res.Rejected) == 0 && len(subjects(res)) != p.records {
			r.t.Errorf("page at cursor %q: %s says %d persons, the payload holds %d", p.cursor, spec.HeaderRecords, p.records, len(subjects(res)))
		}
		w.pages = append(w.pages, subjects(res))
		w.rejected += len(res.Rejected)
		w.records = append(w.records, recordJSON(r.t, res)...)
	}
	return w
}

func (w walked) subjects() []string {
	var all []string
	for _, p := range w.pages {
		all = append(all, p...)
	}
	return all
}

func recordJSON(t *testing.T, res *adapters.Result) []string {
	t.Helper()
	var out []string
	for _, st := range res.Batch.Statuses {
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	for _, ev := range res.Batch.Events {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}

func (r *region) expected() *adapters.Result {
	r.t.Helper()
	exp, err := fixture.Expected(r.sim.Format(), r.subj, adapters.EncodeOptions{Signer: r.sim.cfg.Signer, SignerCert: r.sim.TrustCertificate()})
	if err != nil {
		r.t.Fatal(err)
	}
	return exp
}

func formats(t *testing.T) []string {
	var ids []string
	for _, a := range adapters.All() {
		ids = append(ids, a.ID())
	}
	if len(ids) < 12 {
		t.Fatalf("%d formats registered, want 12", len(ids))
	}
	return ids
}

// TestCleanFeed walks a clean simulator of every format with the format's
// adapter: no rejection, every person once whatever the page size, the
// fixture's records exactly once, stable pages, and cursors honoured by a
// new simulator.
func TestCleanFeed(t *testing.T) {
	for _, format := range formats(t) {
		t.Run(format, func(t *testing.T) {
			cfg := Config{Format: format, Seed: 7, Persons: 30}
			r := serve(t, cfg)
			var base walked
			for i, limit := range []int{0, 1, 7, 1000} {
				pages := r.walk(limit)
				w := r.decodeWalk(pages)
				if w.rejected > 0 {
					t.Errorf("limit %d: %d records rejected", limit, w.rejected)
				}
				all := w.subjects()
				for j, s := range all {
					if slices.Contains(all[:j], s) {
						t.Fatalf("limit %d: a subject appears in two pages", limit)
					}
				}
				if i == 0 {
					base = w
					if len(all) < r.sim.Persons()/2 {
						t.Fatalf("walk saw %d subjects of %d persons", len(all), r.sim.Persons())
					}
					continue
				}
				// Pages list statuses before events, so only the sets
				// compare across page sizes.
				if !slices.Equal(sorted(all), sorted(base.subjects())) {
					t.Errorf("limit %d: walk saw %d subjects, not the default walk's %d", limit, len(all), len(base.subjects()))
				}
				if got, want := sorted(w.records), sorted(base.records); !slices.Equal(got, want) {
					for _, g := range got {
						if !slices.Contains(want, g) {
							t.Errorf("limit %d: walk decoded a record the default walk did not: %s", limit, g)
							break
						}
					}
				}
			}

			for _, want := range recordJSON(t, r.expected()) {
				if n := count(base.records, want); n != 1 {
					t.Errorf("fixture record found %d times, want once: %s", n, want)
				}
			}

			// The same cursor returns the same page, here and in a new
			// simulator of the same configuration.
			pages := r.walk(5)
			mid := pages[len(pages)/2]
			again := r.feed(mid.cursor, 5)
			cfg.Signer, cfg.SignerCert = r.sim.cfg.Signer, r.sim.TrustCertificate() // a restarted region keeps its signing key
			restarted := serve(t, cfg)
			later := restarted.feed(mid.cursor, 5)
			want := recordJSON(t, r.decode(mid.body))
			for _, p := range []page{again, later} {
				if p.next != mid.next || p.records != mid.records || !slices.Equal(recordJSON(t, r.decode(p.body)), want) {
					t.Errorf("cursor %s: page differs on a second request or after a restart", mid.cursor)
				}
			}

			// At the end: the empty payload, the same cursor back.
			last := pages[len(pages)-1]
			end := r.feed(last.next, 5)
			if !end.end || end.records != 0 || end.next != last.next {
				t.Errorf("after the last page: end %v, %d records, next %q; want end, 0, %q", end.end, end.records, end.next, last.next)
			}
			if !bytes.Equal(end.body, r.sim.empty) {
				t.Errorf("end page body is not the format's empty payload")
			}
			if format != "eu-dcc" { // an empty eu-dcc payload holds no certificate, which Decode refuses
				if res := r.decode(end.body); len(res.Batch.Statuses)+len(res.Batch.Events)+len(res.Rejected) != 0 {
					t.Errorf("the empty payload decodes to records")
				}
			}
		})
	}
}

func sorted(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return out
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func TestPopulation(t *testing.T) {
	a, err := New(Config{Format: "shaanxi", Token: "x", Seed: 3, Persons: 200})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{Format: "shaanxi", Token: "y", Seed: 3, Persons: 200})
	if err != nil {
		t.Fatal(err)
	}
	if !slicesEqualJSON(t, a.people, b.people) {
		t.Error("two simulators of one seed hold different persons")
	}
	fix, err := fixture.People("shaanxi")
	if err != nil {
		t.Fatal(err)
	}
	if !slicesEqualJSON(t, a.people[:fixture.Size], fix) {
		t.Error("the feed does not start with the fixture")
	}
	if n := a.Persons(); n < 190 || n > fixture.Size+200 {
		t.Errorf("%d persons, want about %d", n, fixture.Size+200)
	}
	docs, ids := map[string]bool{}, map[string]bool{}
	for _, p := range a.people {
		key, err := docKey(p.DocType, p.DocNumber)
		if err != nil || docs[key] {
			t.Fatalf("a document is invalid or repeated: %v", err)
		}
		docs[key] = true
		for _, id := range recordIDs(&p) {
			if ids[id] {
				t.Fatalf("record ID %s repeated", id)
			}
			ids[id] = true
		}
	}
	c, err := New(Config{Format: "shaanxi", Token: "x", Seed: 4, Persons: 200})
	if err != nil {
		t.Fatal(err)
	}
	if slicesEqualJSON(t, a.people[fixture.Size:], c.people[fixture.Size:]) {
		t.Error("two seeds give the same sampled persons")
	}
	none, err := New(Config{Format: "shaanxi", Token: "x", Persons: -1})
	if err != nil {
		t.Fatal(err)
	}
	if none.Persons() != fixture.Size {
		t.Errorf("Persons -1: %d persons, want the fixture's %d", none.Persons(), fixture.Size)
	}
}

func slicesEqualJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x, y)
}

func TestNewRefuses(t *testing.T) {
	for name, cfg := range map[string]Config{
		"unknown format":  {Format: "atlantis", Token: "x"},
		"no token":        {Format: "shaanxi"},
		"unknown defect":  {Format: "shaanxi", Token: "x", Defects: []Defect{"flaky"}},
		"negative peak":   {Format: "shaanxi", Token: "x", PeakRPS: -1},
		"signer, no cert": {Format: "eu-dcc", Token: "x", Signer: testSigner(t)},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := New(Config{Format: "shaanxi", Defects: []Defect{NoAuth}}); err != nil {
		t.Errorf("no token with no-auth: %v", err)
	}
}

func testSigner(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestContentTypes(t *testing.T) {
	for _, f := range formats(t) {
		if _, ok := contentTypes[f]; !ok {
			t.Errorf("format %s has no content type", f)
		}
	}
}

func TestMetadata(t *testing.T) {
	r := serve(t, Config{Format: "zhejiang", Persons: -1, PeakRPS: 80, LatencyObjective: 300 * time.Millisecond})
	resp, body := r.do(http.MethodGet, spec.PathMetadata, nil, "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("metadata without a token: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var m spec.Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	want := spec.Metadata{Spec: "codefed-ris/1", Format: "zhejiang", Regions: []string{"330000", "330100"}, PeakRPS: 80, LatencyObjectiveMS: 300, FeedMaxLimit: 1000}
	if a, _ := adapters.Lookup("zhejiang"); !slices.Equal(a.Regions(), want.Regions) {
		want.Regions = a.Regions()
	}
	if !slicesEqualJSON(t, m, want) {
		t.Errorf("metadata %s, want %+v", body, want)
	}
}

// wantError checks that an answer is the JSON error of RIS/1 with status
// and code.
func wantError(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("%s: status %d, want %d (%s)", what, resp.StatusCode, status, body)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var e spec.Error
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s: body %s, want error code %s with a message", what, body, code)
	}
}

func TestAuthAndErrors(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1})
	status := []byte(`{"doc_type":"passport","doc_number":"E12345678"}`)
	for _, ep := range []struct {
		method, path string
		body         []byte
	}{{http.MethodGet, spec.PathFeed, nil}, {http.MethodPost, spec.PathStatus, status}, {http.MethodPost, spec.PathNotifications, []byte(`{}`)}} {
		for _, tok := range []string{"", "wrong"} {
			resp, body := r.do(ep.method, ep.path, ep.body, tok)
			wantError(t, fmt.Sprintf("%s %s token %q", ep.method, ep.path, tok), resp, body, http.StatusUnauthorized, "unauthorized")
			if resp.Header.Get("WWW-Authenticate") != "Bearer" {
				t.Errorf("%s without a valid token: WWW-Authenticate %q", ep.path, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	resp, body := r.do(http.MethodGet, "/nowhere", nil)
	wantError(t, "unknown path", resp, body, http.StatusNotFound, "not_found")
	resp, body = r.do(http.MethodPost, spec.PathFeed, nil)
	wantError(t, "POST /feed", resp, body, http.StatusMethodNotAllowed, "method_not_allowed")
	resp, body = r.do(http.MethodGet, spec.PathStatus, nil)
	wantError(t, "GET /status", resp, body, http.StatusMethodNotAllowed, "method_not_allowed")

	for _, limit := range []string{"0", "1001", "-3", "ten", "1.5"} {
		resp, body := r.do(http.MethodGet, spec.PathFeed+"?limit="+limit, nil)
		wantError(t, "limit "+limit, resp, body, http.StatusBadRequest, "invalid_limit")
	}
	good := r.feed("", 3).next
	idx, check, _ := strings.Cut(strings.TrimPrefix(good, "c1."), ".")
	for _, cursor := range []string{
		"garbage", "c1", "c1..", "c2." + idx + "." + check, // other version
		"c1." + idx + ".00000000",                                          // wrong check
		"c1.0" + idx + "." + check,                                         // not the canonical spelling
		r.sim.cursors.encode(r.sim.Persons() + 1),                          // past the end
		newCursorCodec(&Config{Format: "zhejiang", Persons: -1}).encode(3), // another population's
	} {
		resp, body := r.do(http.MethodGet, spec.PathFeed+"?cursor="+url.QueryEscape(cursor), nil)
		wantError(t, "cursor "+cursor, resp, body, http.StatusBadRequest, "invalid_cursor")
	}
}

// badResidentID is a resident ID whose check digit is wrong.
var badResidentID = func() string {
	first17 := "61011319900101123"
	check := schema.ResidentIDCheckDigit(first17)
	wrong := byte('0')
	if check == '0' {
		wrong = '1'
	}
	return first17 + string(wrong)
}()

func TestStatusLookup(t *testing.T) {
	for _, format := range formats(t) {
		t.Run(format, func(t *testing.T) {
			r := serve(t, Config{Format: format, Persons: 20})
			people, err := fixture.People(format)
			if err != nil {
				t.Fatal(err)
			}
			a, _ := adapters.Lookup(format)
			for _, p := range people[:3] {
				body, _ := json.Marshal(spec.StatusRequest{DocType: p.DocType, DocNumber: p.DocNumber})
				resp, got := r.do(http.MethodPost, spec.PathStatus, body)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("status of a fixture person: %d %s", resp.StatusCode, got)
				}
				raw, err := a.Encode([]adapters.Person{p}, r.sim.enc)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := recordJSON(t, r.decode(got)), recordJSON(t, r.decode(raw)); !slices.Equal(g, w) {
					t.Errorf("status lookup returned %v, want %v", g, w)
				}
			}
			resp, body := r.do(http.MethodPost, spec.PathStatus, []byte(`{"doc_type":"passport","doc_number":"Z99999999"}`))
			wantError(t, "unknown person", resp, body, http.StatusNotFound, "not_found")
			for name, body := range map[string]string{
				"malformed":       `{"doc_type":`,
				"two values":      `{} {}`,
				"no number":       `{"doc_type":"passport"}`,
				"unknown type":    `{"doc_type":"library_card","doc_number":"12345678"}`,
				"invalid number":  `{"doc_type":"resident_id","doc_number":"` + badResidentID + `"}`,
				"array":           `[]`,
				"number not text": `{"doc_type":"passport","doc_number":12345678}`,
			} {
				resp, got := r.do(http.MethodPost, spec.PathStatus, []byte(body))
				if resp.StatusCode != http.StatusBadRequest {
					t.Errorf("%s: status %d, want 400 (%s)", name, resp.StatusCode, got)
				}
				if bytes.Contains(got, []byte(badResidentID)) {
					t.Errorf("%s: the error quotes the document number", name)
				}
			}
		})
	}
}

func TestNotifications(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1})
	subject := strings.Repeat("ab", 32)
	note := func(color string, index int) []byte {
		return fmt.Appendf(nil, `{"subject":%q,"color":%q,"reasons":["nat_positive"],"as_of":"2022-03-02T10:00:00+08:00","index":%d}`, subject, color, index)
	}
	for range 2 { // idempotent
		if resp, body := r.do(http.MethodPost, spec.PathNotifications, note("red", 12)); resp.StatusCode != http.StatusNoContent {
			t.Fatalf("notification: %d %s", resp.StatusCode, body)
		}
	}
	if resp, _ := r.do(http.MethodPost, spec.PathNotifications, note("green", 9)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("older notification: %d", resp.StatusCode)
	}
	got := r.sim.Notifications()
	if len(got) != 1 || got[0].Color != "red" || got[0].Index != 12 || got[0].Subject != subject {
		t.Errorf("notifications %+v, want the red one of index 12 only", got)
	}
	for name, body := range map[string]string{
		"malformed":     `{"subject":`,
		"empty":         `{}`,
		"short subject": `{"subject":"abc","color":"red","reasons":[],"as_of":"2022-03-02T10:00:00+08:00","index":1}`,
		"upper subject": `{"subject":"` + strings.Repeat("AB", 32) + `","color":"red","reasons":[],"as_of":"2022-03-02T10:00:00+08:00","index":1}`,
		"colour":        `{"subject":"` + subject + `","color":"purple","reasons":[],"as_of":"2022-03-02T10:00:00+08:00","index":1}`,
		"as_of":         `{"subject":"` + subject + `","color":"red","reasons":[],"as_of":"yesterday","index":1}`,
		"no reasons":    `{"subject":"` + subject + `","color":"red","as_of":"2022-03-02T10:00:00+08:00","index":1}`,
		"index":         `{"subject":"` + subject + `","color":"red","reasons":[],"as_of":"2022-03-02T10:00:00+08:00","index":-1}`,
	} {
		resp, got := r.do(http.MethodPost, spec.PathNotifications, []byte(body))
		wantError(t, name, resp, got, http.StatusBadRequest, map[bool]string{true: "malformed_json", false: "invalid_notification"}[name == "malformed" || name == "index"])
	}
}

func TestParseDefect(t *testing.T) {
	all := Defects()
	if len(all) != 9 {
		t.Errorf("%d defects, want 9", len(all))
	}
	for _, d := range all {
		got, err := ParseDefect(string(d))
		if err != nil || got != d || d.Describe() == "" {
			t.Errorf("ParseDefect(%q) = %q, %v", d, got, err)
		}
	}
	if _, err := ParseDefect("flaky"); err == nil || !strings.Contains(err.Error(), "wrong-timezone") {
		t.Errorf("ParseDefect of an unknown name: %v, want an error listing the defects", err)
	}
}

// fixtureStatus finds, for each expected fixture status, the decoded status
// of the same native record.
func matchStatuses(t *testing.T, exp *adapters.Result, got []schema.Status) map[int]*schema.Status {
	t.Helper()
	out := map[int]*schema.Status{}
	for i, e := range exp.Batch.Statuses {
		for j := range got {
			if got[j].Subject == e.Subject && got[j].Source == e.Source {
				out[i] = &got[j]
			}
		}
	}
	return out
}

func (r *region) walkResults(limit int) []*adapters.Result {
	r.t.Helper()
	var out []*adapters.Result
	for _, p := range r.walk(limit) {
		if p.records > 0 {
			out = append(out, r.decode(p.body))
		}
	}
	return out
}

func allStatuses(results []*adapters.Result) ([]schema.Status, []schema.Event) {
	var st []schema.Status
	var ev []schema.Event
	for _, res := range results {
		st = append(st, res.Batch.Statuses...)
		ev = append(ev, res.Batch.Events...)
	}
	return st, ev
}

func TestDefectWrongTimezone(t *testing.T) {
	for _, format := range formats(t) {
		t.Run(format, func(t *testing.T) {
			r := serve(t, Config{Format: format, Persons: -1, Defects: []Defect{WrongTimezone}})
			exp := r.expected()
			statuses, events := allStatuses(r.walkResults(0))
			shifted := 0
			for i, got := range matchStatuses(t, exp, statuses) {
				want := exp.Batch.Statuses[i].IssuedAt
				if d := want.Sub(got.IssuedAt); d != 8*time.Hour {
					t.Errorf("status issued %v, want the UTC wall clock of %v (8h earlier)", got.IssuedAt, want)
				}
				shifted++
			}
			// Event record IDs may carry times (carrier cards): match
			// events by subject, kind and place.
			for _, want := range exp.Batch.Events {
				for _, got := range events {
					if got.Subject != want.Subject || got.Kind != want.Kind || got.Place.ID != want.Place.ID {
						continue
					}
					switch {
					case got.Start.Equal(want.Start.Add(-8 * time.Hour)):
						shifted++
					case got.Start.Equal(want.Start):
						t.Errorf("event start %v unshifted", got.Start)
					}
				}
			}
			if shifted == 0 {
				t.Fatal("no fixture record with a shifted time found")
			}
		})
	}
}

func TestDefectMissingField(t *testing.T) {
	for _, format := range formats(t) {
		t.Run(format, func(t *testing.T) {
			r := serve(t, Config{Format: format, Persons: 12, Defects: []Defect{MissingField}})
			rejected := 0
			for _, res := range r.walkResults(0) {
				rejected += len(res.Rejected)
			}
			if rejected == 0 {
				t.Fatal("no record rejected")
			}
		})
	}
}

func TestDefectBadColourCode(t *testing.T) {
	for _, format := range formats(t) {
		t.Run(format, func(t *testing.T) {
			if format == "carrier" {
				_, err := New(Config{Format: format, Token: "x", Persons: -1, Defects: []Defect{BadColourCode}})
				if !errors.Is(err, ErrUnsupportedDefect) {
					t.Fatalf("carrier itineraries carry no colour; New: %v, want ErrUnsupportedDefect", err)
				}
				return
			}
			r := serve(t, Config{Format: format, Persons: -1, Defects: []Defect{BadColourCode}})
			exp := r.expected()
			results := r.walkResults(0)
			statuses, _ := allStatuses(results)
			wrong := 0
			for i, got := range matchStatuses(t, exp, statuses) {
				if got.Color != exp.Batch.Statuses[i].Color {
					wrong++
				}
			}
			for _, res := range results {
				wrong += len(res.Rejected)
			}
			if wrong == 0 {
				t.Fatal("every fixture status decodes to its expected colour")
			}
		})
	}
}

func TestDefectDuplicateRecords(t *testing.T) {
	r := serve(t, Config{Format: "beijing", Persons: 20, Defects: []Defect{DuplicateRecords}})
	pages := r.walk(5)
	w := r.decodeWalk(pages)
	all := w.subjects()
	dups := 0
	for i, s := range all {
		if slices.Contains(all[:i], s) {
			dups++
		}
	}
	if dups == 0 {
		t.Fatal("no person repeated across pages")
	}
	if last := w.pages[0][len(w.pages[0])-1]; w.pages[1][0] != last {
		t.Error("the second page does not start with the last person of the first")
	}
}

func TestDefectCursorGap(t *testing.T) {
	r := serve(t, Config{Format: "fujian", Persons: 20, Defects: []Defect{CursorGap}})
	small := r.decodeWalk(r.walk(5)).subjects()
	whole := r.decodeWalk(r.walk(1000)).subjects()
	if len(whole) != r.sim.Persons() {
		t.Fatalf("one page of %d holds %d persons, want all", 1000, len(whole))
	}
	if len(small) >= len(whole) {
		t.Fatalf("walk with pages of 5 saw %d persons, one page %d: no gap", len(small), len(whole))
	}
	for _, s := range small {
		if !slices.Contains(whole, s) {
			t.Fatal("the paged walk saw a person the whole feed does not hold")
		}
	}
}

func TestDefectUnstableOrder(t *testing.T) {
	r := serve(t, Config{Format: "guangdong", Persons: 20, Defects: []Defect{UnstableOrder}})
	first := r.feed("", 5)
	second := r.feed("", 5)
	a, b := subjects(r.decode(first.body)), subjects(r.decode(second.body))
	if slices.Equal(a, b) {
		t.Fatal("the same cursor returned the same order twice")
	}
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		t.Error("the same cursor returned other persons, not only another order")
	}
}

func TestDefectSlow(t *testing.T) {
	objective := 40 * time.Millisecond
	r := serve(t, Config{Format: "shaanxi", Persons: -1, LatencyObjective: objective, Defects: []Defect{Slow}})
	start := time.Now()
	r.feed("", 0)
	if took := time.Since(start); took < time.Duration(slowFactor*float64(objective)) {
		t.Errorf("slow feed answered in %v, want at least 1.5x the objective %v", took, objective)
	}
}

// burst sends n feed requests one after another and counts the answers
// by status, checking each refusal.
func (r *region) burst(n int) map[int]int {
	r.t.Helper()
	codes := map[int]int{}
	for range n {
		resp, body := r.do(http.MethodGet, spec.PathFeed+"?limit=1", nil)
		codes[resp.StatusCode]++
		switch resp.StatusCode {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || ra < 1 {
				r.t.Errorf("429 with Retry-After %q", resp.Header.Get("Retry-After"))
			}
			wantError(r.t, "refusal", resp, body, http.StatusTooManyRequests, "rate_limited")
		case http.StatusServiceUnavailable:
			wantError(r.t, "overload", resp, body, http.StatusServiceUnavailable, "unavailable")
		}
	}
	return codes
}

// TestAdmission sends far more than the declared peak of one request a
// second (100 requests, which would have to take 7 seconds to stay within
// the clean bucket): the clean simulator refuses the excess with 429 and
// Retry-After, never 5xx.
func TestAdmission(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1, PeakRPS: 1})
	codes := r.burst(100)
	if codes[http.StatusOK] < admissionFactor || codes[http.StatusTooManyRequests] == 0 || codes[http.StatusOK]+codes[http.StatusTooManyRequests] != 100 {
		t.Errorf("answers %v, want at least %d 200s, some 429s and nothing else", codes, admissionFactor)
	}
	if resp, _ := r.do(http.MethodGet, spec.PathMetadata, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("metadata refused under load: %d", resp.StatusCode)
	}
}

func TestDefectOverload(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1, PeakRPS: 1, Defects: []Defect{Overload}})
	codes := r.burst(30)
	if codes[http.StatusServiceUnavailable] == 0 || codes[http.StatusTooManyRequests] != 0 {
		t.Errorf("answers %v, want 503s and no 429", codes)
	}
}

// TestInFlightBound holds maxInFlight slow requests and checks that the
// next ones are refused with 429 at once rather than queued.
func TestInFlightBound(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1, PeakRPS: 1000, LatencyObjective: time.Second, Defects: []Defect{Slow}})
	const extra = 8
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[int]int{}
	)
	for range maxInFlight + extra {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodGet, r.srv.URL+spec.PathFeed, nil)
			req.Header.Set("Authorization", "Bearer "+testToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[http.StatusTooManyRequests] < extra || codes[http.StatusOK]+codes[http.StatusTooManyRequests] != maxInFlight+extra {
		t.Errorf("answers %v, want at least %d 429s and the rest 200", codes, extra)
	}
}

func TestDefectNoAuth(t *testing.T) {
	r := serve(t, Config{Format: "shaanxi", Persons: -1, Defects: []Defect{NoAuth}})
	for _, tok := range []string{"", "wrong"} {
		if resp, body := r.do(http.MethodGet, spec.PathFeed, nil, tok); resp.StatusCode != http.StatusOK {
			t.Errorf("feed with token %q: %d %s, want 200 (no check)", tok, resp.StatusCode, body)
		}
	}
}
