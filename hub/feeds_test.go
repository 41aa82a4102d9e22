package hub

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

func (h *harness) feedPage(now time.Time, cmd FeedPageCommand) FeedPageResult {
	h.t.Helper()
	var cr CommandResult
	if err := json.Unmarshal(h.applyEncoded(now, cmd.Encode), &cr); err != nil || cr.Error != "" {
		h.t.Fatalf("feed page: %v %s", err, cr.Error)
	}
	var res FeedPageResult
	if err := json.Unmarshal(cr.Result, &res); err != nil {
		h.t.Fatal(err)
	}
	return res
}

// TestFeedPagesApplyOnceAtTheirCursor checks the compare-and-set that makes
// pulled feeds exactly-once: a page applies only at the feed's committed
// cursor, a repeated or out-of-date page changes nothing, and feeds are
// independent.
func TestFeedPagesApplyOnceAtTheirCursor(t *testing.T) {
	h := newHarness(t)
	page := func(cursor, next string, n int) FeedPageCommand {
		return FeedPageCommand{Feed: "shaanxi@http://a/", Cursor: cursor, Next: next, Records: RecordsCommand{
			BatchID: "p" + next, Region: "610100",
			Statuses: []schema.Status{status(subj(n), "610100", schema.Green, at(4, n), "r"+next)},
			Rejected: []Rejection{{Index: 1, Error: "bad colour"}},
		}}
	}
	if res := h.feedPage(at(4, 0), page("", "c1", 1)); res.Stale || res.Cursor != "c1" || res.Statuses != 1 || res.Quarantined != 1 {
		t.Fatalf("first page: %+v", res)
	}
	_, d1 := h.f.Digest()
	// The same page again (a retry, or a deposed leader): nothing changes.
	if res := h.feedPage(at(4, 0), page("", "c1", 1)); !res.Stale || res.Cursor != "c1" || res.Statuses != 0 {
		t.Fatalf("repeated page: %+v", res)
	}
	// A page fetched at a cursor the feed never reached: refused too.
	if res := h.feedPage(at(4, 0), page("c7", "c8", 2)); !res.Stale {
		t.Fatalf("page from the future: %+v", res)
	}
	if _, d := h.f.Digest(); d != d1 {
		t.Fatal("a stale page changed the state")
	}
	if len(h.f.Quarantine(0, 10)) != 1 {
		t.Fatal("stale page quarantined its rejections again")
	}
	if res := h.feedPage(at(4, 0), page("c1", "c2", 2)); res.Stale || res.Cursor != "c2" {
		t.Fatalf("second page: %+v", res)
	}
	other := page("", "x1", 3)
	other.Feed = "zhejiang@http://b/"
	if res := h.feedPage(at(4, 0), other); res.Stale {
		t.Fatalf("another feed's first page: %+v", res)
	}
	if got := h.f.FeedCursors(); len(got) != 2 || got[0] != (FeedCursor{"shaanxi@http://a/", "c2"}) || got[1] != (FeedCursor{"zhejiang@http://b/", "x1"}) {
		t.Fatalf("cursors %+v", got)
	}
	if _, ok := h.f.Status(subj(2), at(4, 12)); !ok {
		t.Fatal("second page's status not applied")
	}
}

func (h *harness) certify(now time.Time, c Certification) CommandResult {
	h.t.Helper()
	var cr CommandResult
	if err := json.Unmarshal(h.applyEncoded(now, c.Encode), &cr); err != nil {
		h.t.Fatal(err)
	}
	return cr
}

func TestCertificationsAndCursorsSurviveSnapshots(t *testing.T) {
	h := newHarness(t)
	good := Certification{Format: "shaanxi", Target: "http://ymt/", Spec: "codefed-ris/1", SuiteVersion: "1",
		Started: at(4, 1), Finished: at(4, 2), Passed: false, Counts: map[string]int{"pass": 20, "fail": 1},
		Failed: []string{"RIS-DATA-02"}, ReportSHA256: strings.Repeat("ab", 32)}
	if cr := h.certify(at(4, 3), good); cr.Error != "" {
		t.Fatal(cr.Error)
	}
	bad := good
	bad.Passed = true
	if cr := h.certify(at(4, 3), bad); !strings.Contains(cr.Error, "passed") {
		t.Fatalf("contradictory certification accepted: %+v", cr)
	}
	good.Passed, good.Failed, good.Finished = true, nil, at(5, 2)
	if cr := h.certify(at(5, 3), good); cr.Error != "" {
		t.Fatal(cr.Error)
	}
	certs := h.f.Certifications()
	if c := certs["shaanxi"]; !c.Passed || !c.Recorded.Equal(at(5, 3)) || len(certs) != 1 {
		t.Fatalf("certifications %+v", certs)
	}
	h.feedPage(at(5, 3), FeedPageCommand{Feed: "f", Cursor: "", Next: "n1"})

	_, want := h.f.Digest()
	snap, _ := h.f.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	r := NewFSM(0)
	if err := r.Restore(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if _, got := r.Digest(); got != want {
		t.Fatalf("restored digest %s, want %s", got, want)
	}
	if r.FeedCursor("f") != "n1" || !r.Certifications()["shaanxi"].Passed {
		t.Fatal("cursor or certification lost in the snapshot")
	}
	// A certification changes the digest: replicas that disagree on one
	// are told apart.
	h2 := newHarness(t)
	h2.certify(at(4, 3), good)
	h3 := newHarness(t)
	other := good
	other.Target = "http://elsewhere/"
	h3.certify(at(4, 3), other)
	if _, a := h2.f.Digest(); func() bool { _, b := h3.f.Digest(); return a == b }() {
		t.Fatal("different certifications, same digest")
	}
}
