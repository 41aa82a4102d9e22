package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/schema"
)

// fakeCluster applies proposals straight to the FSM, as a one-node cluster
// would, and lets tests replace any behaviour through function fields.
type fakeCluster struct {
	mu        sync.Mutex
	fsm       *FSM
	index     uint64
	proposals int
	readIndex func(context.Context) error
	leader    func() (string, string)
}

func (c *fakeCluster) Propose(_ context.Context, cmd []byte) ([]byte, uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.index++
	c.proposals++
	return c.fsm.Apply(c.index, time.Date(2022, 1, 4, 12, 0, 0, 0, time.UTC), [][]byte{cmd})[0], c.index, nil
}

func (c *fakeCluster) ReadIndex(ctx context.Context) error {
	if c.readIndex != nil {
		return c.readIndex(ctx)
	}
	return nil
}

func (c *fakeCluster) Leader() (string, string) {
	if c.leader != nil {
		return c.leader()
	}
	return "n1", "http://leader.invalid"
}

func (c *fakeCluster) Members() ([]federation.Member, error) {
	return []federation.Member{{ID: "n1", RaftAddr: "127.0.0.1:1", Voter: true, Leader: true}}, nil
}
func (c *fakeCluster) Join(context.Context, federation.JoinRequest) error { return nil }
func (c *fakeCluster) Remove(_ context.Context, id string) error {
	if id != "n1" {
		return federation.ErrUnknownMember
	}
	return nil
}

// testFormat is a minimal native format: one line per record, "DOCNUMBER COLOUR".
type testFormat struct{}

func (testFormat) ID() string          { return "test-lines" }
func (testFormat) Regions() []string   { return []string{"610100"} }
func (testFormat) Description() string { return "test format: DOC COLOUR per line" }
func (testFormat) Encode([]adapters.Person, adapters.EncodeOptions) ([]byte, error) {
	return nil, nil
}
func (testFormat) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if bytes.HasPrefix(raw, []byte("!")) {
		return nil, io.ErrUnexpectedEOF
	}
	b := adapters.NewBuilder("610100", adapters.PayloadBatchID("test-lines", raw))
	for i, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		doc, color, _ := strings.Cut(line, " ")
		r := b.Record(i, "")
		subject, err := opts.Subjects.Subject(schema.DocResidentID, doc)
		if err != nil {
			r.Reject("doc", err)
			continue
		}
		r.AddStatus(schema.Status{Subject: subject, Region: "610100", Color: color,
			IssuedAt: time.Date(2022, 1, 4, 9, 0, 0, 0, adapters.Beijing), Source: schema.Source{System: "t", RecordID: doc[:6]}})
		r.Commit()
	}
	return b.Result(), nil
}

func init() { adapters.Register(testFormat{}) }

func newTestServer(t *testing.T) (*httptest.Server, *fakeCluster) {
	t.Helper()
	fsm := NewFSM(0)
	fc := &fakeCluster{fsm: fsm}
	p, err := schema.NewPseudonymizer([]byte("api-test-federation-key"))
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{FSM: fsm, Cluster: fc, Subjects: p, MaxBodyBytes: 1 << 16,
		Now: func() time.Time { return time.Date(2022, 1, 4, 12, 0, 0, 0, time.UTC) }})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, fc
}

func do(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(resp.Body)
	if resp.Header.Get("Content-Type") == "application/json" {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, url, b)
		}
	}
	return resp.StatusCode, out
}

