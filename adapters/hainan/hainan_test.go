package hainan_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/hainan"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

// TestGoldenInputs keeps the golden inputs equal to their readable sources
// in testdata/src, encoded in GB18030. A source is aligned for a terminal: a
// Chinese character is two columns wide and two bytes long.
func TestGoldenInputs(t *testing.T) {
	adaptertest.GoldenInputs(t, map[string]encoding.Encoding{"": simplifiedchinese.GB18030})
}

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, hainan.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

var localLabels = map[string]string{schema.Green: "绿码", schema.Yellow: "黄码", schema.Red: "红码"}
var localCodes = map[string]string{schema.Green: "1", schema.Yellow: "2", schema.Red: "3"}

// hnPlaces include coordinates with six decimals, as PLACE-LAT and
// PLACE-LON hold them, and a township-level region.
var hnPlaces = []schema.Place{
	{ID: "HK-PORT-XINHAI", Name: "新海港入琼查验点", Region: "460105", Lat: 19.9972, Lon: 110.1483},
	{ID: "460106-V-000123", Name: "海口日月广场", Region: "460106"},
	{ID: "FLIGHT-CZ6789", Name: "南航CZ6789北京大兴-海口美兰", Region: "460108"},
	{ID: "HOTEL-460202-0088", Name: "三亚湾椰林酒店", Region: "460202001", Lat: 18.252847, Lon: 109.440002},
}

var hnOptions = synth.Options{
	Region:      "460000",
	System:      "hn-jkm",
	DocTypes:    []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
	EventKinds:  []string{schema.KindCheckpoint, schema.KindVenueScan, schema.KindTransit, schema.KindStay},
	Places:      hnPlaces,
	Granularity: time.Minute,
}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	for _, seed := range []uint64{1, 2, 3, 20220104} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			people := synth.People(seed, 40, hnOptions)
			sts, evs := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				c := sts[i].Color
				sts[i].Local = &schema.Local{Label: localLabels[c], Code: localCodes[c]}
			}
			at := time.Date(2022, 1, 20, 10, 0, 0, 0, adapters.Beijing)
			adaptertest.RoundTrip(t, hainan.Adapter{}, people, adapters.EncodeOptions{At: at}, adapters.DecodeOptions{}, sts, evs)
		})
	}
}

// The system keeps minutes: seconds are dropped on the way out, never
// rounded, so an event cannot move past the minute it happened in.
func TestEncodeTruncatesToMinutes(t *testing.T) {
	o := hnOptions
	o.Granularity = time.Second
	people := synth.People(11, 20, o)
	raw, err := hainan.Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := hainan.Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil || len(res.Rejected) != 0 {
		t.Fatalf("decode: %v %v", err, res.Rejected)
	}
	for i, st := range res.Batch.Statuses {
		want := people[i].Statuses[0].IssuedAt.Truncate(time.Minute)
		if !st.IssuedAt.Equal(want) {
			t.Errorf("status %d issued at %v, want %v", i, st.IssuedAt, want)
		}
	}
}

func encodeGB(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// record builds a 200-byte record from fields at byte offsets.
func record(t *testing.T, typ byte, fields map[int]string) []byte {
	t.Helper()
	ln := bytes.Repeat([]byte(" "), 200)
	ln[0] = typ
	for off, v := range fields {
		copy(ln[off:], encodeGB(t, v))
	}
	return ln
}

func payload(t *testing.T, body ...[]byte) []byte {
	t.Helper()
	lines := [][]byte{record(t, 'H', map[int]string{1: "HNJKM001", 9: "460000"})}
	lines = append(lines, body...)
	lines = append(lines, record(t, 'T', map[int]string{1: fmt.Sprintf("%08d", len(body))}))
	return append(bytes.Join(lines, []byte("\r\n")), "\r\n"...)
}

func statusRecord(t *testing.T, name string) []byte {
	return record(t, 'D', map[int]string{1: "HN1", 21: name, 41: "01", 43: "46010519791204567X", 61: "1", 66: "202201040900"})
}

func decode(t *testing.T, raw []byte) *adapters.Result {
	t.Helper()
	return adaptertest.Decode(t, hainan.Adapter{}, raw, adapters.DecodeOptions{})
}

// Widths count bytes. A name that fills its 20 bytes with 2-byte and
// 4-byte characters is fine; one whose last character would need a byte of
// the next field is refused, whichever way the bytes fall.
func TestWidthsNeverSplitACharacter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		name20 []byte // the 20 bytes of NAME
		ok     bool
		msg    string
	}{
		{"ten 2-byte characters", encodeGB(t, "欧阳娜娜欧阳娜娜欧阳"), true, ""},
		{"4-byte characters", encodeGB(t, "𬀩𬀩𬀩𬀩林林"), true, ""},
		{"lead byte last", append(encodeGB(t, "A王王王王王王王王王"), 0xCD), false, "the last byte of the field"},
		{"4-byte character across the end", append(encodeGB(t, "A王王王王王王王王"), 0x95, 0x32, 0x82), false, "a 4-byte character at byte 38 runs past the end of the field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.name20) != 20 {
				t.Fatalf("test name is %d bytes", len(tc.name20))
			}
			ln := statusRecord(t, "")
			copy(ln[21:41], tc.name20)
			res := decode(t, payload(t, ln))
			if tc.ok {
				if len(res.Rejected) != 0 {
					t.Fatalf("rejected: %v", res.Rejected)
				}
				return
			}
			if len(res.Rejected) != 1 || res.Rejected[0].Field != "NAME" || !strings.Contains(res.Rejected[0].Err.Error(), tc.msg) {
				t.Fatalf("got %v, want a NAME rejection containing %q", res.Rejected, tc.msg)
			}
		})
	}
}

