package hub

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

var cst = time.FixedZone("CST", 8*3600)

func at(day, hour int) time.Time { return time.Date(2022, 1, day, hour, 0, 0, 0, cst) }

func subj(n int) string { return fmt.Sprintf("%064x", n) }

type harness struct {
	t     *testing.T
	f     *FSM
	index uint64
}

func newHarness(t *testing.T) *harness { return &harness{t: t, f: NewFSM(0)} }

// apply applies one records command at command time now and returns its result.
func (h *harness) apply(now time.Time, cmd RecordsCommand) RecordsResult {
	h.t.Helper()
	res, err := decodeRecordsResult(h.applyEncoded(now, cmd.Encode))
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// applyEncoded applies one command at command time now and returns its
// encoded CommandResult.
func (h *harness) applyEncoded(now time.Time, encode func() ([]byte, error)) []byte {
	h.t.Helper()
	b, err := encode()
	if err != nil {
		h.t.Fatal(err)
	}
	h.index++
	return h.f.Apply(h.index, now, [][]byte{b})[0]
}

func status(subject, region, color string, issued time.Time, recordID string) schema.Status {
	return schema.Status{Subject: subject, Region: region, Color: color, Reasons: []string{"r_" + color},
		IssuedAt: issued, ValidUntil: issued.Add(48 * time.Hour), Source: schema.Source{System: "s", RecordID: recordID}}
}

func event(subject, placeID, region string, start time.Time, minutes int) schema.Event {
	return schema.Event{Subject: subject, Region: region[:6], Kind: schema.KindVenueScan,
		Place: schema.Place{ID: placeID, Region: region}, Start: start, End: start.Add(time.Duration(minutes) * time.Minute),
		Source: schema.Source{System: "s", RecordID: placeID + start.String()}}
}

func (h *harness) color(subject string, now time.Time) (string, []Reason) {
	h.t.Helper()
	st, ok := h.f.Status(subject, now)
	if !ok {
		h.t.Fatalf("subject %s unknown", subject[:8])
	}
	return st.Color, st.Reasons
}

func TestStatusLastWriterWinsPerRegion(t *testing.T) {
	h := newHarness(t)
	s := subj(1)
	h.apply(at(4, 9), RecordsCommand{Statuses: []schema.Status{status(s, "610100", schema.Green, at(4, 9), "b")}})
	// Older: ignored.
	if r := h.apply(at(4, 10), RecordsCommand{Statuses: []schema.Status{status(s, "610100", schema.Red, at(4, 8), "z")}}); r.Stale != 1 {
		t.Fatalf("older status not stale: %+v", r)
	}
	if c, _ := h.color(s, at(4, 12)); c != schema.Green {
		t.Fatalf("colour %s after an older red, want green", c)
	}
	// Same issued_at, smaller record_id: ignored; greater: wins.
	h.apply(at(4, 10), RecordsCommand{Statuses: []schema.Status{status(s, "610100", schema.Red, at(4, 9), "a")}})
	if c, _ := h.color(s, at(4, 12)); c != schema.Green {
		t.Fatalf("tie with smaller record_id replaced the status: %s", c)
	}
	h.apply(at(4, 10), RecordsCommand{Statuses: []schema.Status{status(s, "610100", schema.Yellow, at(4, 9), "c")}})
	if c, _ := h.color(s, at(4, 12)); c != schema.Yellow {
		t.Fatalf("tie with greater record_id did not win: %s", c)
	}
	// Replay: no-op, digest unchanged.
	_, before := h.f.Digest()
	if r := h.apply(at(4, 11), RecordsCommand{Statuses: []schema.Status{status(s, "610100", schema.Yellow, at(4, 9), "c")}}); r.Stale != 1 || r.Statuses != 0 {
		t.Fatalf("replay changed state: %+v", r)
	}
	if _, after := h.f.Digest(); after != before {
		t.Fatal("replay changed the digest")
	}
	// Another region is independent.
	h.apply(at(4, 11), RecordsCommand{Statuses: []schema.Status{status(s, "330100", schema.Green, at(4, 10), "x")}})
	st, _ := h.f.Status(s, at(4, 12))
	if len(st.Regions) != 2 || st.Regions["610100"].Color != schema.Yellow || st.Regions["330100"].Color != schema.Green {
		t.Fatalf("regions = %+v", st.Regions)
	}
}

func TestFederatedColourIsMostSevereCountedStatus(t *testing.T) {
	h := newHarness(t)
	s := subj(2)
	red := status(s, "330100", schema.Red, at(4, 9), "r")
	red.ValidUntil = at(5, 9)
	h.apply(at(4, 9), RecordsCommand{Statuses: []schema.Status{
		status(s, "610100", schema.Green, at(4, 9), "g"), red,
	}})
	c, reasons := h.color(s, at(4, 12))
	if c != schema.Red || len(reasons) != 1 || reasons[0].Code != "r_red" || reasons[0].Region != "330100" {
		t.Fatalf("colour %s reasons %+v, want red from 330100 only", c, reasons)
	}
	// Past valid_until the red no longer counts.
	if c, _ := h.color(s, at(5, 9)); c != schema.Green {
		t.Fatalf("expired red still counts: %s", c)
	}
	// When nothing counts, the colour is unknown, not green.
	if c, _ := h.color(s, at(8, 0)); c != ColorUnknown {
		t.Fatalf("all statuses expired: colour %s, want %s", c, ColorUnknown)
	}
	if _, ok := h.f.Status(subj(99), at(4, 12)); ok {
		t.Fatal("unknown subject found")
	}
}

func TestRiskAreaVisitDerivesYellow(t *testing.T) {
	area := schema.RiskArea{ID: "a1", Region: "610113001", Level: schema.RiskHigh, From: at(3, 0), Until: at(10, 0)}
	cases := []struct {
		name   string
		region string
		start  time.Time
		level  string
		now    time.Time
		want   string
	}{
		{"inside area and window", "610113001", at(4, 9), schema.RiskHigh, at(5, 0), schema.Yellow},
		{"medium counts", "610113001", at(4, 9), schema.RiskMedium, at(5, 0), schema.Yellow},
		{"low does not", "610113001", at(4, 9), schema.RiskLow, at(5, 0), schema.Green},
		{"neighbouring township", "610113002", at(4, 9), schema.RiskHigh, at(5, 0), schema.Green},
		{"before the window", "610113001", at(2, 9), schema.RiskHigh, at(5, 0), schema.Green},
		{"after the window", "610113001", at(10, 1), schema.RiskHigh, at(11, 0), schema.Green},
		{"older than 14 days", "610113001", at(4, 9), schema.RiskHigh, at(19, 0), schema.Green},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			s := subj(3)
			st := status(s, "610100", schema.Green, c.now.Add(-time.Hour), "g")
			a := area
			a.Level = c.level
			h.apply(at(4, 0), RecordsCommand{
				Statuses:  []schema.Status{st},
				Events:    []schema.Event{event(s, "P1", c.region, c.start, 30)},
				RiskAreas: []schema.RiskArea{a},
			})
			got, reasons := h.color(s, c.now)
			if got != c.want {
				t.Fatalf("colour %s, want %s (reasons %+v)", got, c.want, reasons)
			}
			if c.want == schema.Yellow && (len(reasons) != 1 || reasons[0].Code != schema.ReasonVisitedRiskArea || reasons[0].Region != c.region) {
				t.Fatalf("reasons %+v, want one visited_risk_area in %s", reasons, c.region)
			}
		})
	}
	// A red status still beats a derived yellow.
	h := newHarness(t)
	s := subj(4)
	h.apply(at(4, 0), RecordsCommand{
		Statuses: []schema.Status{status(s, "610100", schema.Red, at(4, 0), "r")}, RiskAreas: []schema.RiskArea{area},
		Events: []schema.Event{event(s, "P1", "610113001", at(4, 9), 30)},
	})
	if c, _ := h.color(s, at(5, 0)); c != schema.Red {
		t.Fatalf("red with a risk visit gives %s", c)
	}
}

