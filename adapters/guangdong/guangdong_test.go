package guangdong_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/guangdong"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, guangdong.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func TestRegistered(t *testing.T) {
	if got := adaptertest.Registered(t, guangdong.Adapter{}).Regions(); !slices.Equal(got, []string{"440000", "440100", "440300"}) {
		t.Errorf("Regions() = %v", got)
	}
}

func decode(t *testing.T, area string, recs ...map[string]any) *adapters.Result {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"batchNo": "T1", "areaCode": area, "records": recs})
	if err != nil {
		t.Fatal(err)
	}
	return adaptertest.Decode(t, guangdong.Adapter{}, raw, adapters.DecodeOptions{})
}

func baseRecord(kv ...any) map[string]any {
	rec := map[string]any{
		"serialNo": "S1", "certType": "IDCARD", "certNo": "440106199505053367", "name": "王芳",
		"codeColor": "0", "codeTime": "20220104090000",
	}
	for i := 0; i < len(kv); i += 2 {
		rec[kv[i].(string)] = kv[i+1]
	}
	return rec
}

func TestColourAndReasons(t *testing.T) {
	positive := map[string]any{"result": "阳性"}
	negative := map[string]any{"result": "阴性"}
	tests := []struct {
		name    string
		rec     map[string]any
		color   string
		reasons []string
		label   string
	}{
		{"green", baseRecord(), schema.Green, nil, "绿码"},
		{"green with a negative test has no reason", baseRecord("nucleicAcid", negative), schema.Green, nil, "绿码"},
		{"green with a risk group is yellow", baseRecord("riskGroups", []string{"密接"}), schema.Yellow, []string{"close_contact"}, "绿码"},
		{"every group", baseRecord("riskGroups", []string{"中高风险地区来粤", "入境人员", "次密接", "密接"}), schema.Yellow,
			[]string{"from_risk_area", "inbound_traveller", "secondary_contact", "close_contact"}, "绿码"},
		{"unknown group still yellow", baseRecord("riskGroups", []string{"重点人员"}), schema.Yellow, []string{"risk_group"}, "绿码"},
		{"empty group list is no group", baseRecord("riskGroups", []string{}), schema.Green, nil, "绿码"},
		{"empty group name is no group", baseRecord("riskGroups", []string{" "}), schema.Green, nil, "绿码"},
		{"red alone", baseRecord("codeColor", "2"), schema.Red, []string{"risk_group"}, "红码"},
		{"red with negative test", baseRecord("codeColor", "2", "nucleicAcid", negative), schema.Red, []string{"risk_group"}, "红码"},
		{"red positive", baseRecord("codeColor", "2", "nucleicAcid", positive), schema.Red, []string{"nat_positive"}, "红码"},
		{"red group and positive", baseRecord("codeColor", "2", "riskGroups", []string{"入境人员"}, "nucleicAcid", positive), schema.Red,
			[]string{"inbound_traveller", "nat_positive"}, "红码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decode(t, "440300", tt.rec)
			if len(res.Rejected) > 0 {
				t.Fatalf("rejected: %v", res.Rejected)
			}
			st := res.Batch.Statuses[0]
			if st.Color != tt.color || !slices.Equal(st.Reasons, tt.reasons) && len(st.Reasons)+len(tt.reasons) > 0 {
				t.Errorf("colour %s reasons %v, want %s %v", st.Color, st.Reasons, tt.color, tt.reasons)
			}
			if st.Reasons == nil {
				t.Error("reasons is nil; the schema wants an array")
			}
			if st.Local == nil || st.Local.Label != tt.label {
				t.Errorf("local = %+v, want label %s", st.Local, tt.label)
			}
			if st.Region != "440000" {
				t.Errorf("status region %s, want 440000 whichever node exported", st.Region)
			}
		})
	}
}

func TestUnknownRiskGroupWarns(t *testing.T) {
	res := decode(t, "440100", baseRecord("riskGroups", []string{"密接", "重点人员"}))
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "riskGroups[1]" {
		t.Fatalf("warnings = %v, want one on riskGroups[1]", res.Warnings)
	}
	if msg := res.Warnings[0].Error(); strings.Contains(msg, "重点人员") {
		t.Errorf("warning %q repeats a non-ASCII value", msg)
	}
}

