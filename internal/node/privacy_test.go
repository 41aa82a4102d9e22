package node_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"io/fs"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/codefed/codefed/adapters"
	_ "github.com/codefed/codefed/adapters/all"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/hub"
	"github.com/codefed/codefed/internal/agenttest"
	"github.com/codefed/codefed/schema"
)

// TestPrivacyNoRawDocumentOrNameLeavesTheAdapters runs a three-node cluster
// of real agent processes, feeds it every registered format (good payloads,
// payloads with rejected records, truncated and misaddressed payloads), reads
// everything back through the API, stops the agents, and then searches
// every byte they left behind (data directories, process output, API
// answers, and the snapshot each node would write of its log) for the raw
// document numbers and names that were sent, in every encoding a format
// carries them in.
func TestPrivacyNoRawDocumentOrNameLeavesTheAdapters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real processes")
	}
	started := time.Now()
	bin := agenttest.Build(t)
	// Agents run on the wall clock: the people are sampled in the last few
	// days so that retention keeps them, and every time is a whole second,
	// which every format can carry.
	now := time.Now().Truncate(time.Second)
	dir := t.TempDir()
	const federationKey = "privacy-test-federation-key"
	subjects, err := schema.NewPseudonymizer([]byte(federationKey))
	if err != nil {
		t.Fatal(err)
	}
	trusted := newDCCSigner(t, now, "trusted DSC")
	untrusted := newDCCSigner(t, now, "untrusted DSC")
	trustFile := filepath.Join(dir, "trust.pem")
	if err := os.WriteFile(trustFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: trusted.cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	formats := preparePrivacyFormats(t, now, trusted, untrusted)
	needles := newNeedleSet()
	for _, f := range formats {
		addFormatNeedles(t, needles, f)
	}

	agents := startPrivacyCluster(t, bin, dir, federationKey, trustFile)
	rec := &answerRecorder{client: &http.Client{Timeout: 15 * time.Second}}
	rejected := ingestFormats(t, rec, agents, formats)
	checkSubjects(t, rec, subjects, formats)
	readBack(t, rec, subjects, agents, formats)
	digest := waitConverged(t, rec, agents)
	readClusterState(t, rec, agents, rejected)
	t.Logf("%d records rejected, %d API answers collected", rejected, len(rec.answers))
	stopAgents(t, agents)

	// The search must be able to fail: plant needles of three of the
	// forms it looks for in a nested directory of a data directory, and
	// check that each is found there.
	planted := plantedNeedles(t, needles)
	plantedPath := filepath.Join(agents[2].Data, "planted", "canary.bin")
	var plantedBytes []byte
	for _, n := range planted {
		plantedBytes = append(append(plantedBytes, 0, '"'), n.value...)
	}
	if err := os.MkdirAll(filepath.Dir(plantedPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plantedPath, plantedBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	plantedRel, _ := filepath.Rel(dir, plantedPath)
	plantedWhere := "file " + filepath.ToSlash(plantedRel)

	haystacks := slices.Concat(leftovers(t, dir, agents, digest), rec.answers)
	searched := 0
	for _, h := range haystacks {
		searched += len(h.data)
	}
	hits := needles.search(haystacks)
	for _, n := range planted {
		if !slices.Contains(hits[plantedWhere], n) {
			t.Fatalf("the search missed a planted %s (%s form) in %s: it cannot be trusted", n.kind, n.form, plantedWhere)
		}
	}
	delete(hits, plantedWhere)
	wheres := make([]string, 0, len(hits))
	for w := range hits {
		wheres = append(wheres, w)
	}
	sort.Strings(wheres)
	for _, w := range wheres {
		for _, n := range hits[w] {
			t.Errorf("%s: raw %s (%s form, starts %q, %d bytes) found in %s", strings.Join(n.formats, ","), n.kind, n.form, n.prefix, len(n.value), w)
		}
	}
	t.Logf("searched %d needles in %d places (%.1f MiB), the %d planted ones found; took %s",
		len(needles.list), len(haystacks), float64(searched)/(1<<20), len(planted), time.Since(started).Round(time.Millisecond))
}

// addFormatNeedles adds the spellings of every person a format sends, and
// checks that they are spelled as the payloads carry them: needles that
// never occur in the payloads would prove nothing by not occurring
// anywhere else.
func addFormatNeedles(t *testing.T, needles *needleSet, f *privacyFormat) {
	t.Helper()
	id := f.adapter.ID()
	people := slices.Concat(f.good, f.bad)
	docs, names := make([][]*needle, len(people)), make([][]*needle, len(people))
	for i, p := range people {
		docs[i], names[i] = needles.addPerson(id, p)
	}
	inPayload := needles.search([]haystack{{id, slices.Concat(f.goodRaw, f.badRaw)}})[id]
	carried := func(ns []*needle) bool {
		return slices.ContainsFunc(ns, func(n *needle) bool { return slices.Contains(inPayload, n) })
	}
	missingDocs, missingNames := 0, 0
	for i, p := range people {
		if id == "tianjin" && len(p.Events) == 0 {
			continue // a scan log carries people through their scans only
		}
		if p.DocType != schema.DocDCCHolder && !carried(docs[i]) {
			missingDocs++
		}
		if len(names[i]) > 0 && !carried(names[i]) {
			missingNames++
		}
	}
	if missingDocs > 0 || missingNames > 0 {
		t.Fatalf("%s: %d of %d documents and %d names are not spelled as the payloads carry them", id, missingDocs, len(people), missingNames)
	}
}

// ingestFormats posts every format's payloads to one agent, round robin,
// so followers forward to the leader too, and returns how many records the
// agents rejected.
func ingestFormats(t *testing.T, rec *answerRecorder, agents []*agenttest.Agent, formats []*privacyFormat) int {
	t.Helper()
	rejected := 0
	for i, f := range formats {
		id := f.adapter.ID()
		f.node = agents[i%len(agents)]
		ingest := func(format string, raw []byte) (int, hub.IngestResponse) {
			code, body := rec.call(t, f.node, http.MethodPost, "/v1/ingest/"+format, raw)
			var ir hub.IngestResponse
			if code == http.StatusOK {
				if err := json.Unmarshal(body, &ir); err != nil {
					t.Fatalf("%s: ingest answer: %v", format, err)
				}
				rejected += len(ir.Rejected)
			}
			return code, ir
		}
		code, good := ingest(id, f.goodRaw)
		if code != http.StatusOK || len(good.Rejected) > 0 || good.Accepted == 0 {
			t.Fatalf("%s: good payload: HTTP %d, %d accepted, %d rejected: %+v", id, code, good.Accepted, len(good.Rejected), good.Rejected)
		}
		code, bad := ingest(id, f.badRaw)
		if code != http.StatusOK || len(bad.Rejected) < 2+f.spoiled {
			t.Fatalf("%s: payload with bad records: HTTP %d, %d rejected, want at least %d", id, code, len(bad.Rejected), 2+f.spoiled)
		}
		spoiledWith := "a document number and a name"
		switch {
		case id == "eu-dcc":
			spoiledWith = "an untrusted signer and expiry"
		}
		t.Logf("%s: %d people, %d records accepted; bad payload: %d records spoiled with %s, %d accepted, %d rejected",
			id, len(f.good), good.Accepted, f.spoiled, spoiledWith, bad.Accepted, len(bad.Rejected))
		// Whole-payload errors: a truncated payload, and one sent as the
		// next format; both carry documents and names.
		ingest(id, f.badRaw[:len(f.badRaw)*2/3])
		ingest(formats[(i+1)%len(formats)].adapter.ID(), f.badRaw)
	}
	return rejected
}

// checkSubjects checks that the agents pseudonymise with our key (else
// every read below would answer 404 and prove nothing), and has them
// refuse the invalid documents, whose refusal must not quote them.
func checkSubjects(t *testing.T, rec *answerRecorder, subjects *schema.Pseudonymizer, formats []*privacyFormat) {
	t.Helper()
	for _, f := range formats {
		p := f.good[0]
		code, body := rec.call(t, f.node, http.MethodPost, "/v1/subjects", mustJSON(t, map[string]string{"doc_type": p.DocType, "doc_number": p.DocNumber}))
		want, _ := subjects.Subject(p.DocType, p.DocNumber)
		if code != http.StatusOK || !strings.Contains(string(body), want) {
			t.Fatalf("%s: POST /v1/subjects: HTTP %d, not the subject our key gives", f.adapter.ID(), code)
		}
		for _, p := range f.bad {
			if _, err := schema.NormalizeDocument(p.DocType, p.DocNumber); err == nil {
				continue
			}
			if code, _ := rec.call(t, f.node, http.MethodPost, "/v1/subjects", mustJSON(t, map[string]string{"doc_type": p.DocType, "doc_number": p.DocNumber})); code != http.StatusBadRequest {
				t.Errorf("%s: POST /v1/subjects with an invalid document: HTTP %d, want 400", f.adapter.ID(), code)
			}
		}
	}
}

// readBack asks for every good person's status, trajectory and contacts
// on the agent that ingested them (it has applied its writes), a few in
// CSV and GeoJSON and one linearizable through another agent, and for the
// visitors of every place they were seen at.
func readBack(t *testing.T, rec *answerRecorder, subjects *schema.Pseudonymizer, agents []*agenttest.Agent, formats []*privacyFormat) {
	t.Helper()
	for i, f := range formats {
		id := f.adapter.ID()
		found := 0
		places := map[string]bool{}
		for j, p := range f.good {
			subject, err := subjects.Subject(p.DocType, p.DocNumber)
			if err != nil {
				t.Fatalf("%s: person %d: %v", id, j, err)
			}
			for _, path := range []string{"/v1/status/" + subject, "/v1/trajectory/" + subject, "/v1/contacts/" + subject + "?min_overlap=1m"} {
				if code, _ := rec.call(t, f.node, http.MethodGet, path, nil); code == http.StatusOK {
					found++
				}
			}
			if j == 0 {
				for _, path := range []string{"/v1/trajectory/" + subject + "?format=csv", "/v1/trajectory/" + subject + "?format=geojson",
					"/v1/contacts/" + subject + "?format=csv&min_overlap=1m"} {
					rec.call(t, f.node, http.MethodGet, path, nil)
				}
				rec.call(t, agents[(i+1)%len(agents)], http.MethodGet, "/v1/status/"+subject+"?consistency=linearizable", nil)
			}
			for _, e := range p.Events {
				places[e.Place.ID] = true
			}
		}
		for place := range places {
			rec.call(t, f.node, http.MethodGet, "/v1/places/"+url.PathEscape(place)+"/visitors", nil)
		}
		if found == 0 {
			t.Errorf("%s: no status, trajectory or contacts found for any of %d people", id, len(f.good))
		}
	}
}

// readClusterState reads what every agent answers about the whole state:
// quarantine (which must hold every rejected record), metrics, membership.
func readClusterState(t *testing.T, rec *answerRecorder, agents []*agenttest.Agent, rejected int) {
	t.Helper()
	for _, a := range agents {
		code, body := rec.call(t, a, http.MethodGet, "/v1/quarantine?limit=10000", nil)
		var q struct {
			Quarantine []json.RawMessage `json:"quarantine"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &q) != nil {
			t.Fatalf("agent %s: GET /v1/quarantine: HTTP %d", a.ID, code)
		}
		if len(q.Quarantine) < rejected {
			t.Errorf("agent %s: %d records in quarantine, %d were rejected", a.ID, len(q.Quarantine), rejected)
		}
		for _, path := range []string{"/metrics", "/v1/cluster", "/v1/regions", "/v1/risk-areas", "/v1/ready", "/v1/health"} {
			if code, _ := rec.call(t, a, http.MethodGet, path, nil); code != http.StatusOK {
				t.Errorf("agent %s: GET %s: HTTP %d", a.ID, path, code)
			}
		}
	}
}

// stopAgents stops every agent with SIGTERM, as an operator would, so the
// BoltDB files are closed and whatever an agent writes on the way out is on
// disk and in its output.
func stopAgents(t *testing.T, agents []*agenttest.Agent) {
	t.Helper()
	for _, a := range agents {
		a.Signal(syscall.SIGTERM)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, a := range agents {
		if err := a.Wait(time.Until(deadline)); err != nil {
			t.Errorf("agent %s: after SIGTERM: %v", a.ID, err)
		}
	}
}

// leftovers returns what the stopped agents left behind: every file under
// their data directories, their output, and the snapshot each would write
// of its log. Raft writes a snapshot only past thousands of entries or
// minutes, and the agent has no flag to lower that, so the snapshot is
// rebuilt from raft.db; its digest must be the cluster's, or the log was
// not read as the node reads it.
func leftovers(t *testing.T, dir string, agents []*agenttest.Agent, digest string) []haystack {
	t.Helper()
	var out []haystack
	var files []string
	snapshots := 0
	for _, a := range agents {
		err := filepath.WalkDir(a.Data, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			rel = filepath.ToSlash(rel)
			if strings.Contains(rel, "/snapshots/") {
				snapshots++
			}
			out = append(out, haystack{"file " + rel, b})
			files = append(files, fmt.Sprintf("%s (%d KiB)", rel, len(b)>>10))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, haystack{"output of agent " + a.ID, a.Output()})
		snap, rebuilt := rebuildSnapshot(t, filepath.Join(a.Data, "raft.db"))
		if rebuilt != digest {
			t.Errorf("agent %s: state rebuilt from raft.db has digest %s, the cluster's is %s", a.ID, rebuilt, digest)
		}
		out = append(out, haystack{"snapshot rebuilt from agent " + a.ID + "'s raft log", snap})
	}
	t.Logf("files searched: %s; snapshot files written by raft: %d", strings.Join(files, ", "), snapshots)
	return out
}

// privacyFormat is one format's share of the test: the people it sends and
// the payloads that carry them.
type privacyFormat struct {
	adapter adapters.Adapter
	node    *agenttest.Agent
	// good decode without a rejection; bad are in a payload of rejected
	// records: two with valid documents whose records are spoiled, and two
	// with invalid documents.
	good, bad       []adapters.Person
	goodRaw, badRaw []byte
	spoiled         int // records spoiled in badRaw
}

// spoilers make records of a format's payload unreadable while their
// documents stay valid, by writing the raw document number of one and the
// name of another where the format expects a colour (a city on an
// itinerary card, a test result for fujian, whose colour is a JSON number):
// a value in the wrong field is what an error message is most tempted to
// quote. Each replacement hits the first remaining match of any of old; %s
// is where the value goes. Strings are written in the payload's encoding
// (legacyPayload).
var spoilers = map[string]struct {
	old       []string
	doc, name string
}{
	"beijing":   {[]string{`"jkzt":"未见异常"`}, `"jkzt":"%s"`, `"jkzt":"%s"`},
	"carrier":   {[]string{"西安"}, "%s", "%s"},
	"fujian":    {[]string{`"natResult":"阴性"`, `"natResult":"阳性"`, `"natResult":"检测中"`}, `"natResult":"%s"`, `"natResult":"%s"`},
	"guangdong": {[]string{`"codeColor":"0"`}, `"codeColor":"%s"`, `"codeColor":"%s"`},
	// COLOR-CD is one byte: an unknown code, and the name as COLOR-LBL,
	// which is as wide as a two-character name.
	"hainan":   {[]string{"1绿码"}, "9绿码", "1%s"},
	"macau":    {[]string{"健康碼=綠碼"}, "健康碼=%s", "健康碼=%s"},
	"shaanxi":  {[]string{`"mys":"0"`}, `"mys":"%s"`, `"mys":"%s"`},
	"shandong": {[]string{",绿码,"}, ",%s,", ",%s,"},
	"shanghai": {[]string{`color="G"`}, `color="%s"`, `color="%s"`},
	"tianjin":  {[]string{`"mys":"0"`}, `"mys":"%s"`, `"mys":"%s"`},
	"zhejiang": {[]string{`"color":"GREEN"`}, `"color":"%s"`, `"color":"%s"`},
}

// spoil applies the format's spoiler, with doc and name as the values, and
// returns the payload and the number of records it spoiled.
func spoil(t *testing.T, id string, raw []byte, doc, name string) ([]byte, int) {
	t.Helper()
	sp, ok := spoilers[id]
	if !ok {
		return raw, 0
	}
	enc := func(s string) []byte {
		if e := legacyPayload[id]; e != nil {
			return mustEncode(t, e, s)
		}
		return []byte(s)
	}
	n := 0
	for _, r := range [][2]string{{sp.doc, doc}, {sp.name, name}} {
		repl := r[0]
		if strings.Contains(repl, "%s") {
			repl = fmt.Sprintf(repl, r[1])
		}
		at, width := -1, 0
		for _, o := range sp.old {
			if i := bytes.Index(raw, enc(o)); i >= 0 && (at < 0 || i < at) {
				at, width = i, len(enc(o))
			}
		}
		if at < 0 {
			break
		}
		raw = slices.Concat(raw[:at], enc(repl), raw[at+width:])
		n++
	}
	return raw, n
}

// legacyPayload is the encoding of the payloads Encode writes in something
// other than UTF-8.
var legacyPayload = map[string]encoding.Encoding{
	"hainan":   simplifiedchinese.GB18030,
	"macau":    traditionalchinese.Big5,
	"shandong": simplifiedchinese.GBK,
}

// legacyNames are the encodings other than UTF-8 a format may carry names
// in: its own, and for shanghai the ones an XML declaration may name.
var legacyNames = map[string][]namedEncoding{
	"hainan":   {{"gb18030", simplifiedchinese.GB18030}},
	"macau":    {{"big5", traditionalchinese.Big5}},
	"shandong": {{"gbk", simplifiedchinese.GBK}, {"gb18030", simplifiedchinese.GB18030}},
	"shanghai": {{"gbk", simplifiedchinese.GBK}, {"gb18030", simplifiedchinese.GB18030}},
}

type namedEncoding struct {
	name string
	enc  encoding.Encoding
}

func preparePrivacyFormats(t *testing.T, now time.Time, trusted, untrusted dccSigner) []*privacyFormat {
	t.Helper()
	all := adapters.All()
	if len(all) < 12 {
		t.Fatalf("%d formats registered, want 12", len(all))
	}
	start, span := now.Add(-72*time.Hour), 48*time.Hour
	opts := adapters.EncodeOptions{Signer: trusted.key, SignerCert: trusted.cert, At: now}
	var out []*privacyFormat
	for i, a := range all {
		id := a.ID()
		s, ok := a.(adapters.Sampler)
		if !ok {
			t.Fatalf("%s: does not implement adapters.Sampler", id)
		}
		seed := uint64(101 + i)
		f := &privacyFormat{adapter: a, good: s.Sample(seed, 24, start, span)}
		keepValid(f.good, now)
		// One first-generation resident ID: the hub must not keep the 15
		// digits nor the 18 they normalise to.
		for j := range f.good {
			p := &f.good[j]
			if n := p.DocNumber; p.DocType == schema.DocResidentID && len(n) == 18 && n[6:8] == "19" {
				p.DocNumber = n[:6] + n[8:17]
				break
			}
		}
		var err error
		if f.goodRaw, err = a.Encode(f.good, opts); err != nil {
			t.Fatalf("%s: encode: %v", id, err)
		}

		f.bad, f.badRaw, f.spoiled = badPayload(t, a, s.Sample(seed+1000, 24, start, span), seed, now, opts, untrusted)
		out = append(out, f)
	}
	return out
}

// badPayload picks four of pool and writes the payload of rejected
// records: the first two keep valid documents and have their records
// spoiled (for eu-dcc: signed by an untrusted key, and expired), the other
// two get invalid documents. It returns the people as sent, the payload and
// the number of records spoiled.
func badPayload(t *testing.T, a adapters.Adapter, pool []adapters.Person, seed uint64, now time.Time, opts adapters.EncodeOptions, untrusted dccSigner) ([]adapters.Person, []byte, int) {
	t.Helper()
	id := a.ID()
	keepValid(pool, now)
	bad := pickBadPeople(t, id, pool)
	switch id {
	case "carrier":
		// The spoiler renames Xi'an: only a city a card cannot resolve
		// spoils a card whose document is valid.
		xian, ok := schema.LookupDivision("610100")
		if !ok {
			t.Fatal("no division 610100")
		}
		for k := range 2 {
			bad[k].Events[0].Place = schema.Place{ID: "CITY-610100", Name: xian.Name, Region: xian.Code, Lat: xian.Lat, Lon: xian.Lon}
		}
	case "hainan":
		bad[1].Name = string([]rune(bad[1].Name)[:2]) // COLOR-LBL holds two characters
	case "macau":
		if _, err := traditionalchinese.Big5.NewEncoder().String(bad[1].Name); err != nil {
			bad[1].Name = "李明" // a name Big5 holds whole
		}
	case "eu-dcc":
		for j := range bad[1].Statuses {
			st := &bad[1].Statuses[j]
			st.ValidUntil = now.Add(-time.Hour)
			if !st.IssuedAt.Before(st.ValidUntil) {
				st.IssuedAt = st.ValidUntil.Add(-24 * time.Hour)
			}
		}
	}
	rng := mathrand.New(mathrand.NewPCG(seed, 7))
	sent := make([]string, len(bad))
	for k := 2; k < len(bad); k++ {
		var ok bool
		if sent[k], ok = invalidDocument(a, &bad[k], k-2, rng, opts); !ok {
			t.Fatalf("%s: no invalid document this format can carry", id)
		}
	}

	var raw []byte
	spoiled := 0
	if id == "eu-dcc" {
		first, err := a.Encode(bad[:1], adapters.EncodeOptions{Signer: untrusted.key, SignerCert: untrusted.cert, At: now})
		if err != nil {
			t.Fatalf("%s: encode: %v", id, err)
		}
		rest, err := a.Encode(bad[1:], opts)
		if err != nil {
			t.Fatalf("%s: encode: %v", id, err)
		}
		raw, spoiled = append(first, rest...), 2
	} else {
		var err error
		if raw, err = a.Encode(bad, opts); err != nil {
			t.Fatalf("%s: encode bad people: %v", id, err)
		}
		raw, spoiled = spoil(t, id, raw, bad[0].DocNumber, bad[1].Name)
	}
	for k := 2; k < len(bad); k++ {
		if sent[k] == bad[k].DocNumber {
			continue
		}
		// Encode refused the invalid number and wrote a valid one: put
		// the invalid one in its place.
		if !bytes.Contains(raw, []byte(bad[k].DocNumber)) {
			t.Fatalf("%s: the payload does not carry the document as given", id)
		}
		raw = bytes.ReplaceAll(raw, []byte(bad[k].DocNumber), []byte(sent[k]))
		bad[k].DocNumber = sent[k]
	}
	return bad, raw, spoiled
}

// keepValid extends statuses that expire before the agents read them:
// signed formats refuse certificates expired at the decode clock.
func keepValid(people []adapters.Person, now time.Time) {
	for i := range people {
		for j := range people[i].Statuses {
			if st := &people[i].Statuses[j]; !st.ValidUntil.IsZero() && st.ValidUntil.Before(now.Add(time.Hour)) {
				st.ValidUntil = now.Add(24 * time.Hour)
			}
		}
	}
}

// pickBadPeople chooses four people for the payload of rejected records:
// two with valid documents and statuses all green (a spoiler replaces
// green) and two more; where the format has events, all have events (a
// scan log has a record only for a scan).
func pickBadPeople(t *testing.T, id string, pool []adapters.Person) []adapters.Person {
	t.Helper()
	withEvents := slices.ContainsFunc(pool, func(p adapters.Person) bool { return len(p.Events) > 0 })
	var green, rest []adapters.Person
	for _, p := range pool {
		if withEvents && len(p.Events) == 0 {
			continue
		}
		allGreen := len(p.Statuses) > 0 && !slices.ContainsFunc(p.Statuses, func(st schema.Status) bool { return st.Color != schema.Green })
		if len(green) < 2 && allGreen && p.DocType != schema.DocDCCHolder && utf8.RuneCountInString(p.Name) >= 2 {
			green = append(green, p)
		} else if len(rest) < 2 {
			rest = append(rest, p)
		}
	}
	if len(green) < 2 || len(rest) < 2 {
		t.Fatalf("%s: the sample has no four people fit for the bad payload", id)
	}
	return append(green, rest...)
}

// invalidDocument picks for p a document that fails its check (a resident
// ID with a wrong check digit, an HKID with a wrong check character, a
// Macau ID of the wrong series), trying candidates from the one at from,
// and returns it. It sets p's document to what the format's Encode will
// write: the invalid number itself or, when Encode refuses invalid
// documents, a valid one of the same type for the caller to replace.
func invalidDocument(a adapters.Adapter, p *adapters.Person, from int, rng *mathrand.Rand, opts adapters.EncodeOptions) (string, bool) {
	otherCheck := func(c byte) string {
		if c == '0' {
			return "1"
		}
		return "0"
	}
	rid := synth.ResidentID(rng, "610113", time.Date(1980+rng.IntN(20), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC))
	hkid := synth.HKID(rng) // A123456(3)
	macau := fmt.Sprintf("%07d", rng.IntN(10_000_000))
	candidates := [][3]string{ // type, valid, invalid
		{schema.DocResidentID, rid, rid[:17] + otherCheck(rid[17])},
		{schema.DocHKID, hkid, hkid[:8] + otherCheck(hkid[8]) + ")"},
		{schema.DocMacauID, "1" + macau, "9" + macau},
	}
	encodes := func(docType, number string) bool {
		q := *p
		q.DocType, q.DocNumber = docType, number
		_, err := a.Encode([]adapters.Person{q}, opts)
		return err == nil
	}
	for _, written := range []int{2, 1} { // the invalid number, else a valid one
		for k := range candidates {
			c := candidates[(from+k)%len(candidates)]
			if encodes(c[0], c[written]) {
				p.DocType, p.DocNumber = c[0], c[written]
				return c[2], true
			}
		}
	}
	return "", false
}

type dccSigner struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

// newDCCSigner makes a document signer with the DCC key usages (test,
// vaccination, recovery), valid around now.
func newDCCSigner(t *testing.T, now time.Time, name string) dccSigner {
	t.Helper()
	key, cert, err := eudcc.NewSigner(name, "DE", now.AddDate(0, -1, 0), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return dccSigner{key: key, cert: cert}
}

func mustEncode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func startPrivacyCluster(t *testing.T, bin, dir, key, trustFile string) []*agenttest.Agent {
	t.Helper()
	var agents []*agenttest.Agent
	for _, id := range []string{"a", "b", "c"} {
		a := agenttest.New(t, bin, dir, id, "CODEFED_FEDERATION_KEY="+key)
		if len(agents) == 0 {
			a.Start(t, "--trust", trustFile, "--bootstrap")
		} else {
			a.Start(t, "--trust", trustFile, "--join", agents[0].URL())
		}
		a.WaitReady(t, 30*time.Second)
		agents = append(agents, a)
	}
	eventually(t, 30*time.Second, "three members", func() error {
		for _, a := range agents {
			resp, err := http.Get(a.URL() + "/v1/cluster")
			if err != nil {
				return err
			}
			var c struct {
				Members []json.RawMessage `json:"members"`
			}
			err = json.NewDecoder(resp.Body).Decode(&c)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if len(c.Members) != 3 {
				return fmt.Errorf("agent %s sees %d members", a.ID, len(c.Members))
			}
		}
		return nil
	})
	return agents
}

// waitConverged waits until every agent has applied the same state and
// returns its digest.
func waitConverged(t *testing.T, rec *answerRecorder, agents []*agenttest.Agent) string {
	t.Helper()
	var digest string
	eventually(t, 30*time.Second, "replicas converge", func() error {
		var first struct {
			Index  uint64 `json:"index"`
			Digest string `json:"digest"`
		}
		for i, a := range agents {
			code, body := rec.call(t, a, http.MethodGet, "/v1/cluster/digest", nil)
			var d struct {
				Index  uint64 `json:"index"`
				Digest string `json:"digest"`
			}
			if code != http.StatusOK || json.Unmarshal(body, &d) != nil {
				return fmt.Errorf("agent %s: HTTP %d", a.ID, code)
			}
			if i == 0 {
				first = d
			} else if d != first {
				return fmt.Errorf("agent %s at %d/%s, agent %s at %d/%s", a.ID, d.Index, d.Digest, agents[0].ID, first.Index, first.Digest)
			}
		}
		digest = first.Digest
		return nil
	})
	return digest
}

// answerRecorder calls the API and keeps every answer, headers and body,
// for the search.
type answerRecorder struct {
	client  *http.Client
	answers []haystack
}

func (r *answerRecorder) call(t *testing.T, a *agenttest.Agent, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+a.HTTP+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s on agent %s: %v", method, path, a.ID, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s on agent %s: %v", method, path, a.ID, err)
	}
	var head bytes.Buffer
	_ = resp.Header.Write(&head)
	r.answers = append(r.answers, haystack{fmt.Sprintf("answer to %s %s on agent %s", method, path, a.ID), append(head.Bytes(), b...)})
	return resp.StatusCode, b
}

// rebuildSnapshot reads a copy of a stopped node's raft.db, applies its log
// to a fresh state machine as the node's federation layer does, and
// returns the snapshot that state machine writes and its digest.
func rebuildSnapshot(t *testing.T, raftDB string) ([]byte, string) {
	t.Helper()
	b, err := os.ReadFile(raftDB)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(t.TempDir(), "raft.db")
	if err := os.WriteFile(cp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	fsm := hub.NewFSM(0)
	if _, err := federation.Replay(cp, fsm); err != nil {
		t.Fatalf("replay %s: %v", raftDB, err)
	}
	snap, err := fsm.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Release()
	var out bytes.Buffer
	if err := snap.Persist(&out); err != nil {
		t.Fatal(err)
	}
	_, digest := fsm.Digest()
	return out.Bytes(), digest
}

// haystack is a place searched: a file, a process's output, an API answer.
type haystack struct {
	where string
	data  []byte
}

// needle is one spelling of a raw document number or name that was sent.
type needle struct {
	value   []byte
	kind    string // document or name
	form    string // which spelling: raw, normalised, gbk, ...
	prefix  string // what a report may show of it
	formats []string
}

// needleSet indexes needles by their first four bytes, so a haystack is
// scanned once whatever the number of needles.
type needleSet struct {
	byValue  map[string]*needle
	list     []*needle
	byPrefix map[uint32][]*needle
	first2   [1 << 16]bool
}

const minNeedle = 4

func newNeedleSet() *needleSet {
	return &needleSet{byValue: map[string]*needle{}, byPrefix: map[uint32][]*needle{}}
}

func (s *needleSet) add(format, kind, form, prefix string, value []byte) *needle {
	if len(value) < minNeedle {
		return nil
	}
	if n, ok := s.byValue[string(value)]; ok {
		if !slices.Contains(n.formats, format) {
			n.formats = append(n.formats, format)
		}
		return n
	}
	n := &needle{value: value, kind: kind, form: form, prefix: prefix, formats: []string{format}}
	s.byValue[string(value)] = n
	s.list = append(s.list, n)
	key := binary.LittleEndian.Uint32(value)
	s.byPrefix[key] = append(s.byPrefix[key], n)
	s.first2[binary.LittleEndian.Uint16(value)] = true
	return n
}

// addPerson adds every spelling of p's document and name that the format
// sends or that the hub could derive from them. It returns the document's
// and the name's spellings as the payload carries them.
func (s *needleSet) addPerson(format string, p adapters.Person) (docs, names []*needle) {
	doc := func(form, v string) {
		if n := s.add(format, "document", form, v[:min(3, len(v))]+"…", []byte(v)); n != nil {
			docs = append(docs, n)
		}
	}
	doc("raw", p.DocNumber)
	if norm, err := schema.NormalizeDocument(p.DocType, p.DocNumber); err == nil {
		doc("normalised", norm)
	}
	if n := p.DocNumber; p.DocType == schema.DocMacauID && len(n) == 8 {
		doc("bracketed", n[:7]+"("+n[7:]+")") // as the Macau card prints it
	}
	if p.DocType == schema.DocResidentID {
		n := strings.ToUpper(p.DocNumber)
		switch {
		case len(n) == 15:
			first17 := n[:6] + "19" + n[6:]
			doc("18-digit", first17+string(schema.ResidentIDCheckDigit(first17)))
		case len(n) == 18 && n[6:8] == "19":
			doc("15-digit", n[:6]+n[8:17])
		}
	}

	if utf8.RuneCountInString(p.Name) < 2 {
		return docs, nil
	}
	r, _ := utf8.DecodeRuneInString(p.Name)
	prefix := string(r) + "…"
	// The spelling the payload carries: UTF-8, the payload's encoding, or
	// none for eu-dcc, whose names are inside compressed certificates.
	sent := "utf-8"
	switch format {
	case "eu-dcc":
		sent = ""
	case "hainan":
		sent = "gb18030"
	case "shandong":
		sent = "gbk"
	case "macau":
		sent = "big5"
	}
	name := func(form string, v []byte) {
		if n := s.add(format, "name", form, prefix, v); n != nil && form == sent {
			names = append(names, n)
		}
	}
	name("utf-8", []byte(p.Name))
	// Go's %+q and ASCII-only JSON write non-ASCII as \uXXXX.
	name(`\u-escaped`, []byte(unquote(strconv.QuoteToASCII(p.Name))))
	if format == "eu-dcc" {
		// The certificate carries the name as ICAO 9303 transliterates it.
		if words := strings.Fields(strings.ToUpper(p.Name)); len(words) > 1 {
			name("icao", []byte(words[0]+"<<"+strings.Join(words[1:], "<")))
		}
	}
	for _, le := range legacyNames[format] {
		v := p.Name
		if format == "macau" {
			// Macau's export writes what Big5 cannot hold as '?'.
			v = strings.Map(func(r rune) rune {
				if _, err := le.enc.NewEncoder().String(string(r)); err != nil {
					return '?'
				}
				return r
			}, p.Name)
			if utf8.RuneCountInString(strings.ReplaceAll(v, "?", "")) < 2 {
				continue
			}
			name("utf-8 as big5 holds it", []byte(v))
		}
		b, err := le.enc.NewEncoder().Bytes([]byte(v))
		if err != nil {
			continue
		}
		name(le.name, b)
		// %q writes bytes that are not UTF-8 as \xHH.
		name(`\x-escaped `+le.name, []byte(unquote(strconv.Quote(string(b)))))
	}
	return docs, names
}

func unquote(q string) string { return q[1 : len(q)-1] }

// search returns, per haystack that holds any, the needles found in it.
func (s *needleSet) search(haystacks []haystack) map[string][]*needle {
	hits := map[string][]*needle{}
	for _, h := range haystacks {
		d := h.data
		for i := 0; i+minNeedle <= len(d); i++ {
			if !s.first2[binary.LittleEndian.Uint16(d[i:])] {
				continue
			}
			for _, n := range s.byPrefix[binary.LittleEndian.Uint32(d[i:])] {
				if bytes.HasPrefix(d[i:], n.value) && !slices.Contains(hits[h.where], n) {
					hits[h.where] = append(hits[h.where], n)
				}
			}
		}
	}
	return hits
}

// plantedNeedles picks the needles planted to check the search: a
// document, a name in a legacy encoding, and an escaped name.
func plantedNeedles(t *testing.T, s *needleSet) []*needle {
	t.Helper()
	var doc, legacy, escaped *needle
	for _, n := range s.list {
		switch {
		case doc == nil && n.kind == "document":
			doc = n
		case legacy == nil && n.form == "gbk":
			legacy = n
		case escaped == nil && n.form == `\u-escaped`:
			escaped = n
		}
	}
	if doc == nil || legacy == nil || escaped == nil {
		t.Fatal("no document, GBK name or escaped name among the needles")
	}
	return []*needle{doc, legacy, escaped}
}