func TestEventsAreASetWhoseEndMayOnlyGrow(t *testing.T) {
	h := newHarness(t)
	s := subj(5)
	e := event(s, "P1", "610113001", at(4, 9), 30)
	if r := h.apply(at(4, 10), RecordsCommand{Events: []schema.Event{e}}); r.Events != 1 {
		t.Fatalf("first event: %+v", r)
	}
	if r := h.apply(at(4, 10), RecordsCommand{Events: []schema.Event{e}}); r.Duplicates != 1 {
		t.Fatalf("replayed event: %+v", r)
	}
	shorter := e
	shorter.End = e.Start.Add(10 * time.Minute)
	shorter.Source.RecordID = "other"
	if r := h.apply(at(4, 10), RecordsCommand{Events: []schema.Event{shorter}}); r.Duplicates != 1 {
		t.Fatalf("shorter end changed the event: %+v", r)
	}
	longer := e
	longer.End = e.Start.Add(90 * time.Minute)
	if r := h.apply(at(4, 11), RecordsCommand{Events: []schema.Event{longer}}); r.Events != 1 {
		t.Fatalf("longer end did not extend: %+v", r)
	}
	otherSystem := e
	otherSystem.Source.System = "other-system"
	h.apply(at(4, 11), RecordsCommand{Events: []schema.Event{otherSystem}})
	tr, _ := h.f.Trajectory(s, time.Time{}, time.Time{})
	if len(tr.Events) != 2 {
		t.Fatalf("events %+v, want 2 (one per source system)", tr.Events)
	}
	for _, ev := range tr.Events {
		if ev.Source.System == "s" && !ev.End.Equal(longer.End) {
			t.Fatalf("end %v, want extended %v", ev.End, longer.End)
		}
		if ev.Source.System == "s" && ev.Source.RecordID != e.Source.RecordID {
			t.Fatalf("record id changed to %s", ev.Source.RecordID)
		}
		if ev.Start.Format(time.RFC3339) != "2022-01-04T09:00:00+08:00" {
			t.Fatalf("start lost its offset: %s", ev.Start.Format(time.RFC3339))
		}
	}
}

