package beijing_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/beijing"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, beijing.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func TestRegistered(t *testing.T) {
	if got := adaptertest.Registered(t, beijing.Adapter{}).Regions(); !slices.Equal(got, []string{"110000"}) {
		t.Errorf("Regions() = %v", got)
	}
}

// decodeOne decodes a payload holding the single record rec.
func decodeOne(t *testing.T, rec map[string]any) *adapters.Result {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"pcbh": "T1", "jls": []any{rec}})
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.Decode(t, beijing.Adapter{}, raw, adapters.DecodeOptions{})
}

func baseRecord(kv ...any) map[string]any {
	rec := map[string]any{
		"jlbh": "JKB1", "zjlx": "01", "zjhm": "110105198503170028", "xm": "张伟",
		"jkzt": "未见异常", "ztsj": int64(1641258000000),
	}
	for i := 0; i < len(kv); i += 2 {
		rec[kv[i].(string)] = kv[i+1]
	}
	return rec
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		jkzt, tclx   string
		color        string
		reason       string
		label, code  string
		wantWarnings int
	}{
		{"未见异常", "", schema.Green, schema.ReasonNoAbnormality, "未见异常", "", 0},
		{"居家观察", "", schema.Yellow, schema.ReasonHomeQuarantine, "居家观察", "", 0},
		{"集中观察", "", schema.Red, schema.ReasonCentralQuarantine, "集中观察", "", 0},
		{"弹窗", "1", schema.Yellow, schema.ReasonCannotConfirm, "弹窗1", "1", 0},
		{"弹窗", "2", schema.Yellow, schema.ReasonCannotConfirm, "弹窗2", "2", 0},
		{"弹窗", "3", schema.Yellow, schema.ReasonCannotConfirm, "弹窗3", "3", 0},
		// A pop-up of a kind the adapter does not know is still not green.
		{"弹窗", "7", schema.Yellow, schema.ReasonCannotConfirm, "弹窗", "", 1},
		{"弹窗", "", schema.Yellow, schema.ReasonCannotConfirm, "弹窗", "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.jkzt+tt.tclx, func(t *testing.T) {
			rec := baseRecord("jkzt", tt.jkzt)
			if tt.tclx != "" {
				rec["tclx"] = tt.tclx
			}
			res := decodeOne(t, rec)
			if len(res.Rejected) > 0 {
				t.Fatalf("rejected: %v", res.Rejected)
			}
			st := res.Batch.Statuses[0]
			if st.Color != tt.color || !slices.Equal(st.Reasons, []string{tt.reason}) {
				t.Errorf("colour %s reasons %v, want %s [%s]", st.Color, st.Reasons, tt.color, tt.reason)
			}
			if st.Local == nil || st.Local.Label != tt.label || st.Local.Code != tt.code {
				t.Errorf("local = %+v, want {%s %s}", st.Local, tt.label, tt.code)
			}
			if len(res.Warnings) != tt.wantWarnings {
				t.Errorf("warnings = %v, want %d", res.Warnings, tt.wantWarnings)
			}
			for _, w := range res.Warnings {
				if w.Field != "tclx" {
					t.Errorf("warning on field %q, want tclx", w.Field)
				}
			}
		})
	}
}

func TestPopUpKindOnOtherStatusRejects(t *testing.T) {
	for _, jkzt := range []string{"未见异常", "居家观察", "集中观察"} {
		res := decodeOne(t, baseRecord("jkzt", jkzt, "tclx", "1"))
		if len(res.Rejected) != 1 || res.Rejected[0].Field != "tclx" {
			t.Errorf("%s with tclx: rejected = %v, want one on tclx", jkzt, res.Rejected)
		}
		if len(res.Batch.Statuses) != 0 {
			t.Errorf("%s with tclx: kept %d statuses", jkzt, len(res.Batch.Statuses))
		}
	}
}

// A warning must not be reported for a record that was rejected anyway.
func TestNoWarningForRejectedRecord(t *testing.T) {
	res := decodeOne(t, baseRecord("jkzt", "弹窗", "tclx", "9", "ztsj", nil))
	if len(res.Rejected) != 1 || len(res.Warnings) != 0 {
		t.Errorf("rejected %v, warnings %v; want one rejection, no warning", res.Rejected, res.Warnings)
	}
}