// Names longer than 20 bytes are cut at a character boundary on the way
// out, and the cut record decodes.
func TestEncodeCutsLongNamesAtCharacterBoundaries(t *testing.T) {
	p := synth.People(3, 1, hnOptions)[0]
	p.Name = "A" + strings.Repeat("𬀩", 6) // 1 + 24 bytes
	raw, err := hainan.Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := bytes.Split(raw, []byte("\r\n"))[1]
	if want := append([]byte("A"), encodeGB(t, "𬀩𬀩𬀩𬀩   ")...); !bytes.Equal(d[21:41], want) {
		t.Errorf("NAME = % x, want % x", d[21:41], want)
	}
	if res := decode(t, raw); len(res.Rejected) != 0 {
		t.Errorf("rejected: %v", res.Rejected)
	}
}

func TestLineLengthErrorsNameTheLine(t *testing.T) {
	good := statusRecord(t, "符海燕")
	utf8Line := append(append(append([]byte(nil), good[:21]...), "符海燕"...), good[27:]...)
	for _, tc := range []struct {
		name string
		line []byte
		msg  string
	}{
		{"short", bytes.TrimRight(good, " "), "line 3: record is 78 bytes, want 200"},
		{"long", append(append([]byte(nil), good...), "  "...), "line 3: record is 202 bytes, want 200"},
		{"utf-8", utf8Line, "203 bytes, want 200; the line reads as UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := decode(t, payload(t, good, tc.line))
			if len(res.Batch.Statuses) != 1 || len(res.Rejected) != 1 {
				t.Fatalf("kept %d, rejected %v", len(res.Batch.Statuses), res.Rejected)
			}
			if r := res.Rejected[0]; r.Index != 1 || !strings.Contains(r.Err.Error(), tc.msg) {
				t.Errorf("got %+v (%v), want %q", r, r.Err, tc.msg)
			}
		})
	}
}

// The count covers every line between header and trailer, malformed ones
// included; blank lines after the trailer are not records.
func TestTrailerCount(t *testing.T) {
	good := statusRecord(t, "符海燕")
	raw := payload(t, good, []byte{}, good)
	if res := decode(t, raw); len(res.Batch.Statuses) != 2 || len(res.Rejected) != 1 {
		t.Errorf("blank line inside: kept %d, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	if res := decode(t, append(raw, "\r\n\n\r\n"...)); len(res.Batch.Statuses) != 2 {
		t.Errorf("blank lines after the trailer changed the result: %v", res.Rejected)
	}
	cut := bytes.Replace(raw, []byte("T00000003"), []byte("T00000002"), 1)
	if _, err := (hainan.Adapter{}).Decode(cut, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)}); err == nil ||
		!strings.Contains(err.Error(), "trailer counts 2 records, the file holds 3") {
		t.Errorf("count mismatch: err = %v", err)
	}
}

func TestEncodeRefusesWhatTheFormatCannotSay(t *testing.T) {
	for name, mutate := range map[string]func(*adapters.Person){
		"colour":  func(p *adapters.Person) { p.Statuses[0].Color = "blue" },
		"derived": func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"five": func(p *adapters.Person) {
			p.Statuses[0].Reasons = []string{"nat_negative", "vaccinated", "inbound_traveller", "home_quarantine", "risk_group"}
		},
		"region":      func(p *adapters.Person) { p.Statuses[0].Region = "440300" },
		"kind":        func(p *adapters.Person) { p.Events[0].Kind = schema.KindCarrierCity },
		"long lab":    func(p *adapters.Person) { p.Statuses[0].NAT.Lab = strings.Repeat("医", 21) },
		"long place":  func(p *adapters.Person) { p.Events[0].Place.Name = strings.Repeat("场", 21) },
		"record ID":   func(p *adapters.Person) { p.Statuses[0].Source.RecordID = strings.Repeat("9", 21) },
		"seven decim": func(p *adapters.Person) { p.Events[0].Place.Lat = 19.1234567 },
		"dcc holder":  func(p *adapters.Person) { p.DocType = schema.DocDCCHolder },
	} {
		p := personWithEvents(t)
		mutate(&p)
		if _, err := (hainan.Adapter{}).Encode([]adapters.Person{p}, adapters.EncodeOptions{}); err == nil {
			t.Errorf("%s: encode succeeded", name)
		}
	}
}

func personWithEvents(t *testing.T) adapters.Person {
	t.Helper()
	for _, p := range synth.People(5, 10, hnOptions) {
		if len(p.Events) > 0 {
			return p
		}
	}
	t.Fatal("no synthetic person with events")
	return adapters.Person{}
}

// Sample feeds region simulators and the development cluster; what it
// generates must survive the format.
func TestSampleRoundTrips(t *testing.T) {
	start := time.Date(2022, 3, 1, 8, 0, 30, 0, adapters.Beijing)
	people := hainan.Adapter{}.Sample(7, 30, start, 13*24*time.Hour)
	sts, evs := adaptertest.Expected(t, adaptertest.Subjects(t), people)
	for i := range sts {
		c := sts[i].Color
		sts[i].Local = &schema.Local{Label: localLabels[c], Code: localCodes[c]}
	}
	adaptertest.RoundTrip(t, hainan.Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{}, sts, evs)
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, hainan.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	raw, err := hainan.Adapter{}.Encode(synth.People(1, records, hnOptions), adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, hainan.Adapter{}, raw, records)
}