func TestRetentionPurgesAtCommandTime(t *testing.T) {
	h := newHarness(t)
	s := subj(6)
	old := event(s, "P-old", "610113001", at(1, 9), 30)
	recent := event(s, "P-new", "610113001", at(20, 9), 30)
	keep := status(s, "610100", schema.Green, at(20, 9), "k")
	h.apply(at(20, 10), RecordsCommand{Events: []schema.Event{old, recent}, Statuses: []schema.Status{
		status(s, "330100", schema.Green, at(1, 9), "gone"), keep,
	}})
	if c := h.f.Counts(); c["events"] != 2 || c["statuses"] != 2 {
		t.Fatalf("before purge: %v", c)
	}
	// Command time 29 days after the old records: they go, the rest stays.
	h.apply(at(31, 12), RecordsCommand{})
	tr, _ := h.f.Trajectory(s, time.Time{}, time.Time{})
	if len(tr.Events) != 1 || tr.Events[0].Place.ID != "P-new" {
		t.Fatalf("events after purge: %+v", tr.Events)
	}
	st, _ := h.f.Status(s, at(21, 0))
	if _, ok := st.Regions["330100"]; ok || len(st.Regions) != 1 {
		t.Fatalf("statuses after purge: %+v", st.Regions)
	}
	// The purged state has the digest of a state that only ever saw the
	// surviving records.
	fresh := newHarness(t)
	fresh.apply(at(20, 10), RecordsCommand{Events: []schema.Event{recent}, Statuses: []schema.Status{keep}})
	_, a := h.f.Digest()
	_, b := fresh.f.Digest()
	if a != b {
		t.Fatalf("digest after purge %s differs from a state without the purged records %s", a, b)
	}
}

