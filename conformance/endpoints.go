package conformance

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/codefed/codefed/conformance/spec"
	"github.com/codefed/codefed/schema"
)

// metaState is the region's metadata document as first read.
type metaState struct {
	doc *spec.Metadata
	// problems are what makes the document invalid; err says why there is
	// no usable document at all.
	problems []string
	err      error
}

// metadata reads the metadata document once per run.
func (r *runner) metadata(ctx context.Context) *metaState {
	if r.meta != nil {
		return r.meta
	}
	m := &metaState{}
	resp, err := r.client.do(ctx, request{method: http.MethodGet, path: spec.PathMetadata, auth: authNone})
	switch {
	case err != nil:
		m.err = err
	case resp.status != http.StatusOK:
		m.err = fmt.Errorf("GET %s answered %d", spec.PathMetadata, resp.status)
	default:
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/json") {
			m.problems = append(m.problems, fmt.Sprintf("Content-Type %q, want application/json", ct))
		}
		var doc spec.Metadata
		if err := json.Unmarshal(resp.body, &doc); err != nil {
			m.err = fmt.Errorf("metadata document is not the JSON object of RIS/1: %w", err)
			break
		}
		m.doc = &doc
		m.problems = append(m.problems, r.metadataProblems(&doc)...)
	}
	// A transport failure is not remembered: a later test may find the
	// region up again.
	if m.err == nil || resp != nil {
		r.meta = m
	}
	return m
}

func (r *runner) metadataProblems(doc *spec.Metadata) []string {
	var out []string
	if doc.Spec != spec.Version {
		out = append(out, fmt.Sprintf("spec is %q, want %q", doc.Spec, spec.Version))
	}
	if doc.Format != r.opts.Format {
		out = append(out, fmt.Sprintf("format is %q, the region is being certified for %q", doc.Format, r.opts.Format))
	}
	if len(doc.Regions) == 0 {
		out = append(out, "regions is empty")
	}
	for _, code := range doc.Regions {
		if code == "*" && slices.Contains(r.adapter.Regions(), "*") {
			continue // a format read at any port of entry
		}
		if _, ok := schema.LookupDivision(code); !ok || len(code) != 6 {
			out = append(out, fmt.Sprintf("region %q is not a GB/T 2260 code", code))
		}
	}
	if doc.PeakRPS < 1 {
		out = append(out, fmt.Sprintf("peak_rps is %d, want a positive rate", doc.PeakRPS))
	}
	if doc.LatencyObjectiveMS < 1 {
		out = append(out, fmt.Sprintf("latency_objective_ms is %d, want a positive objective", doc.LatencyObjectiveMS))
	}
	if doc.FeedMaxLimit < 1 {
		out = append(out, fmt.Sprintf("feed_max_limit is %d, want at least 1", doc.FeedMaxLimit))
	}
	return out
}

// feedMaxLimit is the declared largest page, or an error for tests that
// cannot go on without it.
func (r *runner) feedMaxLimit(ctx context.Context) (int, error) {
	m := r.metadata(ctx)
	if m.err != nil {
		return 0, fmt.Errorf("no metadata document: %w", m.err)
	}
	if m.doc.FeedMaxLimit < 1 {
		return 0, fmt.Errorf("the metadata document declares no usable feed_max_limit (%d)", m.doc.FeedMaxLimit)
	}
	return m.doc.FeedMaxLimit, nil
}

func checkMetadata(ctx context.Context, r *runner, t *testRun) {
	m := r.metadata(ctx)
	if m.err != nil {
		t.Failf("%v", m.err)
		return
	}
	for _, p := range m.problems {
		t.Failf("%s", p)
	}
	d := m.doc
	t.Notef("format %s, regions %s, peak %d/s, p99 objective %d ms, pages up to %d persons",
		d.Format, strings.Join(d.Regions, " "), d.PeakRPS, d.LatencyObjectiveMS, d.FeedMaxLimit)
}

// protected are requests to the endpoints that require a token; their
// bodies are valid so that only the credentials are wrong.
func (r *runner) protected() []request {
	return []request{
		{method: http.MethodGet, path: spec.PathFeed, query: url.Values{"limit": {"1"}}, native: true},
		r.statusRequest(unknownResidentID(), authToken),
		{method: http.MethodPost, path: spec.PathNotifications, body: r.notification()},
	}
}

func checkMissingToken(ctx context.Context, r *runner, t *testRun) {
	checkUnauthorized(ctx, r, t, authNone)
}

func checkWrongToken(ctx context.Context, r *runner, t *testRun) {
	checkUnauthorized(ctx, r, t, authWrong)
}

