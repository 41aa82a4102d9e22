package shandong_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/shandong"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

// TestGoldenInputs keeps the golden inputs equal to their readable sources
// in testdata/src, encoded in GB18030, which writes GBK's bytes for every GBK
// character.
func TestGoldenInputs(t *testing.T) {
	adaptertest.GoldenInputs(t, map[string]encoding.Encoding{"": simplifiedchinese.GB18030})
}

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, shandong.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

var localLabels = map[string]string{schema.Green: "绿码", schema.Yellow: "黄码", schema.Red: "红码"}

var sdOptions = synth.Options{
	Region:   "370000",
	System:   "sd-jkm",
	DocTypes: []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit},
}

// sdPeople are synthetic people as the export carries them: statuses only.
func sdPeople(seed uint64, n int) []adapters.Person {
	people := synth.People(seed, n, sdOptions)
	for i := range people {
		people[i].Events = nil
	}
	return people
}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	for _, seed := range []uint64{1, 2, 3, 20220104} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			people := sdPeople(seed, 40)
			sts, _ := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				// The export has labels only, so the local code repeats the label.
				l := localLabels[sts[i].Color]
				sts[i].Local = &schema.Local{Label: l, Code: l}
			}
			adaptertest.RoundTrip(t, shandong.Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{}, sts, nil)
		})
	}
}

func decodeText(t *testing.T, text string) *adapters.Result {
	t.Helper()
	raw, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.Decode(t, shandong.Adapter{}, raw, adapters.DecodeOptions{})
}

// readCSV and writeCSV move between GB18030 bytes and rows.
func readCSV(t *testing.T, raw []byte) [][]string {
	t.Helper()
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func writeCSV(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := csv.NewWriter(&buf).WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	raw, err := simplifiedchinese.GB18030.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// Columns are found by name: any permutation of the columns, with columns
// the adapter does not know mixed in, decodes to the same batch.
func TestColumnsInAnyOrder(t *testing.T) {
	opts := adapters.DecodeOptions{Subjects: adaptertest.Subjects(t), BatchID: "b"}
	raw, err := shandong.Adapter{}.Encode(sdPeople(5, 20), adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want, err := shandong.Adapter{}.Decode(raw, opts)
	if err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, raw)
	width := len(rows[0])
	for seed := 1; seed <= 5; seed++ {
		perm := permutation(width+2, seed)
		shuffled := make([][]string, len(rows))
		for i, row := range rows {
			extra := []string{"手机号码", "现住址"}
			if i > 0 {
				extra = []string{"13800000000", "济南市,历下区"}
			}
			full := append(append([]string(nil), row...), extra...)
			out := make([]string, len(full))
			for j, p := range perm {
				out[j] = full[p]
			}
			shuffled[i] = out
		}
		got, err := shandong.Adapter{}.Decode(writeCSV(t, shuffled), opts)
		if err != nil {
			t.Fatalf("permutation %v: %v", perm, err)
		}
		if len(got.Rejected) != 0 {
			t.Fatalf("permutation %v: rejected %v", perm, got.Rejected)
		}
		adaptertest.CompareBatch(t, &want.Batch, &got.Batch)
	}
}

// permutation is a deterministic shuffle of 0..n-1.
func permutation(n, seed int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	x := uint32(seed) * 2654435761
	for i := n - 1; i > 0; i-- {
		x = x*1664525 + 1013904223
		j := int(x>>8) % (i + 1)
		p[i], p[j] = p[j], p[i]
	}
	return p
}

const minimalHeader = "证件类型,证件号码,健康码颜色,赋码时间\n"

// Exports meant for spreadsheets guard document numbers in several ways;
// all of them give the same subject. A number a spreadsheet already turned
// into 3.70102E+17 has lost its digits and is refused with that reason.
func TestSpreadsheetDocumentNumbers(t *testing.T) {
	want, err := adaptertest.Subjects(t).Subject(schema.DocResidentID, "370102198503121233")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"370102198503121233", "'370102198503121233", `"=""370102198503121233"""`, "\t370102198503121233\t", " 370102198503121233 "} {
		res := decodeText(t, minimalHeader+"居民身份证,"+n+",绿码,2022-01-04 09:00:00\n")
		if len(res.Rejected) != 0 {
			t.Fatalf("%q rejected: %v", n, res.Rejected)
		}
		if res.Batch.Statuses[0].Subject != want {
			t.Errorf("%q: subject differs", n)
		}
	}
	res := decodeText(t, minimalHeader+"居民身份证,3.70102E+17,绿码,2022-01-04 09:00:00\n")
	if len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Err.Error(), "scientific notation") || res.Rejected[0].Field != "证件号码" {
		t.Errorf("scientific notation: got %v", res.Rejected)
	}
	// A passport can look like an exponent without a sign.
	res = decodeText(t, minimalHeader+"护照,12E45678,绿码,2022-01-04 09:00:00\n")
	if len(res.Rejected) != 0 {
		t.Errorf("passport 12E45678 rejected: %v", res.Rejected)
	}
}