func TestQuarantineKeepsRejections(t *testing.T) {
	h := newHarness(t)
	r := h.apply(at(4, 9), RecordsCommand{BatchID: "b1", Region: "610100", Format: "shaanxi",
		Statuses: []schema.Status{status(subj(7), "610100", schema.Green, at(4, 9), "g")},
		Rejected: []Rejection{{Index: 1, Field: "zjhm", Error: "invalid resident_id: check digit does not match"}, {Index: 3, Field: "mys", Error: "unknown colour code"}},
	})
	if r.Quarantined != 2 || r.Statuses != 1 || r.FirstQID != 1 {
		t.Fatalf("result %+v", r)
	}
	q := h.f.Quarantine(0, 10)
	if len(q) != 2 || q[0].BatchID != "b1" || q[1].Index != 3 || !q[0].At.Equal(at(4, 9)) {
		t.Fatalf("quarantine %+v", q)
	}
	if q := h.f.Quarantine(1, 10); len(q) != 1 || q[0].ID != 2 {
		t.Fatalf("paging after 1: %+v", q)
	}
}

func randomCommands(rng *rand.Rand, n int) []RecordsCommand {
	var cmds []RecordsCommand
	colors := []string{schema.Green, schema.Yellow, schema.Red}
	for i := 0; i < n; i++ {
		var c RecordsCommand
		for j := 0; j < 1+rng.IntN(4); j++ {
			s := subj(rng.IntN(20))
			c.Statuses = append(c.Statuses, status(s, []string{"610100", "330100", "110000"}[rng.IntN(3)],
				colors[rng.IntN(3)], at(4+rng.IntN(3), rng.IntN(24)), fmt.Sprint(rng.IntN(5))))
			c.Events = append(c.Events, event(s, fmt.Sprintf("P%d", rng.IntN(5)), "610113001", at(4+rng.IntN(3), rng.IntN(24)), 5+rng.IntN(100)))
		}
		if rng.IntN(5) == 0 {
			c.RiskAreas = []schema.RiskArea{{ID: fmt.Sprint("a", rng.IntN(3)), Region: "610113", Level: schema.RiskHigh, From: at(4, 0)}}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

// TestMergeIsOrderIndependent applies the same statuses and events in
// different orders: last-writer-wins and set semantics must converge on the
// same digest. (Risk areas are last-writer-wins by log order, so they are
// applied identically.)
func TestMergeIsOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	cmds := randomCommands(rng, 40)
	var areas []schema.RiskArea
	for i := range cmds {
		areas = append(areas, cmds[i].RiskAreas...)
		cmds[i].RiskAreas = nil
	}
	digest := func(order []int) string {
		h := newHarness(t)
		h.apply(at(4, 0), RecordsCommand{RiskAreas: areas})
		for _, i := range order {
			h.apply(at(7, 0), cmds[i])
		}
		_, d := h.f.Digest()
		return d
	}
	order := make([]int, len(cmds))
	for i := range order {
		order[i] = i
	}
	want := digest(order)
	for k := 0; k < 5; k++ {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		if got := digest(order); got != want {
			t.Fatalf("digest depends on order: %s vs %s", got, want)
		}
	}
}

func TestSnapshotRestoreAndCopyOnWrite(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(1, 9))
	for _, c := range randomCommands(rng, 30) {
		h.apply(at(7, 0), c)
	}
	h.apply(at(7, 0), RecordsCommand{BatchID: "q", Region: "610100", Rejected: []Rejection{{Index: 0, Error: "bad"}}})
	idx, want := h.f.Digest()
	snap, err := h.f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	var first bytes.Buffer
	if err := snap.Persist(&first); err != nil {
		t.Fatal(err)
	}
	// Writes after the snapshot must not leak into it.
	for _, c := range randomCommands(rng, 30) {
		h.apply(at(8, 0), c)
	}
	var second bytes.Buffer
	if err := snap.Persist(&second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Fatal("snapshot changed after later writes: copy-on-write broken")
	}
	snap.Release()

	r := NewFSM(0)
	if err := r.Restore(bytes.NewReader(first.Bytes())); err != nil {
		t.Fatal(err)
	}
	if ri, got := r.Digest(); ri != idx || got != want {
		t.Fatalf("restored (%d, %s), want (%d, %s)", ri, got, idx, want)
	}
	// Restored state answers queries like the original did at that index.
	orig := newHarness(t)
	rng = rand.New(rand.NewPCG(1, 9))
	for _, c := range randomCommands(rng, 30) {
		orig.apply(at(7, 0), c)
	}
	for i := 0; i < 20; i++ {
		a, okA := orig.f.Status(subj(i), at(7, 12))
		b, okB := r.Status(subj(i), at(7, 12))
		if okA != okB || (okA && (a.Color != b.Color || len(a.Regions) != len(b.Regions))) {
			t.Fatalf("subject %d: restored status differs", i)
		}
		ta, _ := orig.f.Trajectory(subj(i), time.Time{}, time.Time{})
		tb, _ := r.Trajectory(subj(i), time.Time{}, time.Time{})
		if ta != nil && fmt.Sprint(ta.Events) != fmt.Sprint(tb.Events) {
			t.Fatalf("subject %d: restored trajectory differs", i)
		}
	}
	if len(r.Quarantine(0, 10)) != 1 {
		t.Fatal("quarantine not restored")
	}
}

func TestRestoreRefusesCorruptSnapshot(t *testing.T) {
	h := newHarness(t)
	h.apply(at(4, 9), RecordsCommand{Statuses: []schema.Status{status(subj(1), "610100", schema.Green, at(4, 9), "g")}})
	snap, _ := h.f.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	tampered := strings.Replace(buf.String(), `"color":"green"`, `"color":"red"`, 1)
	r := NewFSM(0)
	err := r.Restore(strings.NewReader(tampered))
	if err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("tampered snapshot restored: %v", err)
	}
	if _, ok := r.Status(subj(1), at(4, 10)); ok {
		t.Fatal("failed restore changed the state")
	}
}