func TestTimesAreBeijing(t *testing.T) {
	res := decodeOne(t, baseRecord("ztsj", int64(1641311940000))) // 2022-01-04T15:59:00Z
	got := res.Batch.Statuses[0].IssuedAt.Format(time.RFC3339)
	if got != "2022-01-04T23:59:00+08:00" {
		t.Errorf("issued_at = %s, want 2022-01-04T23:59:00+08:00", got)
	}
}

func TestWrongJSONTypeNamesField(t *testing.T) {
	tests := []struct {
		key   string
		value any
		field string
	}{
		{"ztsj", "1641258000000", "ztsj"},
		{"ztsj", 1.6412580000005e12, "ztsj"},
		{"hsjc", map[string]any{"jg": 1}, "hsjc.jg"},
		{"smjl", map[string]any{}, "smjl"},
		{"zjhm", 110105198503170028, "zjhm"},
	}
	for _, tt := range tests {
		res := decodeOne(t, baseRecord(tt.key, tt.value))
		if len(res.Rejected) != 1 || res.Rejected[0].Field != tt.field {
			t.Errorf("%s = %v: rejected = %v, want one on %s", tt.key, tt.value, res.Rejected, tt.field)
			continue
		}
		if msg := res.Rejected[0].Error(); strings.Contains(msg, "1641258") || strings.Contains(msg, "110105") {
			t.Errorf("rejection %q repeats the value", msg)
		}
	}
}

// No rejection or warning may repeat a document number or a name found in
// the golden inputs.
func TestMessagesCarryNoPersonalData(t *testing.T) {
	adaptertest.MessagesCarryNoPersonalData(t, beijing.Adapter{}, "testdata/golden", adaptertest.PersonalInJSON("jls", "zjhm", "xm"))
}

func TestBatchID(t *testing.T) {
	raw := []byte(`{"jls":[]}`)
	subjects := adaptertest.Subjects(t)
	res, err := beijing.Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: subjects})
	if err != nil {
		t.Fatal(err)
	}
	if want := adapters.PayloadBatchID("beijing", raw); res.Batch.BatchID != want {
		t.Errorf("batch ID without pcbh = %q, want %q", res.Batch.BatchID, want)
	}
	res, err = beijing.Adapter{}.Decode([]byte(`{"pcbh":"JKB9","jls":[]}`), adapters.DecodeOptions{Subjects: subjects, BatchID: "caller"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.BatchID != "caller" {
		t.Errorf("batch ID = %q, want the caller's", res.Batch.BatchID)
	}
}

func TestEncodeRefuses(t *testing.T) {
	ok := synth.People(7, 1, synth.Options{Region: beijing.Region})[0]
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		want   string
	}{
		{"other region", func(p *adapters.Person) { p.Statuses[0].Region = "310000" }, "carries only Beijing"},
		{"no status", func(p *adapters.Person) { p.Statuses = nil }, "needs a status"},
		{"dcc holder", func(p *adapters.Person) { p.DocType = schema.DocDCCHolder }, "no zjlx code"},
		{"transit event", func(p *adapters.Person) {
			p.Events = []schema.Event{{Region: beijing.Region, Kind: schema.KindTransit, Place: schema.Place{ID: "x", Region: beijing.Region}, Source: schema.Source{RecordID: "e"}}}
		}, "no 健康宝 scan kind"},
		{"no record ID", func(p *adapters.Person) { p.Statuses[0].Source.RecordID = "" }, "no record ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			p.Statuses = slices.Clone(ok.Statuses)
			tt.change(&p)
			_, err := beijing.Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// expected is what the format keeps of a status: the colour, and the
// reasons and label the status text implies.
func expected(st schema.Status) schema.Status {
	switch {
	case st.Color == schema.Green:
		st.Reasons, st.Local = []string{schema.ReasonNoAbnormality}, &schema.Local{Label: "未见异常"}
	case st.Color == schema.Red:
		st.Reasons, st.Local = []string{schema.ReasonCentralQuarantine}, &schema.Local{Label: "集中观察"}
	case slices.Contains(st.Reasons, schema.ReasonCannotConfirm):
		st.Reasons = []string{schema.ReasonCannotConfirm}
		if c := st.Local.Code; c != "1" && c != "2" && c != "3" {
			st.Local = &schema.Local{Label: "弹窗"}
		}
	default:
		st.Reasons, st.Local = []string{schema.ReasonHomeQuarantine}, &schema.Local{Label: "居家观察"}
	}
	return st
}

func TestRoundTrip(t *testing.T) {
	start := time.Date(2022, 1, 4, 8, 0, 0, 0, adapters.Beijing)
	for _, seed := range []uint64{1, 2, 3, 4, 5, 2022} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			people := beijing.Adapter{}.Sample(seed, 60, start, 14*24*time.Hour)
			// A pop-up of a kind the export does not code is written as a
			// bare 弹窗.
			for i := range people {
				if st := &people[i].Statuses[0]; st.Local != nil && st.Local.Code != "" {
					st.Local = &schema.Local{Label: "弹窗4", Code: "4"}
					break
				}
			}
			subjects := adaptertest.Subjects(t)
			sts, evs := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				sts[i] = expected(sts[i])
			}
			adaptertest.RoundTrip(t, beijing.Adapter{}, people, adapters.EncodeOptions{At: time.Date(2022, 1, 20, 0, 0, 0, 0, adapters.Beijing)},
				adapters.DecodeOptions{Subjects: subjects}, sts, evs)
		})
	}
}

