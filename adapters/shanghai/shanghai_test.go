package shanghai_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/shanghai"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, shanghai.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func TestRegistered(t *testing.T) {
	if got := adaptertest.Registered(t, shanghai.Adapter{}).Regions(); !slices.Equal(got, []string{"310000"}) {
		t.Errorf("Regions() = %v", got)
	}
}

func decode(t *testing.T, persons string) *adapters.Result {
	t.Helper()
	raw := `<SSMExport xmlns="urn:sh-ssm:export:1"><Header><BatchNo>T1</BatchNo>` +
		`<ExportTime>2022-01-04T12:00:00+08:00</ExportTime></Header>` + persons + `</SSMExport>`
	return adaptertest.Decode(t, shanghai.Adapter{}, []byte(raw), adapters.DecodeOptions{})
}

const cert = `<Certificate type="111">310101199003074415</Certificate>`

func TestColourSpellings(t *testing.T) {
	tests := []struct{ code, color, label string }{
		{"G", schema.Green, "绿码"}, {"绿", schema.Green, "绿码"},
		{"Y", schema.Yellow, "黄码"}, {"黄", schema.Yellow, "黄码"},
		{"R", schema.Red, "红码"}, {"红", schema.Red, "红码"},
	}
	for _, tt := range tests {
		res := decode(t, `<Person id="P1">`+cert+`<HealthCode color="`+tt.code+`"/></Person>`)
		if len(res.Batch.Statuses) != 1 {
			t.Fatalf("%s: rejected %v", tt.code, res.Rejected)
		}
		st := res.Batch.Statuses[0]
		if st.Color != tt.color || st.Local.Label != tt.label || st.Local.Code != tt.code {
			t.Errorf("%s: colour %s local %+v, want %s {%s %s}", tt.code, st.Color, st.Local, tt.color, tt.label, tt.code)
		}
	}
}