func TestUnknownCommandStopsUnlessIgnorable(t *testing.T) {
	f := NewFSM(0)
	out := f.Apply(1, at(4, 0), [][]byte{{byte(ignoreUnknown | 0x11), commandVersion}})
	if !strings.Contains(string(out[0]), "ignored unknown command") {
		t.Fatalf("ignorable command: %s", out[0])
	}
	defer func() {
		r := recover()
		if _, ok := r.(*UnknownCommandError); !ok {
			t.Fatalf("unknown command did not stop the server: %v", r)
		}
	}()
	f.Apply(2, at(4, 0), [][]byte{{0x11, commandVersion}})
}

func TestApplyIgnoresWallClock(t *testing.T) {
	// The same commands at the same command times give the same state,
	// whatever the wall clock says: apply them twice, far apart in real
	// terms only by construction of the command times.
	rng := rand.New(rand.NewPCG(3, 3))
	cmds := randomCommands(rng, 10)
	run := func() string {
		h := newHarness(t)
		for _, c := range cmds {
			h.apply(at(7, 0), c)
		}
		_, d := h.f.Digest()
		return d
	}
	if a, b := run(), run(); a != b {
		t.Fatal("same commands, different digests")
	}
}

func TestUnknownEventKindIsRefusedDeterministically(t *testing.T) {
	h := newHarness(t)
	e := event(subj(1), "P1", "610113001", at(4, 9), 30)
	e.Kind = "teleport"
	_, before := h.f.Digest()
	r := h.apply(at(4, 10), RecordsCommand{Events: []schema.Event{e}})
	if r.Invalid != 1 || r.Events != 0 {
		t.Fatalf("result %+v, want one invalid record", r)
	}
	if _, after := h.f.Digest(); after != before {
		t.Fatal("a refused record changed the state")
	}
}