func checkUnauthorized(ctx context.Context, r *runner, t *testRun, auth authMode) {
	for _, req := range r.protected() {
		req.auth = auth
		resp, err := r.client.do(ctx, req)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if resp.status != http.StatusUnauthorized {
			t.Failf("%s %s with %s answered %d, want 401", req.method, req.path, describeAuth(auth), resp.status)
			continue
		}
		if ch := resp.header.Get("WWW-Authenticate"); !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ch)), "bearer") {
			t.Failf("%s %s answered 401 with WWW-Authenticate %q, want a Bearer challenge", req.method, req.path, ch)
		}
	}
	t.Notef("feed, status and notifications refuse %s", describeAuth(auth))
}

func describeAuth(a authMode) string {
	if a == authNone {
		return "no token"
	}
	return "a wrong token"
}

func checkErrorFormat(ctx context.Context, r *runner, t *testRun) {
	cases := []struct {
		what string
		req  request
		want int
	}{
		{"a request without a token", request{method: http.MethodGet, path: spec.PathFeed, auth: authNone, native: true}, http.StatusUnauthorized},
		{"a limit of 0", request{method: http.MethodGet, path: spec.PathFeed, query: url.Values{"limit": {"0"}}, native: true},
			http.StatusBadRequest},
		{"a status lookup of an unknown person", r.statusRequest(unknownResidentID(), authToken), http.StatusNotFound},
		{"a status lookup that is not JSON", request{method: http.MethodPost, path: spec.PathStatus, body: []byte(`{"doc_type":`)}, http.StatusBadRequest},
	}
	for _, c := range cases {
		resp, err := r.client.do(ctx, c.req)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if resp.status != c.want {
			t.Failf("%s answered %d, want %d", c.what, resp.status, c.want)
		}
	}
	// Every error answer of the run, these included, was checked as it
	// came; the same problem on the same endpoint is reported once.
	seen := map[string]int{}
	var order []string
	for _, p := range r.client.errorProblems {
		if seen[p] == 0 {
			order = append(order, p)
		}
		seen[p]++
	}
	for _, p := range order {
		if n := seen[p]; n > 1 {
			p += fmt.Sprintf(" (%d times)", n)
		}
		t.Failf("%s", p)
	}
	t.Notef("the %s of the run carry {\"error\":{\"code\",\"message\"}}", count(r.client.errorAnswers, "error answer"))
}

func checkUnknownPath(ctx context.Context, r *runner, t *testRun) {
	resp, err := r.client.do(ctx, request{method: http.MethodGet, path: "/ris1-conformance-no-such-path", optional: true})
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if resp.status != http.StatusNotFound {
		t.Failf("an unknown path answered %d, want 404", resp.status)
		return
	}
	if _, problem := errorBody(resp); problem != "" {
		t.Failf("the 404 answer to an unknown path is not the JSON error: %s", problem)
	}
	t.Notef("an unknown path answers the JSON error")
}

// statusRequest is a status lookup; the report keeps its body with the
// document number redacted.
func (r *runner) statusRequest(doc spec.StatusRequest, auth authMode) request {
	body, _ := json.Marshal(doc)
	shown, _ := json.Marshal(spec.StatusRequest{DocType: doc.DocType, DocNumber: redacted})
	return request{method: http.MethodPost, path: spec.PathStatus, body: body, recordedBody: string(shown), auth: auth, native: true}
}

// unknownResidentID is a valid resident ID that no region holds: born in
// the 1880s, the earliest the check allows, with a random sequence number.
func unknownResidentID() spec.StatusRequest {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	v := n.Int64()
	first17 := fmt.Sprintf("110101188%01d%02d%02d%03d", v%10, 1+v/10%12, 1+v/120%28, v/3360%1000)
	return spec.StatusRequest{DocType: schema.DocResidentID, DocNumber: first17 + string(schema.ResidentIDCheckDigit(first17))}
}

func checkStatusFixture(ctx context.Context, r *runner, t *testRun) {
	fs := r.fixture
	if fs.err != nil {
		t.Errorf("no fixture: %v", fs.err)
		return
	}
	for _, fp := range fs.persons {
		if len(fp.statuses)+len(fp.events) == 0 {
			continue
		}
		resp, err := r.client.do(ctx, r.statusRequest(spec.StatusRequest{DocType: fp.docType, DocNumber: fp.docNumber}, authToken))
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if resp.status != http.StatusOK {
			t.Failf("status lookup of %s answered %d, want 200", fp, resp.status)
			continue
		}
		res, err := r.decode(resp.body)
		if err != nil {
			t.Failf("status lookup of %s: the payload does not decode: %v", fp, err)
			continue
		}
		resp.summarize("(native payload, %d bytes: %d statuses, %d events, %d rejected)",
			len(resp.body), len(res.Batch.Statuses), len(res.Batch.Events), len(res.Rejected))
		for _, rej := range res.Rejected {
			t.Failf("status lookup of %s: %v", fp, rej)
		}
		checkLookup(t, fp, res.Batch)
	}
	t.Notef("%d fixture persons looked up", len(fs.persons))
}