// Without a 记录编号 column the record ID is derived from the pseudonym and
// the issue time: stable, and free of the raw number.
func TestDerivedRecordID(t *testing.T) {
	subject, err := adaptertest.Subjects(t).Subject(schema.DocResidentID, "370102198503121233")
	if err != nil {
		t.Fatal(err)
	}
	want := "sd-" + subject[:16] + "-20220104090000"
	for _, text := range []string{
		minimalHeader + "居民身份证,370102198503121233,绿码,2022-01-04 09:00:00\n",
		"手机号码," + minimalHeader + "13800000000,居民身份证,370102198503121233,绿码,2022/1/4 9:00\n",
	} {
		res := decodeText(t, text)
		if len(res.Rejected) != 0 {
			t.Fatalf("rejected: %v", res.Rejected)
		}
		if got := res.Batch.Statuses[0].Source.RecordID; got != want {
			t.Errorf("record ID %q, want %q", got, want)
		}
	}
}

// A quoted field may hold line breaks, so the line of an error is the line
// of the field, not the record's first line plus its index.
func TestErrorsNameLineAndColumn(t *testing.T) {
	text := "赋码原因,证件类型,证件号码,健康码颜色,赋码时间\n" +
		"\"密切接触者,\n核酸结果待出\",居民身份证,370102198503121233,黄码,2022-01-04 09:00:00\n" +
		"\"密切接触者,\n\n核酸结果待出\",居民身份证,370102198503121233,黄码,\"\n2022-01-04 25:00:00\"\n"
	res := decodeText(t, text)
	if len(res.Batch.Statuses) != 1 || len(res.Rejected) != 1 {
		t.Fatalf("kept %d, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	r := res.Rejected[0]
	if r.Index != 1 || r.Field != "赋码时间" || !strings.HasPrefix(r.Err.Error(), "line 6: ") {
		t.Errorf("got %+v (%v)", r, r.Err)
	}
}

func TestEncodeRefusesWhatTheFormatCannotSay(t *testing.T) {
	for name, mutate := range map[string]func(*adapters.Person){
		"colour":   func(p *adapters.Person) { p.Statuses[0].Color = "blue" },
		"doc type": func(p *adapters.Person) { p.DocType, p.DocNumber = schema.DocHKID, "A123456(3)" },
		"derived":  func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"region":   func(p *adapters.Person) { p.Statuses[0].Region = "370100" },
		"result":   func(p *adapters.Person) { p.Statuses[0].NAT = &schema.NAT{Result: "inconclusive"} },
	} {
		p := sdPeople(9, 1)[0]
		mutate(&p)
		if _, err := (shandong.Adapter{}).Encode([]adapters.Person{p}, adapters.EncodeOptions{}); err == nil {
			t.Errorf("%s: encode succeeded", name)
		}
	}
}

// Sample feeds region simulators and the development cluster; what it
// generates must survive the format.
func TestSampleRoundTrips(t *testing.T) {
	start := time.Date(2022, 3, 1, 8, 0, 30, 0, adapters.Beijing)
	people := shandong.Adapter{}.Sample(7, 30, start, 13*24*time.Hour)
	sts, _ := adaptertest.Expected(t, adaptertest.Subjects(t), people)
	for i := range sts {
		l := localLabels[sts[i].Color]
		sts[i].Local = &schema.Local{Label: l, Code: l}
	}
	adaptertest.RoundTrip(t, shandong.Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{}, sts, nil)
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, shandong.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	raw, err := shandong.Adapter{}.Encode(sdPeople(1, records), adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, shandong.Adapter{}, raw, records)
}

// UTF-8 detection rests on this: the GBK bytes of every required column
// name are not valid UTF-8, so a GBK header row never passes for UTF-8.
func TestGBKHeaderNamesAreNotUTF8(t *testing.T) {
	for _, name := range []string{"证件类型", "证件号码", "健康码颜色", "赋码时间"} {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(name))
		if err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(b) {
			t.Errorf("GBK bytes of %s are valid UTF-8", name)
		}
	}
}