func TestRecordIDArenaCompactsAtSweepWithoutDisturbingSnapshots(t *testing.T) {
	h := newHarness(t)
	s := subj(8)
	var old, keep []schema.Event
	for i := 0; i < 50; i++ {
		e := event(s, fmt.Sprintf("P%d", i), "610113001", at(1, 9).Add(time.Duration(i)*time.Minute), 10)
		e.Source.RecordID = fmt.Sprintf("old-record-%04d", i)
		old = append(old, e)
	}
	for i := 0; i < 5; i++ {
		e := event(s, fmt.Sprintf("Q%d", i), "610113001", at(20, 9).Add(time.Duration(i)*time.Minute), 10)
		e.Source.RecordID = fmt.Sprintf("kept-%d", i)
		keep = append(keep, e)
	}
	h.apply(at(20, 10), RecordsCommand{Events: append(old, keep...)})
	snap, _ := h.f.Snapshot()
	var before bytes.Buffer
	if err := snap.Persist(&before); err != nil {
		t.Fatal(err)
	}
	arena := len(h.f.state.rids)
	h.apply(at(31, 12), RecordsCommand{}) // purges the 50 old events
	if len(h.f.state.rids) >= arena/2 {
		t.Fatalf("arena %d bytes after purging most events, was %d", len(h.f.state.rids), arena)
	}
	tr, _ := h.f.Trajectory(s, time.Time{}, time.Time{})
	if len(tr.Events) != 5 {
		t.Fatalf("%d events left, want 5", len(tr.Events))
	}
	for i, e := range tr.Events {
		if e.Source.RecordID != keep[i].Source.RecordID {
			t.Fatalf("event %d record ID %q, want %q", i, e.Source.RecordID, keep[i].Source.RecordID)
		}
	}
	// New places take the numbers the purged ones freed.
	var reuse []schema.Event
	for i := 0; i < 20; i++ {
		e := event(subj(9), fmt.Sprintf("R%d", i), "330106", at(31, 13), 10)
		reuse = append(reuse, e)
	}
	h.apply(at(31, 14), RecordsCommand{Events: reuse})
	// The snapshot taken before the sweep still writes what it captured.
	var after bytes.Buffer
	if err := snap.Persist(&after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Fatal("compaction changed a snapshot taken before it")
	}
	fresh := newHarness(t)
	fresh.apply(at(20, 10), RecordsCommand{Events: keep})
	fresh.apply(at(31, 14), RecordsCommand{Events: reuse})
	if _, a := h.f.Digest(); func() string { _, d := fresh.f.Digest(); return d }() != a {
		t.Fatal("digest after compaction differs from a state that only saw the kept events")
	}
}

func TestSweepDayTurnsAtThreeInTheMorningInChina(t *testing.T) {
	before := time.Date(2022, 1, 5, 2, 59, 59, 0, cst)
	at3 := time.Date(2022, 1, 5, 3, 0, 0, 0, cst)
	rush := time.Date(2022, 1, 5, 8, 0, 0, 0, cst)
	if sweepDay(before) == sweepDay(at3) {
		t.Fatal("the sweep day does not turn at 03:00 Beijing time")
	}
	if sweepDay(at3) != sweepDay(rush) || sweepDay(rush) != sweepDay(rush.Add(-time.Second)) {
		t.Fatal("a sweep day turns during the morning rush")
	}
}