func errCode(body map[string]any) string {
	e, _ := body["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func TestIngestKeepsGoodRecordsAndQuarantinesBad(t *testing.T) {
	ts, _ := newTestServer(t)
	payload := "11010519491231002X green\n110105194912310021 red\n440524188001010014 purple\n"
	code, body := do(t, "POST", ts.URL+"/v1/ingest/test-lines", payload)
	if code != 200 {
		t.Fatalf("HTTP %d %v", code, body)
	}
	if body["accepted"].(float64) != 1 {
		t.Fatalf("accepted %v, want 1", body["accepted"])
	}
	rej := body["rejected"].([]any)
	if len(rej) != 2 {
		t.Fatalf("rejected %v", rej)
	}
	first := rej[0].(map[string]any)
	if first["index"].(float64) != 1 || first["field"] != "doc" || !strings.Contains(first["error"].(string), "check digit") {
		t.Fatalf("first rejection %v", first)
	}
	second := rej[1].(map[string]any)
	if second["index"].(float64) != 2 || second["field"] != "status.color" || second["stage"] != "schema" {
		t.Fatalf("second rejection %v", second)
	}
	for _, r := range rej {
		if strings.Contains(r.(map[string]any)["error"].(string), "4405241880010100") {
			t.Fatal("rejection leaks a document number")
		}
	}
	code, body = do(t, "GET", ts.URL+"/v1/quarantine", "")
	if code != 200 || len(body["quarantine"].([]any)) != 2 {
		t.Fatalf("quarantine: HTTP %d %v", code, body)
	}
	// The good record is readable through the subjects endpoint.
	code, body = do(t, "POST", ts.URL+"/v1/subjects", `{"doc_type":"resident_id","doc_number":"11010519491231002X"}`)
	if code != 200 {
		t.Fatalf("subjects: %d %v", code, body)
	}
	code, body = do(t, "GET", ts.URL+"/v1/status/"+body["subject"].(string), "")
	if code != 200 || body["color"] != "green" {
		t.Fatalf("status: %d %v", code, body)
	}
}

func TestRecordsEndpointValidatesEachRecord(t *testing.T) {
	ts, _ := newTestServer(t)
	good := `{"subject":"` + strings.Repeat("a", 64) + `","region":"610100","color":"red","reasons":[],"issued_at":"2022-01-04T09:00:00+08:00","source":{"system":"s","record_id":"1"}}`
	bad := strings.Replace(good, `"red"`, `"blue"`, 1)
	code, body := do(t, "POST", ts.URL+"/v1/records", `{"schema":"codefed/v1","region":"610100","batch_id":"b","statuses":[`+bad+`,`+good+`]}`)
	if code != 200 || body["accepted"].(float64) != 1 || len(body["rejected"].([]any)) != 1 {
		t.Fatalf("HTTP %d %v", code, body)
	}
	code, body = do(t, "GET", ts.URL+"/v1/status/"+strings.Repeat("a", 64), "")
	if code != 200 || body["color"] != "red" {
		t.Fatalf("status after partial batch: %d %v", code, body)
	}
	code, body = do(t, "POST", ts.URL+"/v1/records", `{"schema":"codefed/v1","region":"610100","batch_id":"b","bogus":1}`)
	if code != 400 || errCode(body) != "bad_payload" {
		t.Fatalf("unknown field: %d %v", code, body)
	}
}

func TestErrorsAreJSON(t *testing.T) {
	ts, _ := newTestServer(t)
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/v1/ingest/nope", "x", 404, "unknown_format"},
		{"POST", "/v1/ingest/test-lines", "!broken", 400, "bad_payload"},
		{"POST", "/v1/ingest/test-lines", strings.Repeat("x", 1<<17), 413, "too_large"},
		{"GET", "/v1/status/not-a-subject", "", 400, "bad_request"},
		{"GET", "/v1/status/" + strings.Repeat("b", 64), "", 404, "not_found"},
		{"GET", "/v1/status/" + strings.Repeat("b", 64) + "?consistency=eventual", "", 400, "bad_request"},
		{"GET", "/v1/trajectory/" + strings.Repeat("b", 64) + "?from=yesterday", "", 400, "bad_request"},
		{"POST", "/v1/subjects", `{"doc_type":"resident_id","doc_number":"123"}`, 400, "bad_document"},
		{"DELETE", "/v1/cluster/servers/ghost", "", 404, "not_found"},
		{"GET", "/v2/anything", "", 404, "not_found"},
	}
	for _, c := range cases {
		code, body := do(t, c.method, ts.URL+c.path, c.body)
		if code != c.status || errCode(body) != c.code {
			t.Errorf("%s %s: HTTP %d %q, want %d %q (%v)", c.method, c.path, code, errCode(body), c.status, c.code, body)
		}
		if e, ok := body["error"].(map[string]any); !ok || e["message"] == "" {
			t.Errorf("%s %s: no error message: %v", c.method, c.path, body)
		}
	}
}

func TestLinearizableReadOnFollowerWithoutLeaderIs503(t *testing.T) {
	ts, fc := newTestServer(t)
	fc.readIndex = func(context.Context) error { return federation.ErrNotLeader }
	fc.leader = func() (string, string) { return "", "" }
	code, body := do(t, "GET", ts.URL+"/v1/status/"+strings.Repeat("c", 64)+"?consistency=linearizable", "")
	if code != 503 || errCode(body) != "unavailable" {
		t.Fatalf("HTTP %d %v", code, body)
	}
}

