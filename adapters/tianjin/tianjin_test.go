package tianjin

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func TestRegistered(t *testing.T) {
	adaptertest.Registered(t, Adapter{})
}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			people := synth.People(seed, 30, synth.Options{
				Region:          Region,
				DocTypes:        []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit},
				EventsPerPerson: 4,
				EventKinds:      []string{schema.KindVenueScan},
				Places:          venues,
				Days:            3, // so that statuses are often in force at a scan
			})
			_, events := adaptertest.Expected(t, subjects, people)
			for i := range events {
				events[i].Source.System = System
			}
			statuses := expectedStatuses(t, subjects, people)
			if seed == 1 && len(statuses) == 0 {
				t.Fatal("no scan falls inside a status: the colour path is not exercised")
			}
			adaptertest.RoundTrip(t, Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{}, statuses, events)
		})
	}
}

// expectedStatuses derives, independently of Decode, the colour
// observations the scans of people carry: one per event that falls inside
// one of the person's statuses.
func expectedStatuses(t *testing.T, subjects *schema.Pseudonymizer, people []adapters.Person) []schema.Status {
	t.Helper()
	labels := map[string]struct{ label, code, reason string }{
		schema.Green:  {"绿码", "0", schema.ReasonNoAbnormality},
		schema.Yellow: {"黄码", "1", schema.ReasonRiskGroup},
		schema.Red:    {"红码", "2", schema.ReasonRiskGroup},
	}
	var out []schema.Status
	for _, p := range people {
		subject, err := subjects.Subject(p.DocType, p.DocNumber)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Events {
			var in *schema.Status
			for i := range p.Statuses {
				st := &p.Statuses[i]
				if !st.IssuedAt.After(e.Start) && e.Start.Before(st.ValidUntil) && (in == nil || st.IssuedAt.After(in.IssuedAt)) {
					in = st
				}
			}
			if in == nil {
				continue
			}
			l := labels[in.Color]
			out = append(out, schema.Status{
				Subject:    subject,
				Region:     Region,
				Color:      in.Color,
				Reasons:    []string{l.reason},
				Local:      &schema.Local{Label: l.label, Code: l.code},
				IssuedAt:   e.Start,
				ValidUntil: e.Start.Add(24 * time.Hour),
				Source:     schema.Source{System: System, RecordID: e.Source.RecordID},
			})
		}
	}
	return out
}

// scanAt is a scan by one person at one venue, for the pairing tests.
func scanAt(id, doc, venue, at, dir, leave string) record {
	return record{Smid: id, Csbm: venue, Qxdm: venue[:6], Smsj: at, Smfx: dir, Lcsj: leave, Zjlx: "111", Zjhm: doc}
}

func decodeScans(t *testing.T, recs ...record) *adapters.Result {
	t.Helper()
	raw, err := json.Marshal(export{Smjl: recs})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rejected {
		t.Errorf("rejected: %v", r)
	}
	return res
}