func TestTimes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-01-04T09:00:00+08:00", "2022-01-04T09:00:00+08:00"},
		{"2022-01-04T09:00:00", "2022-01-04T09:00:00+08:00"}, // zoneless is Beijing time
		{"2022-01-04T01:00:00Z", "2022-01-04T01:00:00Z"},     // an offset is kept
		{"2022-01-04T09:00:00.5+08:00", "2022-01-04T09:00:00.5+08:00"},
		{"2022-01-04T09:00:00.125", "2022-01-04T09:00:00.125+08:00"},
		{" 2022-01-04T09:00:00+08:00\n", "2022-01-04T09:00:00+08:00"},
	}
	for _, tt := range tests {
		res := decode(t, `<Person id="P1">`+cert+`<HealthCode color="G" issuedAt="`+tt.in+`"/></Person>`)
		if len(res.Batch.Statuses) != 1 {
			t.Errorf("%q: rejected %v", tt.in, res.Rejected)
			continue
		}
		if got := res.Batch.Statuses[0].IssuedAt.Format(time.RFC3339Nano); got != tt.want {
			t.Errorf("%q: issued_at %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestIssuedAtDefaultsToExportTime(t *testing.T) {
	res := decode(t, `<Person id="P1">`+cert+`<HealthCode color="G"/></Person>`)
	if got := res.Batch.Statuses[0].IssuedAt.Format(time.RFC3339); got != "2022-01-04T12:00:00+08:00" {
		t.Errorf("issued_at = %s, want the export time", got)
	}
}

func TestReasons(t *testing.T) {
	tests := []struct {
		color, codes string
		want         []string
		warnings     int
	}{
		{"Y", "301 104 301", []string{"close_contact", "nat_pending"}, 0},
		{"Y", "303 999", []string{"from_risk_area", "risk_group"}, 1},
		{"R", "999 900", []string{"risk_group"}, 1},
		{"G", "101 999", []string{"nat_negative_48h"}, 1}, // unknown reason on green: dropped
		{"G", "", nil, 0},
	}
	for _, tt := range tests {
		var rs string
		for _, c := range strings.Fields(tt.codes) {
			rs += `<Reason code="` + c + `">文字</Reason>`
		}
		res := decode(t, `<Person id="P1">`+cert+`<HealthCode color="`+tt.color+`">`+rs+`</HealthCode></Person>`)
		if len(res.Batch.Statuses) != 1 {
			t.Fatalf("%s %s: rejected %v", tt.color, tt.codes, res.Rejected)
		}
		st := res.Batch.Statuses[0]
		if !slices.Equal(st.Reasons, tt.want) && len(st.Reasons)+len(tt.want) > 0 {
			t.Errorf("%s %s: reasons %v, want %v", tt.color, tt.codes, st.Reasons, tt.want)
		}
		if st.Reasons == nil {
			t.Errorf("%s %s: reasons is nil; the schema wants an array", tt.color, tt.codes)
		}
		if len(res.Warnings) != tt.warnings {
			t.Errorf("%s %s: warnings %v, want %d", tt.color, tt.codes, res.Warnings, tt.warnings)
		}
	}
}

func TestUnknownElementsWarn(t *testing.T) {
	res := decode(t, `<Person id="P1" xmlns:v="urn:vendor">`+cert+`<Name>x</Name><HealthCode color="G"/>`+
		`<v:HealthCode color="R"/><Remark>备注</Remark></Person>`)
	if len(res.Batch.Statuses) != 1 || res.Batch.Statuses[0].Color != schema.Green {
		t.Fatalf("statuses %+v, rejected %v: a vendor HealthCode must not count", res.Batch.Statuses, res.Rejected)
	}
	var fields []string
	for _, w := range res.Warnings {
		fields = append(fields, w.Field)
	}
	want := []string{"{urn:vendor}HealthCode", "{urn:sh-ssm:export:1}Remark"}
	if !slices.Equal(fields, want) {
		t.Errorf("warnings on %v, want %v", fields, want)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden/malformed.in")
	if err != nil {
		t.Fatal(err)
	}
	_, err = shanghai.Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	var se *shanghai.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a *SyntaxError", err)
	}
	if se.Line != 7 || se.Offset == 0 {
		t.Errorf("syntax error at line %d, byte %d; want line 7", se.Line, se.Offset)
	}
}

// A GBK export decodes to the same records as its UTF-8 twin.
func TestGBKMatchesUTF8(t *testing.T) {
	gbk, err := os.ReadFile("testdata/golden/gbk.in")
	if err != nil {
		t.Fatal(err)
	}
	utf8Doc := decode(t, `<Person id="SSM310000000201"><Certificate type="111">310230196506150022</Certificate>`+
		`<HealthCode color="黄" issuedAt="2022-01-06T09:00:00"><Reason code="401"/></HealthCode>`+
		`<NucleicAcid result="阴性" sampledAt="2022-01-05T09:00:00"><Lab>崇明区疾控中心</Lab></NucleicAcid>`+
		`<PlaceScan sn="CS000000201" placeCode="310151-V-000009" district="310151" scanTime="2022-01-05T10:00:00">`+
		`<PlaceName>崇明·东平国家森林公园</PlaceName></PlaceScan></Person>`)
	res, err := shanghai.Adapter{}.Decode(gbk, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	res.Batch.BatchID = utf8Doc.Batch.BatchID
	adaptertest.CompareBatch(t, &utf8Doc.Batch, &res.Batch)
}

// No rejection or warning may repeat a document number or a name found in
// the golden inputs.
func TestMessagesCarryNoPersonalData(t *testing.T) {
	personalRE := regexp.MustCompile(`(?s)<(?:\w+:)?(?:Certificate|Name)(?:\s[^>]*)?>(?:<!\[CDATA\[)?\s*([^<\]]*?)\s*(?:\]\]>)?</`)
	adaptertest.MessagesCarryNoPersonalData(t, shanghai.Adapter{}, "testdata/golden", func(raw []byte) []string {
		var personal []string
		for _, m := range personalRE.FindAllSubmatch(raw, -1) {
			personal = append(personal, string(m[1]))
		}
		return personal
	})
}

func TestEncodeRefuses(t *testing.T) {
	ok := synth.People(7, 1, synth.Options{Region: shanghai.Region})[0]
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		want   string
	}{
		{"other region", func(p *adapters.Person) { p.Statuses[0].Region = "110000" }, "carries only Shanghai"},
		{"hk id", func(p *adapters.Person) { p.DocType = schema.DocHKID }, "no 证件类型 code"},
		{"reason without code", func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonCannotConfirm} }, "no 随申码 reason code"},
		{"transit", func(p *adapters.Person) {
			p.Events = []schema.Event{{Region: shanghai.Region, Kind: schema.KindTransit, Place: schema.Place{ID: "x"}, Source: schema.Source{RecordID: "e"}}}
		}, "no 随申码 scan type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			p.Statuses = slices.Clone(ok.Statuses)
			tt.change(&p)
			_, err := shanghai.Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// expected is what the format keeps of a status: everything, plus the label
// and colour letter it writes.
func expected(st schema.Status) schema.Status {
	letters := map[string]schema.Local{
		schema.Green: {Label: "绿码", Code: "G"}, schema.Yellow: {Label: "黄码", Code: "Y"}, schema.Red: {Label: "红码", Code: "R"},
	}
	local := letters[st.Color]
	st.Local = &local
	return st
}

func TestRoundTrip(t *testing.T) {
	utc := time.FixedZone("", 0)
	start := time.Date(2022, 1, 4, 8, 0, 0, 0, adapters.Beijing)
	for _, seed := range []uint64{1, 2, 3, 4, 5, 2022} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			people := shanghai.Adapter{}.Sample(seed, 60, start, 14*24*time.Hour)
			// Times with another offset or below the second must keep them,
			// and place names with markup must survive the XML.
			markup := []string{"南京东路步行街 <东段>", "徐家汇地铁站 ]]> 数字哨兵"}
			for i := range people {
				if i%7 == 0 {
					st := &people[i].Statuses[0]
					st.IssuedAt, st.ValidUntil = st.IssuedAt.Add(125*time.Millisecond).In(utc), st.ValidUntil.In(utc)
				}
				for j := range people[i].Events {
					if ev := &people[i].Events[j]; i%5 == 0 && ev.Place.Name != "" {
						ev.Place.Name = markup[j%len(markup)]
					}
				}
			}
			subjects := adaptertest.Subjects(t)
			sts, evs := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				sts[i] = expected(sts[i])
			}
			adaptertest.RoundTrip(t, shanghai.Adapter{}, people, adapters.EncodeOptions{At: time.Date(2022, 1, 20, 0, 0, 0, 0, adapters.Beijing)},
				adapters.DecodeOptions{Subjects: subjects}, sts, evs)
		})
	}
}

// Sample feeds region simulators and the development cluster; its reasons
// survive the format like everything else.
func TestSampleRoundTrips(t *testing.T) {
	adaptertest.SampleRoundTrips(t, shanghai.Adapter{}, func(t *testing.T, people []adapters.Person, res *adapters.Result) {
		sts, _ := adaptertest.Expected(t, adaptertest.Subjects(t), people)
		for i, st := range res.Batch.Statuses {
			if !slices.Equal(st.Reasons, sts[i].Reasons) {
				t.Errorf("status %d: reasons %v, sampled %v", i, st.Reasons, sts[i].Reasons)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, shanghai.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := synth.People(1, records, synth.Options{Region: shanghai.Region, System: shanghai.System})
	raw, err := shanghai.Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, shanghai.Adapter{}, raw, records)
}