// Sample feeds region simulators and the development cluster; its pop-ups
// survive the format like everything else.
func TestSampleRoundTrips(t *testing.T) {
	adaptertest.SampleRoundTrips(t, beijing.Adapter{}, func(t *testing.T, people []adapters.Person, res *adapters.Result) {
		var sampled, decoded int
		for _, p := range people {
			for _, st := range p.Statuses {
				if slices.Contains(st.Reasons, schema.ReasonCannotConfirm) {
					sampled++
				}
			}
		}
		for _, st := range res.Batch.Statuses {
			if slices.Contains(st.Reasons, schema.ReasonCannotConfirm) {
				decoded++
			}
		}
		if decoded != sampled {
			t.Errorf("%d pop-ups decoded, %d sampled", decoded, sampled)
		}
	})
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, beijing.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := synth.People(1, records, synth.Options{Region: beijing.Region, System: beijing.System})
	raw, err := beijing.Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, beijing.Adapter{}, raw, records)
}

// A first-generation 15-digit card and its 18-digit upgrade are one person.
func TestFifteenDigitIDIsSamePerson(t *testing.T) {
	old := decodeOne(t, baseRecord("zjhm", "110102580412031"))
	upgraded := decodeOne(t, baseRecord("zjhm", "110102195804120312"))
	if len(old.Batch.Statuses) != 1 || len(upgraded.Batch.Statuses) != 1 {
		t.Fatalf("rejected: %v %v", old.Rejected, upgraded.Rejected)
	}
	if old.Batch.Statuses[0].Subject != upgraded.Batch.Statuses[0].Subject {
		t.Error("15-digit and 18-digit forms of one ID give different subjects")
	}
}

// A field of the wrong JSON type costs only its own record: the others come
// out exactly as they do from a payload without it.
func TestTypeErrorCostsOneRecord(t *testing.T) {
	good1 := baseRecord("jlbh", "A", "smjl", []map[string]any{{"lsh": "S1", "lx": "1", "csbm": "p", "smsj": int64(1641258000000)}})
	good2 := baseRecord("jlbh", "C", "jkzt", "弹窗", "tclx", "3")
	bad := baseRecord("jlbh", "B", "ymjz", map[string]any{"zjs": "3"})
	subjects := adaptertest.Subjects(t)
	decodeAll := func(recs ...map[string]any) *adapters.Result {
		raw, _ := json.Marshal(map[string]any{"pcbh": "T", "jls": recs})
		res, err := beijing.Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: subjects})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	with, without := decodeAll(good1, bad, good2), decodeAll(good1, good2)
	adaptertest.CompareBatch(t, &without.Batch, &with.Batch)
	if len(with.Rejected) != 1 || with.Rejected[0].Index != 1 || with.Rejected[0].Ref != "B" || with.Rejected[0].Field != "ymjz.zjs" {
		t.Errorf("rejected = %+v, want record 1 (B) on ymjz.zjs", with.Rejected)
	}
}
