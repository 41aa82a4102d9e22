package macau_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/macau"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

// TestGoldenInputs keeps the golden inputs equal to their readable sources
// in testdata/src, encoded in Big5 (NAME.gbk.txt in GB18030).
func TestGoldenInputs(t *testing.T) {
	adaptertest.GoldenInputs(t, map[string]encoding.Encoding{
		"":     traditionalchinese.Big5,
		".gbk": simplifiedchinese.GB18030,
	})
}

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, macau.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

// macauPlaces are places the export can carry: inside Macau, named in
// Traditional characters, no coordinates.
var macauPlaces = []schema.Place{
	{ID: "MO-V-000001", Name: "新馬路郵政局", Region: "820000"},
	{ID: "MO-V-000002", Name: "鏡湖醫院", Region: "820000"},
	{ID: "MO-V-000003", Name: "關閘邊檢大樓", Region: "820000"},
	{ID: "MO-V-000004", Name: "氹仔客運碼頭", Region: "820000"},
}

var localLabels = map[string]string{schema.Green: "綠碼", schema.Yellow: "黃碼", schema.Red: "紅碼"}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	for _, seed := range []uint64{1, 2, 3, 20220104} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			people := synth.People(seed, 40, synth.Options{
				Region:   "820000",
				System:   "mo-jkm",
				DocTypes: []string{schema.DocMacauID, schema.DocHKMacauPermit, schema.DocHKID, schema.DocPassport},
				Places:   macauPlaces,
			})
			sts, evs := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				// The export has labels only, so the local code repeats the label.
				l := localLabels[sts[i].Color]
				sts[i].Local = &schema.Local{Label: l, Code: l}
			}
			at := time.Date(2022, 1, 20, 10, 0, 0, 0, adapters.Beijing)
			adaptertest.RoundTrip(t, macau.Adapter{}, people, adapters.EncodeOptions{At: at}, adapters.DecodeOptions{}, sts, evs)
		})
	}
}

func decode(t *testing.T, text string) *adapters.Result {
	t.Helper()
	raw, err := adaptertest.EncodeSource(text, traditionalchinese.Big5)
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.Decode(t, macau.Adapter{}, raw, adapters.DecodeOptions{})
}

const header = "澳門健康碼資料匯出\n格式版本=1\n"

func record(extra string) string {
	return header + "[記錄]\n記錄編號=R1\n證件類型=澳門居民身份證\n證件號碼=1234567(8)\n健康碼=綠碼\n簽發時間=2022/01/04 09:00:00\n" + extra
}

// A place name and a lab whose Big5 bytes hold 0x7C ('|') and 0x5C ('\')
// as trail bytes must come through whole: splitting before decoding would
// cut 醫院 (B0 7C) in two.
func TestSeparatorBytesInsideBig5(t *testing.T) {
	text := record("核酸結果=陰性\n檢測機構=許氏醫務化驗所\n場所記錄=S1|V1|鏡湖醫院|2022/01/04 08:00:00|\n")
	raw, _ := adaptertest.EncodeSource(text, traditionalchinese.Big5)
	if !bytes.Contains(raw, []byte{0xB0, 0x7C}) || !bytes.Contains(raw, []byte{0xB3, 0x5C}) {
		t.Fatal("test payload lacks the trail bytes it is about")
	}
	res := decode(t, text)
	if len(res.Rejected) != 0 {
		t.Fatalf("rejected: %v", res.Rejected)
	}
	if got := res.Batch.Statuses[0].NAT.Lab; got != "許氏醫務化驗所" {
		t.Errorf("lab = %q", got)
	}
	if got := res.Batch.Events[0].Place.Name; got != "鏡湖醫院" {
		t.Errorf("place name = %q", got)
	}
}

// Simplified labels that exist in Big5-HKSCS (阳) reach the label tables;
// they are refused, not guessed.
func TestSimplifiedLabelsRejected(t *testing.T) {
	for _, tc := range []struct{ extra, field string }{
		{"核酸結果=阳性\n", "核酸結果"},
		{"賦碼原因=核酸阳性\n", "賦碼原因"},
	} {
		res := decode(t, record(tc.extra))
		if len(res.Rejected) != 1 {
			t.Fatalf("%q: rejected %v, want one", tc.extra, res.Rejected)
		}
		r := res.Rejected[0]
		if r.Field != tc.field || !strings.Contains(r.Err.Error(), "Simplified Chinese") {
			t.Errorf("%q: got %v", tc.extra, r)
		}
	}
}

// The card prints the check digit in brackets; every spelling of the same
// number must give the same subject.
func TestMacauIDSpellings(t *testing.T) {
	want, err := adaptertest.Subjects(t).Subject(schema.DocMacauID, "12345678")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1234567(8)", "12345678", "1234567（8）", " 1234567 (8) "} {
		res := decode(t, strings.Replace(record(""), "1234567(8)", n, 1))
		if len(res.Rejected) != 0 {
			t.Fatalf("%q rejected: %v", n, res.Rejected)
		}
		if got := res.Batch.Statuses[0].Subject; got != want {
			t.Errorf("%q: subject differs", n)
		}
	}
}