func TestVisitPairing(t *testing.T) {
	const (
		alice = "120101199001011239"
		bob   = "120103198512120048"
		shop  = "120101000123"
		park  = "120103000045"
	)
	type visit struct{ id, start, end string }
	tests := []struct {
		name  string
		scans []record
		want  []visit // in payload order of the scans carrying them
	}{
		{"entry and exit", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 08:45:00", "2", ""),
		}, []visit{{"a", "08:00:00", "08:45:00"}}},
		{"exit listed before its entry", []record{
			scanAt("b", alice, shop, "2022-01-10 08:45:00", "2", ""),
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
		}, []visit{{"a", "08:00:00", "08:45:00"}}},
		{"entry with exit time", []record{
			scanAt("a", alice, shop, "2022-01-10 23:30:00", "1", "2022-01-11 00:10:00"),
		}, []visit{{"a", "23:30:00", "00:10:00"}}},
		{"single entry has no end", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "", ""),
		}, []visit{{"a", "08:00:00", ""}}},
		{"repeat exactly at the window folds", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 08:30:00", "1", ""),
			scanAt("c", alice, shop, "2022-01-10 09:00:00", "1", ""), // 30 min after the last repeat, not after the start
		}, []visit{{"a", "08:00:00", "09:00:00"}}},
		{"repeat past the window opens a visit", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 08:30:01", "1", ""),
		}, []visit{{"a", "08:00:00", ""}, {"b", "08:30:01", ""}}},
		{"entry after a closed visit opens a visit", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 08:10:00", "2", ""),
			scanAt("c", alice, shop, "2022-01-10 08:15:00", "1", ""),
		}, []visit{{"a", "08:00:00", "08:10:00"}, {"c", "08:15:00", ""}}},
		{"exit at the window closes", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 20:00:00", "2", ""),
		}, []visit{{"a", "08:00:00", "20:00:00"}}},
		{"exit past the window stands alone", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 20:00:01", "2", ""),
		}, []visit{{"a", "08:00:00", ""}, {"b", "20:00:01", ""}}},
		{"exit with no entry stands alone", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "2", ""),
		}, []visit{{"a", "08:00:00", ""}}},
		{"entry and exit in the same second", []record{
			scanAt("b", alice, shop, "2022-01-10 08:00:00", "2", ""),
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
		}, []visit{{"a", "08:00:00", "08:00:00"}}},
		{"entry with exit time closes the open visit", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", alice, shop, "2022-01-10 08:05:00", "1", "2022-01-10 08:50:00"),
			scanAt("c", alice, shop, "2022-01-10 08:55:00", "2", ""),
		}, []visit{{"a", "08:00:00", ""}, {"b", "08:05:00", "08:50:00"}, {"c", "08:55:00", ""}}},
		{"other people and venues never fold", []record{
			scanAt("a", alice, shop, "2022-01-10 08:00:00", "1", ""),
			scanAt("b", bob, shop, "2022-01-10 08:05:00", "1", ""),
			scanAt("c", alice, park, "2022-01-10 08:10:00", "1", ""),
			scanAt("d", bob, shop, "2022-01-10 08:20:00", "2", ""),
			scanAt("e", alice, shop, "2022-01-10 08:25:00", "1", ""),
		}, []visit{{"a", "08:00:00", "08:25:00"}, {"b", "08:05:00", "08:20:00"}, {"c", "08:10:00", ""}}},
	}
	clock := func(ts time.Time) string {
		if ts.IsZero() {
			return ""
		}
		return ts.Format("15:04:05")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := decodeScans(t, tt.scans...)
			var got []visit
			for _, e := range res.Batch.Events {
				got = append(got, visit{e.Source.RecordID, clock(e.Start), clock(e.End)})
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("visits = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestObservedColour(t *testing.T) {
	rec := scanAt("CSM9", "120101199001011239", "120101000123", "2022-01-10 23:30:00", "1", "")
	for code, want := range map[string]struct{ color, label, reason string }{
		"0": {schema.Green, "绿码", schema.ReasonNoAbnormality},
		"1": {schema.Yellow, "黄码", schema.ReasonRiskGroup},
		"2": {schema.Red, "红码", schema.ReasonRiskGroup},
	} {
		rec.Mys = code
		res := decodeScans(t, rec)
		if len(res.Batch.Statuses) != 1 {
			t.Fatalf("mys %s: %d statuses, want 1", code, len(res.Batch.Statuses))
		}
		st := res.Batch.Statuses[0]
		if st.Color != want.color || st.Local.Label != want.label || st.Local.Code != code || fmt.Sprint(st.Reasons) != "["+want.reason+"]" {
			t.Errorf("mys %s: status %+v", code, st)
		}
		if got := st.IssuedAt.Format(time.RFC3339); got != "2022-01-10T23:30:00+08:00" {
			t.Errorf("mys %s: issued_at %s, want the scan time in Beijing time", code, got)
		}
		if got := st.ValidUntil.Format(time.RFC3339); got != "2022-01-11T23:30:00+08:00" {
			t.Errorf("mys %s: valid_until %s, want a day after the scan", code, got)
		}
		if st.Region != Region || st.Source != (schema.Source{System: System, RecordID: "CSM9"}) {
			t.Errorf("mys %s: region %s, source %+v", code, st.Region, st.Source)
		}
	}
	rec.Mys = ""
	if res := decodeScans(t, rec); len(res.Batch.Statuses) != 0 {
		t.Errorf("a scan without mys yielded a status")
	}
}

func TestPlace(t *testing.T) {
	lon, lat := 117.2008, 39.1206
	rec := scanAt("CSM1", "120101199001011239", "120101000123", "2022-01-10 08:00:00", "1", "")
	rec.Csmc, rec.Jddm, rec.Jd, rec.Wd = " 滨江道购物中心 ", "120101001", &lon, &lat
	res := decodeScans(t, rec)
	want := schema.Place{ID: "120101-V-000123", Name: "滨江道购物中心", Region: "120101001", Lat: lat, Lon: lon}
	if got := res.Batch.Events[0].Place; got != want {
		t.Errorf("place = %+v, want %+v", got, want)
	}
	if e := res.Batch.Events[0]; e.Region != Region || e.Kind != schema.KindVenueScan || !schema.ContainsRegion("120101", e.Place.Region) {
		t.Errorf("event region %s kind %s place region %s", e.Region, e.Kind, e.Place.Region)
	}
}

// TestNoPersonalDataInErrors decodes records that fail on their document
// and checks that no rejection repeats a number, name or phone.
func TestNoPersonalDataInErrors(t *testing.T) {
	recs := []record{
		{Smid: "1", Csbm: "120101000123", Qxdm: "120101", Smsj: "2022-01-10 08:00:00", Zjlx: "111", Zjhm: "120101199001011230", Xm: "王伟", Sjhm: "13812341234"},
		{Smid: "2", Csbm: "120101000123", Qxdm: "120101", Smsj: "2022-01-10 08:00:00", Zjlx: "414", Zjhm: "E1234!5678", Xm: "王伟"},
		{Smid: "3", Csbm: "120101000123", Qxdm: "120101", Smsj: "2022-01-10 08:00:00", Zjlx: "516", Zjhm: "H12345678", Xm: "王伟"},
	}
	raw, _ := json.Marshal(export{Smjl: recs})
	// A document number where a venue code belongs must not be echoed either.
	raw = []byte(strings.Replace(string(raw), `"csbm":"120101000123"`, `"csbm":120101199001011230`, 1))
	res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != len(recs) {
		t.Fatalf("%d rejected, want %d", len(res.Rejected), len(recs))
	}
	for _, r := range res.Rejected {
		for _, secret := range []string{"120101199001011230", "E1234!5678", "H12345678", "王伟", "13812341234"} {
			if strings.Contains(r.Error(), secret) {
				t.Errorf("rejection %q contains personal data", r.Error())
			}
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	good := adapters.Person{DocType: schema.DocResidentID, DocNumber: "120101199001011239", Events: []schema.Event{{
		Kind: schema.KindVenueScan, Place: venues[0], Start: time.Date(2022, 1, 10, 8, 0, 0, 0, adapters.Beijing),
	}}}
	if _, err := (Adapter{}).Encode([]adapters.Person{good}, adapters.EncodeOptions{}); err != nil {
		t.Fatalf("encode of a good person: %v", err)
	}
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		want   string
	}{
		{"hk id", func(p *adapters.Person) { p.DocType = schema.DocHKID }, "document type hk_id cannot be written"},
		{"transit", func(p *adapters.Person) { p.Events[0].Kind = schema.KindTransit }, "kind transit cannot be written"},
		{"foreign place", func(p *adapters.Person) { p.Events[0].Place.ID = "610113-V-000001" }, "is not a Tianjin venue"},
		{"place outside its district", func(p *adapters.Person) { p.Events[0].Place.Region = "120102001" }, "is not district 120101"},
		{"half a coordinate", func(p *adapters.Person) { p.Events[0].Place.Lat = 0 }, "only one of latitude and longitude"},
		{"milliseconds", func(p *adapters.Person) { p.Events[0].Start = p.Events[0].Start.Add(time.Millisecond) }, "whole seconds"},
		{"no start", func(p *adapters.Person) { p.Events[0].Start = time.Time{} }, "no start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			p.Events = append([]schema.Event(nil), good.Events...)
			tt.change(&p)
			_, err := (Adapter{}).Encode([]adapters.Person{p}, adapters.EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestEncodeStampsBatch(t *testing.T) {
	at := time.Date(2022, 1, 10, 15, 59, 59, 0, time.UTC)
	raw, err := (Adapter{}).Encode(nil, adapters.EncodeOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	res, err := (Adapter{}).Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Batch.BatchID != "JMZY-CSM-20220110235959" || res.Batch.Region != Region {
		t.Errorf("batch %s region %s", res.Batch.BatchID, res.Batch.Region)
	}
	res, _ = (Adapter{}).Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t), BatchID: "given"})
	if res.Batch.BatchID != "given" {
		t.Errorf("batch ID %s, want the caller's", res.Batch.BatchID)
	}
}

func TestCountMismatchWarns(t *testing.T) {
	raw := []byte(`{"jls":3,"smjl":[]}`)
	res, err := (Adapter{}).Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "jls" {
		t.Errorf("warnings = %v, want one on jls", res.Warnings)
	}
	if !strings.HasPrefix(res.Batch.BatchID, "tianjin-") {
		t.Errorf("batch ID %s, want one derived from the payload", res.Batch.BatchID)
	}
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	var people []adapters.Person
	for _, p := range synth.People(7, 4*records, synth.Options{
		Region:     Region,
		EventKinds: []string{schema.KindVenueScan},
		Places:     venues,
		Days:       3,
	}) {
		if len(p.Events) > 0 && len(people) < records {
			p.Events = p.Events[:1] // one scan per person
			people = append(people, p)
		}
	}
	raw, err := (Adapter{}).Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res := adaptertest.BenchmarkDecode(b, Adapter{}, raw, records)
	if len(res.Batch.Events) != records {
		b.Fatalf("%d events, want one a scan", len(res.Batch.Events))
	}
	b.ReportMetric(float64(len(res.Batch.Statuses))/records, "statuses/record")
}