func TestRegions(t *testing.T) {
	rec := baseRecord("scans", []map[string]any{
		{"scanNo": "A", "scanType": "PLACE", "placeCode": "p1", "areaCode": "440305", "inTime": "20220104100000"},
		{"scanNo": "B", "scanType": "PLACE", "placeCode": "p2", "inTime": "20220104110000"},
	})
	res := decode(t, "440300", rec)
	if res.Batch.Region != "440300" {
		t.Errorf("batch region %s, want the exporting node 440300", res.Batch.Region)
	}
	evs := res.Batch.Events
	if len(evs) != 2 || evs[0].Region != "440300" || evs[0].Place.Region != "440305" || evs[1].Place.Region != "440300" {
		t.Errorf("events = %+v", evs)
	}
}

func TestHKIDSpellings(t *testing.T) {
	var subjects []string
	for _, n := range []string{"A123456(3)", "A1234563", "a123456 (3)", "A123456（3）"} {
		res := decode(t, "440300", baseRecord("certType", "HKID", "certNo", n))
		if len(res.Batch.Statuses) != 1 {
			t.Fatalf("%s rejected: %v", n, res.Rejected)
		}
		subjects = append(subjects, res.Batch.Statuses[0].Subject)
	}
	for _, s := range subjects[1:] {
		if s != subjects[0] {
			t.Errorf("spellings of one HKID give different subjects: %v", subjects)
		}
	}
}

// No rejection or warning may repeat a document number or a name found in
// the golden inputs.
func TestMessagesCarryNoPersonalData(t *testing.T) {
	adaptertest.MessagesCarryNoPersonalData(t, guangdong.Adapter{}, "testdata/golden", adaptertest.PersonalInJSON("records", "certNo", "name"))
}