func TestLargeBatchIsChunked(t *testing.T) {
	fsm := NewFSM(0)
	fc := &fakeCluster{fsm: fsm}
	p, _ := schema.NewPseudonymizer([]byte("api-test-federation-key"))
	ts := httptest.NewServer(NewServer(Config{FSM: fsm, Cluster: fc, Subjects: p, ChunkRecords: 10}))
	defer ts.Close()
	b := schema.Batch{Schema: schema.Version, Region: "610100", BatchID: "big"}
	for i := 0; i < 35; i++ {
		b.Statuses = append(b.Statuses, schema.Status{Subject: strings.Repeat("0", 62) + string("0123456789abcdef"[i%16]) + string("0123456789abcdef"[i/16]),
			Region: "610100", Color: "green", Reasons: []string{}, IssuedAt: time.Date(2022, 1, 4, 9, 0, 0, 0, time.UTC), Source: schema.Source{System: "s", RecordID: "r"}})
	}
	body, _ := json.Marshal(b)
	code, out := do(t, "POST", ts.URL+"/v1/records", string(body))
	if code != 200 || out["accepted"].(float64) != 35 {
		t.Fatalf("HTTP %d %v", code, out)
	}
	if fc.proposals != 4 {
		t.Fatalf("%d proposals for 35 records in chunks of 10, want 4", fc.proposals)
	}
	if got := fsm.Counts()["statuses"]; got != 35 {
		t.Fatalf("%d statuses applied, want 35", got)
	}
}

// TestOpenAPIMatchesRoutes keeps /openapi.json and the served routes in step.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(openapiDoc, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q, want 3.x", doc.OpenAPI)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	served = append(served, Routes...)
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("OpenAPI paths differ from routes\ndocumented:\n%s\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	ts, _ := newTestServer(t)
	code, _ := do(t, "GET", ts.URL+"/openapi.json", "")
	if code != 200 {
		t.Fatalf("GET /openapi.json: %d", code)
	}
}

func TestMetricsArePrefixedAndCountRequests(t *testing.T) {
	ts, _ := newTestServer(t)
	do(t, "GET", ts.URL+"/v1/health", "")
	resp, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	text := string(b)
	if !strings.Contains(text, `codefed_http_requests_total{code="200",route="GET /v1/health"} 1`) {
		t.Fatalf("request not counted:\n%s", text)
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "# HELP ") {
			name := strings.Fields(line)[2]
			if !strings.HasPrefix(name, "codefed_") && !strings.HasPrefix(name, "go_") && !strings.HasPrefix(name, "process_") {
				t.Errorf("metric %s lacks the codefed_ prefix", name)
			}
		}
	}
}

func TestCertificationIsRecordedAndShownWithTheRegions(t *testing.T) {
	ts, _ := newTestServer(t)
	body := `{"format":"test-lines","target":"http://region/","spec":"codefed-ris/1","suite_version":"1",
		"started":"2022-01-04T10:00:00Z","finished":"2022-01-04T10:01:00Z","passed":false,
		"counts":{"pass":18,"fail":2,"skip":0,"error":0},"failed":["RIS-FEED-02","RIS-DATA-02"],"report_sha256":"00"}`
	if code, out := do(t, "POST", ts.URL+"/v1/regions/test-lines/certification", body); code != 200 {
		t.Fatalf("submit: %d %v", code, out)
	}
	for _, c := range []struct{ path, body, code string }{
		{"/v1/regions/nope/certification", body, "unknown_format"},
		{"/v1/regions/test-lines/certification", `{"format":"shaanxi","spec":"x","finished":"2022-01-04T10:01:00Z"}`, "bad_payload"},
		{"/v1/regions/test-lines/certification", `{"spec":"x"}`, "bad_payload"},
		{"/v1/regions/test-lines/certification", `{"spec":"x","finished":"2022-01-04T10:01:00Z","surprise":1}`, "bad_payload"},
	} {
		if code, out := do(t, "POST", ts.URL+c.path, c.body); code < 400 || errCode(out) != c.code {
			t.Errorf("POST %s %s: %d %v, want %s", c.path, c.body, code, out, c.code)
		}
	}
	code, out := do(t, "GET", ts.URL+"/v1/regions", "")
	if code != 200 {
		t.Fatalf("regions: %d", code)
	}
	found := false
	for _, f := range out["formats"].([]any) {
		f := f.(map[string]any)
		if f["format"] != "test-lines" {
			if f["certification"] != nil {
				t.Errorf("%v certified without a submission", f["format"])
			}
			continue
		}
		c, _ := f["certification"].(map[string]any)
		if c == nil || c["passed"] != false || len(c["failed"].([]any)) != 2 || c["recorded"] == nil {
			t.Fatalf("certification shown as %v", f["certification"])
		}
		found = true
	}
	if !found {
		t.Fatal("format missing from /v1/regions")
	}
}