// checkLookup accepts a status answer that holds only the person's own
// records, each as expected, with at least the latest status per region
// (a region may answer with the current status alone or with more).
func checkLookup(t *testRun, fp *fixturePerson, b schema.Batch) {
	if len(b.Statuses)+len(b.Events) == 0 {
		t.Failf("status lookup of %s returned no records", fp)
		return
	}
	for _, st := range b.Statuses {
		if st.Subject != fp.subject {
			t.Failf("status lookup of %s returned a status of another subject (%s)", fp, short(st.Subject))
			return
		}
	}
	for _, ev := range b.Events {
		if ev.Subject != fp.subject {
			t.Failf("status lookup of %s returned an event of another subject (%s)", fp, short(ev.Subject))
			return
		}
	}
	latest := map[string]schema.Status{}
	for _, st := range fp.statuses {
		if l, ok := latest[st.Region]; !ok || st.IssuedAt.After(l.IssuedAt) ||
			st.IssuedAt.Equal(l.IssuedAt) && st.Source.RecordID > l.Source.RecordID {
			latest[st.Region] = st
		}
	}
	want := &fixturePerson{index: fp.index, subject: fp.subject}
	for _, l := range latest {
		want.statuses = append(want.statuses, l)
	}
	// Every returned record must be a fixture record; the latest status
	// per region must be among them.
	for _, st := range b.Statuses {
		if i := indexStatus(fp.statuses, st); i >= 0 {
			want.statuses = appendUnique(want.statuses, fp.statuses[i])
		}
	}
	for _, ev := range b.Events {
		if i := indexEvent(fp.events, ev); i >= 0 {
			want.events = append(want.events, fp.events[i])
		}
	}
	sortStatuses(want.statuses)
	sortEvents(want.events)
	if d := personDiff(b.Statuses, b.Events, want); len(d) > 0 {
		t.Failf("status lookup of %s: %s", fp, d[0])
	}
}

func indexStatus(ss []schema.Status, s schema.Status) int {
	for i, x := range ss {
		if x.Source == s.Source {
			return i
		}
	}
	return -1
}

func indexEvent(es []schema.Event, e schema.Event) int {
	for i, x := range es {
		if x.Source == e.Source && x.Kind == e.Kind && x.Place.ID == e.Place.ID {
			return i
		}
	}
	return -1
}

func appendUnique(ss []schema.Status, s schema.Status) []schema.Status {
	if indexStatus(ss, s) >= 0 {
		return ss
	}
	return append(ss, s)
}

func checkStatusUnknown(ctx context.Context, r *runner, t *testRun) {
	resp, err := r.client.do(ctx, r.statusRequest(unknownResidentID(), authToken))
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if resp.status != http.StatusNotFound {
		t.Failf("status lookup of an unknown resident ID answered %d, want 404", resp.status)
		return
	}
	t.Notef("an unknown person answers 404")
}

// notification is a well-formed change notification about a subject the
// region cannot know (the run's pseudonyms are its own).
func (r *runner) notification() []byte {
	subject, _ := r.subjects.Subject(schema.DocPassport, "RIS1CONFORMANCE")
	b, _ := json.Marshal(spec.Notification{Subject: subject, Color: schema.Yellow, Reasons: []string{schema.ReasonVisitedRiskArea},
		AsOf: time.Now().UTC().Truncate(time.Second).Format(time.RFC3339), Index: 1})
	return b
}

func checkNotifyAccept(ctx context.Context, r *runner, t *testRun) {
	body := r.notification()
	for _, what := range []string{"a notification", "the same notification again"} {
		resp, err := r.client.do(ctx, request{method: http.MethodPost, path: spec.PathNotifications, body: body})
		if err != nil {
			t.Errorf("%v", err)
			return
		}
		if resp.status != http.StatusNoContent {
			t.Failf("%s answered %d, want 204", what, resp.status)
		}
	}
	t.Notef("a notification and its repetition answer 204")
}

func checkNotifyMalformed(ctx context.Context, r *runner, t *testRun) {
	var good spec.Notification
	_ = json.Unmarshal(r.notification(), &good)
	badSubject, badColour := good, good
	badSubject.Subject = "not-a-subject"
	badColour.Color = "purple"
	bs, _ := json.Marshal(badSubject)
	bc, _ := json.Marshal(badColour)
	for _, c := range []struct {
		what string
		body []byte
	}{
		{"a notification that is not JSON", []byte(`{"subject": "`)},
		{"a notification whose subject is not 64 hex digits", bs},
		{"a notification with the colour purple", bc},
	} {
		resp, err := r.client.do(ctx, request{method: http.MethodPost, path: spec.PathNotifications, body: c.body})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if resp.status != http.StatusBadRequest {
			t.Failf("%s answered %d, want 400", c.what, resp.status)
		}
	}
	t.Notef("broken JSON, a bad subject and an unknown colour answer 400")
}