func TestEncodeRefuses(t *testing.T) {
	ok := synth.People(7, 1, synth.Options{Region: guangdong.Region})[0]
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		want   string
	}{
		{"yellow without risk group", func(p *adapters.Person) {
			p.Statuses[0].Color, p.Statuses[0].Reasons = schema.Yellow, []string{schema.ReasonNATPending}
		}, "粤康码 has no yellow"},
		{"city status", func(p *adapters.Person) { p.Statuses[0].Region = guangdong.Shenzhen }, "statuses are provincial"},
		{"dcc holder", func(p *adapters.Person) { p.DocType = schema.DocDCCHolder }, "no certType code"},
		{"stay event", func(p *adapters.Person) {
			p.Events = []schema.Event{{Region: guangdong.Region, Kind: schema.KindStay, Place: schema.Place{ID: "x", Region: guangdong.Region}, Source: schema.Source{RecordID: "e"}}}
		}, "no 粤康码 scan type"},
		{"event outside Guangdong", func(p *adapters.Person) {
			p.Events = []schema.Event{{Region: "310000", Kind: schema.KindVenueScan, Place: schema.Place{ID: "x", Region: "310000"}, Source: schema.Source{RecordID: "e"}}}
		}, "not a Guangdong division"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			p.Statuses = slices.Clone(ok.Statuses)
			tt.change(&p)
			_, err := guangdong.Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("encode error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestEncodeEventsOfTwoCities(t *testing.T) {
	people := synth.People(3, 2, synth.Options{Region: guangdong.Region, EventsPerPerson: 1})
	ev := func(region string) []schema.Event {
		return []schema.Event{{Region: region, Kind: schema.KindVenueScan, Place: schema.Place{ID: "x", Region: region}, Source: schema.Source{RecordID: region}}}
	}
	people[0].Events, people[1].Events = ev(guangdong.Guangzhou), ev(guangdong.Shenzhen)
	if _, err := (guangdong.Adapter{}).Encode(people, adapters.EncodeOptions{}); err == nil || !strings.Contains(err.Error(), "cannot share one export") {
		t.Errorf("encode error = %v, want a refusal of two cities", err)
	}
}

// groupReasons are the reasons 粤康码 carries as risk groups, in the order
// the export lists them.
var groupReasons = []string{schema.ReasonCloseContact, schema.ReasonSecondaryContact, schema.ReasonInbound, schema.ReasonFromRiskArea}

// expected is what the format keeps of a status: risk groups, a positive
// test on a red code, Beijing time at second precision, the native label.
func expected(st schema.Status) schema.Status {
	var reasons []string
	if st.Color != schema.Green {
		for _, r := range groupReasons {
			if slices.Contains(st.Reasons, r) {
				reasons = append(reasons, r)
			}
		}
	}
	st.Local = &schema.Local{Label: "绿码", Code: "0"}
	if st.Color == schema.Red {
		st.Local = &schema.Local{Label: "红码", Code: "2"}
		if st.NAT != nil && st.NAT.Result == schema.NATPositive {
			reasons = append(reasons, schema.ReasonNATPositive)
		}
		if len(reasons) == 0 {
			reasons = []string{schema.ReasonRiskGroup}
		}
	}
	st.Reasons = reasons
	return st
}

func TestRoundTrip(t *testing.T) {
	start := time.Date(2022, 1, 4, 8, 0, 0, 0, adapters.Beijing)
	areas := map[string]bool{}
	for _, seed := range []uint64{1, 2, 3, 4, 5, 2022} {
		people := guangdong.Adapter{}.Sample(seed, 60, start, 14*24*time.Hour)
		for _, p := range people {
			for _, ev := range p.Events {
				areas[ev.Region] = true
			}
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			subjects := adaptertest.Subjects(t)
			sts, evs := adaptertest.Expected(t, subjects, people)
			for i := range sts {
				sts[i] = expected(sts[i])
			}
			adaptertest.RoundTrip(t, guangdong.Adapter{}, people, adapters.EncodeOptions{At: time.Date(2022, 1, 20, 0, 0, 0, 0, adapters.Beijing)},
				adapters.DecodeOptions{Subjects: subjects}, sts, evs)
		})
	}
	// Every node's export shape is covered.
	for _, area := range []string{guangdong.Shenzhen, guangdong.Guangzhou, guangdong.Region} {
		if !areas[area] {
			t.Errorf("no export from node %s", area)
		}
	}
}

// Sample feeds region simulators and the development cluster; every status
// it gives is provincial.
func TestSampleRoundTrips(t *testing.T) {
	adaptertest.SampleRoundTrips(t, guangdong.Adapter{}, func(t *testing.T, people []adapters.Person, _ *adapters.Result) {
		for _, p := range people {
			for _, st := range p.Statuses {
				if st.Region != guangdong.Region {
					t.Errorf("status region %s, want the province", st.Region)
				}
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, guangdong.Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := synth.People(1, records, synth.Options{Region: guangdong.Region, System: guangdong.System})
	raw, err := guangdong.Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, guangdong.Adapter{}, raw, records)
}

// A field of the wrong JSON type costs only its own record: the others come
// out exactly as they do from a payload without it.
func TestTypeErrorCostsOneRecord(t *testing.T) {
	good1 := baseRecord("serialNo", "A", "riskGroups", []string{"密接"})
	good2 := baseRecord("serialNo", "C", "codeColor", "2")
	bad := baseRecord("serialNo", "B", "scans", []map[string]any{{"scanNo": "S", "scanType": "PLACE", "placeCode": "p", "inTime": "20220104090000", "lat": "22.5"}})
	with, without := decode(t, "440300", good1, bad, good2), decode(t, "440300", good1, good2)
	adaptertest.CompareBatch(t, &without.Batch, &with.Batch)
	if len(with.Rejected) != 1 || with.Rejected[0].Index != 1 || with.Rejected[0].Ref != "B" || with.Rejected[0].Field != "scans.lat" {
		t.Errorf("rejected = %+v, want record 1 (B) on scans.lat", with.Rejected)
	}
}