// TestStoredRecordsRebuildExactly checks that the compact stored forms give
// back the records they were given: sub-second times (also several events of
// one subject in the same second, and an end extended by a fraction),
// offsets in minutes, optional status parts, and the digest after a
// snapshot round trip.
func TestStoredRecordsRebuildExactly(t *testing.T) {
	h := newHarness(t)
	s := subj(1)
	nepal := time.FixedZone("", 5*3600+45*60)
	t0 := time.Date(2022, 1, 4, 8, 10, 0, 250_000_000, nepal)
	evs := []schema.Event{
		{Subject: s, Region: "610100", Kind: schema.KindVenueScan, Place: schema.Place{ID: "P", Region: "610113001"},
			Start: t0, End: t0.Add(90*time.Minute + 3*time.Nanosecond), Source: schema.Source{System: "a", RecordID: "frac-1"}},
		{Subject: s, Region: "610100", Kind: schema.KindVenueScan, Place: schema.Place{ID: "P", Region: "610113001"},
			Start: t0.Add(500 * time.Millisecond), Source: schema.Source{System: "a", RecordID: "frac-2"}},
		{Subject: s, Region: "610100", Kind: schema.KindVenueScan, Place: schema.Place{ID: "P", Region: "610113001"},
			Start: t0.Add(-250 * time.Millisecond), End: t0.Add(time.Hour), Source: schema.Source{System: "a", RecordID: "whole"}},
	}
	sts := []schema.Status{
		{Subject: s, Region: "610100", Color: schema.Yellow, Reasons: []string{},
			IssuedAt: t0, Source: schema.Source{System: "a", RecordID: "st-1"}},
		{Subject: s, Region: "330100", Color: schema.Green, Reasons: []string{"nat_negative_48h", "x"},
			Local: &schema.Local{Label: "绿码", Code: "0"}, IssuedAt: t0.In(time.UTC), ValidUntil: t0.Add(48 * time.Hour),
			NAT:         &schema.NAT{Result: schema.NATNegative, SampledAt: t0.Add(-time.Hour), Lab: "lab"},
			Vaccination: &schema.Vaccination{Doses: 3, LastDoseAt: "2021-11-02"}, Source: schema.Source{System: "b", RecordID: "st-2"}},
	}
	if res := h.apply(t0, RecordsCommand{Events: evs, Statuses: sts}); res.Events != 3 || res.Statuses != 2 {
		t.Fatalf("applied %+v", res)
	}
	// Extend the first event's end by a fraction of a second.
	longer := evs[0]
	longer.End = longer.End.Add(700 * time.Millisecond)
	if res := h.apply(t0, RecordsCommand{Events: []schema.Event{longer}}); res.Events != 1 {
		t.Fatalf("extension applied %+v", res)
	}
	evs[0] = longer
	check := func(f *FSM) {
		t.Helper()
		tr, ok := f.Trajectory(s, time.Time{}, time.Time{})
		if !ok || len(tr.Events) != 3 {
			t.Fatalf("trajectory %+v", tr)
		}
		want := []schema.Event{evs[2], evs[0], evs[1]}
		for i, got := range tr.Events {
			w := want[i]
			if got.Source != w.Source || !got.Start.Equal(w.Start) || !got.End.Equal(w.End) ||
				got.Start.Format(time.RFC3339Nano) != w.Start.Format(time.RFC3339Nano) {
				t.Fatalf("event %d: got %v..%v %v, want %v..%v %v", i, got.Start, got.End, got.Source, w.Start, w.End, w.Source)
			}
		}
		st, _ := f.Status(s, t0)
		for _, w := range sts {
			got := st.Regions[w.Region]
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(w)
			if string(gj) != string(wj) {
				t.Fatalf("status rebuilt as %s, want %s", gj, wj)
			}
		}
		v, _ := f.Visitors("P", time.Time{}, time.Time{})
		if len(v.Visits) != 3 || v.Visits[0].Source.RecordID != "whole" || !v.Visits[1].End.Equal(evs[0].End) {
			t.Fatalf("visitors %+v", v.Visits)
		}
	}
	check(h.f)
	_, want := h.f.Digest()
	snap, _ := h.f.Snapshot()
	var buf bytes.Buffer
	if err := snap.Persist(&buf); err != nil {
		t.Fatal(err)
	}
	r := NewFSM(0)
	if err := r.Restore(&buf); err != nil {
		t.Fatal(err)
	}
	if _, got := r.Digest(); got != want {
		t.Fatalf("digest after restore %s, want %s", got, want)
	}
	check(r)
	// Times the stored form cannot hold are refused, deterministically.
	old := evs[2]
	old.Start, old.End = time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC), time.Time{}
	if res := h.apply(t0, RecordsCommand{Events: []schema.Event{old}}); res.Invalid != 1 || res.Events != 0 {
		t.Fatalf("event before 1970: %+v", res)
	}
}