func TestInvalidBig5NamesLineAndField(t *testing.T) {
	res := decode(t, record("檢測機構=化驗\\xFF所\n核酸結果=陰性\n"))
	if len(res.Rejected) != 1 {
		t.Fatalf("rejected %v, want one", res.Rejected)
	}
	r := res.Rejected[0]
	if r.Field != "檢測機構" || r.Ref != "R1" || !strings.Contains(r.Err.Error(), "line 9: bytes are not valid Big5") {
		t.Errorf("got %v", r)
	}
}

func TestUnknownKeyWarns(t *testing.T) {
	res := decode(t, record("備註=無\n"))
	if len(res.Rejected) != 0 || len(res.Batch.Statuses) != 1 {
		t.Fatalf("got %v", res.Rejected)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "備註" {
		t.Errorf("warnings = %v", res.Warnings)
	}
}

func TestBatchIDPrecedence(t *testing.T) {
	text := strings.Replace(record(""), "格式版本=1\n", "格式版本=1\n批次編號=MO-7\n", 1)
	if got := decode(t, text).Batch.BatchID; got != "MO-7" {
		t.Errorf("header batch ID: got %q", got)
	}
	raw, _ := adaptertest.EncodeSource(text, traditionalchinese.Big5)
	res, err := macau.Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t), BatchID: "given"})
	if err != nil || res.Batch.BatchID != "given" {
		t.Errorf("option batch ID: got %v, %v", res, err)
	}
	if got := decode(t, record("")).Batch.BatchID; !strings.HasPrefix(got, "macau-") {
		t.Errorf("derived batch ID: got %q", got)
	}
}

func TestEncodeRefusesWhatTheFormatCannotSay(t *testing.T) {
	base := func() adapters.Person {
		p := synth.People(7, 1, synth.Options{Region: "820000", DocTypes: []string{schema.DocMacauID}, Places: macauPlaces})[0]
		return p
	}
	for name, mutate := range map[string]func(*adapters.Person){
		"colour":        func(p *adapters.Person) { p.Statuses[0].Color = "blue" },
		"doc type":      func(p *adapters.Person) { p.DocType, p.DocNumber = schema.DocResidentID, "11010519491231002X" },
		"derived":       func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"region":        func(p *adapters.Person) { p.Statuses[0].Region = "440300" },
		"event kind":    func(p *adapters.Person) { p.Events = []schema.Event{{Kind: schema.KindTransit, Region: "820000"}} },
		"simplified":    func(p *adapters.Person) { p.Statuses[0].NAT = &schema.NAT{Result: "negative", Lab: "检测中心"} },
		"pipe in place": func(p *adapters.Person) { p.Events = []schema.Event{placeEvent("A|B")} },
	} {
		p := base()
		mutate(&p)
		if _, err := (macau.Adapter{}).Encode([]adapters.Person{p}, adapters.EncodeOptions{}); err == nil {
			t.Errorf("%s: encode succeeded", name)
		}
	}
}

func placeEvent(name string) schema.Event {
	start := time.Date(2022, 1, 4, 8, 0, 0, 0, adapters.Beijing)
	return schema.Event{Kind: schema.KindVenueScan, Region: "820000", Start: start,
		Place:  schema.Place{ID: "V1", Name: name, Region: "820000"},
		Source: schema.Source{System: "mo-jkm", RecordID: "S1"}}
}

// Names are written as Big5 systems wrote them, with '?' for characters
// Big5 lacks; they never reach v1, so the record still decodes.
func TestEncodeNameLossy(t *testing.T) {
	p := synth.People(7, 1, synth.Options{Region: "820000", DocTypes: []string{schema.DocMacauID}, Places: macauPlaces})[0]
	p.Name = "刘红"
	raw, err := macau.Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := adaptertest.EncodeSource("姓名=??\r\n", traditionalchinese.Big5)
	if !bytes.Contains(raw, want) {
		t.Errorf("name not written as ??: %q", raw)
	}
}

// Sample feeds region simulators and the development cluster; what it
// generates must survive the format.
func TestSampleRoundTrips(t *testing.T) {
	start := time.Date(2022, 3, 1, 8, 0, 30, 0, adapters.Beijing)
	people := macau.Adapter{}.Sample(7, 30, start, 13*24*time.Hour)
	sts, evs := adaptertest.Expected(t, adaptertest.Subjects(t), people)
	for i := range sts {
		l := localLabels[sts[i].Color]
		sts[i].Local = &schema.Local{Label: l, Code: l}
	}
	adaptertest.RoundTrip(t, macau.Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{}, sts, evs)
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, macau.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := synth.People(1, records, synth.Options{
		Region:   "820000",
		System:   "mo-jkm",
		DocTypes: []string{schema.DocMacauID, schema.DocHKMacauPermit, schema.DocHKID, schema.DocPassport},
		Places:   macauPlaces,
	})
	raw, err := macau.Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, macau.Adapter{}, raw, records)
}
