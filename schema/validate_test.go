package schema

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

var cst = time.FixedZone("CST", 8*3600)

const hexSubject = "3f1c0a9b7e5d4c3b2a190817161514131211100f0e0d0c0b0a09080706050403"

func goodStatus() Status {
	return Status{
		Subject: hexSubject, Region: "610100", Color: Green, Reasons: []string{ReasonNATNegative48h},
		Local:    &Local{Label: "绿码", Code: "0"},
		IssuedAt: time.Date(2022, 1, 4, 9, 0, 0, 0, cst), ValidUntil: time.Date(2022, 1, 5, 9, 0, 0, 0, cst),
		NAT:         &NAT{Result: NATNegative, SampledAt: time.Date(2022, 1, 3, 20, 0, 0, 0, cst), Lab: "西安市第一医院"},
		Vaccination: &Vaccination{Doses: 3, LastDoseAt: "2021-11-02"},
		Source:      Source{System: "xa-ymt", RecordID: "r1"},
	}
}

func goodEvent() Event {
	return Event{
		Subject: hexSubject, Region: "610100", Kind: KindVenueScan,
		Place: Place{ID: "610113-V-000123", Name: "小寨地铁站", Region: "610113001", Lat: 34.2, Lon: 108.9},
		Start: time.Date(2022, 1, 4, 8, 10, 0, 0, cst), End: time.Date(2022, 1, 4, 8, 40, 0, 0, cst),
		Source: Source{System: "xa-ymt", RecordID: "e1"},
	}
}

func TestDesignExampleValidates(t *testing.T) {
	const doc = `{ "schema": "codefed/v1", "region": "610100", "batch_id": "xa-20220104-000123",
  "statuses": [{ "subject": "` + hexSubject + `", "region": "610100",
      "color": "green", "reasons": ["nat_negative_48h"],
      "local": {"label": "绿码", "code": "0"},
      "issued_at": "2022-01-04T09:00:00+08:00", "valid_until": "2022-01-05T09:00:00+08:00",
      "nat": {"result": "negative", "sampled_at": "2022-01-03T20:00:00+08:00", "lab": "lab"},
      "vaccination": {"doses": 3, "last_dose_at": "2021-11-02"},
      "source": {"system": "xa-ymt", "record_id": "r1"} }],
  "events": [{ "subject": "` + hexSubject + `", "region": "610100",
      "kind": "venue_scan",
      "place": {"id": "610113-V-000123", "name": "x", "region": "610113001", "lat": 34.2, "lon": 108.9},
      "start": "2022-01-04T08:10:00+08:00", "end": "2022-01-04T08:40:00+08:00",
      "source": {"system": "xa-ymt", "record_id": "e1"} }],
  "risk_areas": [{ "id": "a1", "region": "610113001", "name": "x",
      "level": "high", "from": "2022-01-01T00:00:00+08:00", "until": "2022-01-15T00:00:00+08:00" }] }`
	var b Batch
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	if errs := ValidateBatch(&b); errs != nil {
		t.Fatalf("design example rejected: %v", errs)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(s *Status)
		field string
	}{
		{"colour", func(s *Status) { s.Color = "blue" }, "color"},
		{"subject not hex", func(s *Status) { s.Subject = strings.ToUpper(hexSubject) }, "subject"},
		{"raw id as subject", func(s *Status) { s.Subject = "11010519491231002X" }, "subject"},
		{"region", func(s *Status) { s.Region = "6101" }, "region"},
		{"missing issued_at", func(s *Status) { s.IssuedAt = time.Time{} }, "issued_at"},
		{"valid_until before issued_at", func(s *Status) { s.ValidUntil = s.IssuedAt.Add(-time.Hour) }, "valid_until"},
		{"nat result", func(s *Status) { s.NAT.Result = "阴性" }, "nat.result"},
		{"doses", func(s *Status) { s.Vaccination.Doses = -1 }, "vaccination.doses"},
		{"last dose date", func(s *Status) { s.Vaccination.LastDoseAt = "2021/11/02" }, "vaccination.last_dose_at"},
		{"reason code", func(s *Status) { s.Reasons = []string{"Close Contact"} }, "reasons.0"},
		{"source", func(s *Status) { s.Source.RecordID = "" }, "source.record_id"},
		{"local label required", func(s *Status) { s.Local = &Local{Code: "0"} }, ""}, // label is "" which is present: valid
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := goodStatus()
			c.edit(&s)
			err := ValidateStatus(&s)
			if c.field == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			ve, ok := err.(*ValidationError)
			if !ok {
				t.Fatalf("error %v (%T), want *ValidationError", err, err)
			}
			if ve.Field() != c.field {
				t.Fatalf("field = %q, want %q (%v)", ve.Field(), c.field, ve)
			}
		})
	}
}

func TestValidateEvent(t *testing.T) {
	e := goodEvent()
	if err := ValidateEvent(&e); err != nil {
		t.Fatal(err)
	}
	e.End = e.Start.Add(-time.Minute)
	if err := ValidateEvent(&e); err == nil || !strings.Contains(err.Error(), "end") {
		t.Fatalf("end before start: %v", err)
	}
	e = goodEvent()
	e.Place.Lat = 91
	if err := ValidateEvent(&e); err == nil || !strings.Contains(err.Error(), "place.lat") {
		t.Fatalf("lat 91: %v", err)
	}
	e = goodEvent()
	e.Kind = "teleport"
	if err := ValidateEvent(&e); err == nil || !strings.Contains(err.Error(), "kind") {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestValidateBatchKeepsGoodRecords(t *testing.T) {
	b := Batch{Schema: Version, Region: "610100", BatchID: "b1"}
	for i := 0; i < 5; i++ {
		b.Statuses = append(b.Statuses, goodStatus())
		b.Events = append(b.Events, goodEvent())
	}
	b.Statuses[3].Color = "purple"
	b.Events[1].Place.ID = ""
	b.RiskAreas = []RiskArea{{ID: "a", Region: "610113", Level: "extreme", From: time.Date(2022, 1, 1, 0, 0, 0, 0, cst)}}
	errs := ValidateBatch(&b)
	got := []string{}
	for _, e := range errs {
		got = append(got, e.Error())
	}
	if len(errs) != 3 {
		t.Fatalf("got %d errors, want 3: %q", len(errs), got)
	}
	want := []struct {
		list  string
		index int
		frag  string
	}{{"statuses", 3, "field color"}, {"events", 1, "field place.id"}, {"risk_areas", 0, "field level"}}
	for i, w := range want {
		if errs[i].List != w.list || errs[i].Index != w.index || !strings.Contains(errs[i].Error(), w.frag) {
			t.Errorf("error %d = %q, want %s[%d] with %q", i, got[i], w.list, w.index, w.frag)
		}
	}
	b.Schema = "codefed/v2"
	if errs := ValidateBatch(&b); len(errs) == 0 || errs[0].List != "" {
		t.Fatalf("wrong schema version not reported on the header: %v", errs)
	}
}

func TestTimesNeedAnOffset(t *testing.T) {
	// A zoneless time cannot come from a time.Time, so check the checker directly.
	c := rfc3339Checker{}
	for s, ok := range map[string]bool{
		"2022-01-04T09:00:00+08:00": true,
		"2022-01-04T01:00:00Z":      true,
		"2022-01-04T09:00:00":       false,
		"2022-01-04 09:00:00+08:00": false,
		"20220104090000":            false,
	} {
		if c.IsFormat(s) != ok {
			t.Errorf("IsFormat(%q) = %v, want %v", s, !ok, ok)
		}
	}
}

// TestValueMatchesJSON checks that the hand-built validation trees equal what
// encoding/json makes of the same records, so validation sees exactly what a
// client would send.
func TestValueMatchesJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		s := goodStatus()
		e := goodEvent()
		r := RiskArea{ID: "a", Region: "610113", Level: RiskHigh, From: time.Date(2022, 1, 1, 0, 0, 0, 0, cst)}
		if rng.IntN(2) == 0 {
			s.Local, s.NAT, s.Vaccination, s.ValidUntil = nil, nil, nil, time.Time{}
			e.End, e.Place.Lat, e.Place.Lon, e.Place.Name = time.Time{}, 0, 0, ""
		} else {
			s.NAT.Lab, s.NAT.SampledAt, s.Vaccination.LastDoseAt = "", time.Time{}, ""
			e.Place.Lat = rng.Float64()*180 - 90
			r.Until, r.Name = r.From.Add(time.Duration(rng.IntN(1000))*time.Hour), "n"
		}
		if rng.IntN(3) == 0 {
			s.Reasons = nil
		}
		sameTree(t, statusValue(&s), s)
		sameTree(t, eventValue(&e), e)
		sameTree(t, riskAreaValue(&r), r)
	}
}

func sameTree(t *testing.T, tree map[string]any, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var want any
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(any(tree), want) {
		t.Fatalf("validation tree differs from JSON\n tree: %#v\n json: %#v", tree, want)
	}
}

func TestSchemaFilesAreEmbedded(t *testing.T) {
	files := SchemaFiles()
	for _, name := range []string{"batch.json", "status.json", "event.json", "risk_area.json", "common.json"} {
		var doc map[string]any
		if err := json.Unmarshal(files[name], &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if doc["$schema"] != "http://json-schema.org/draft-07/schema#" {
			t.Errorf("%s is not draft-07", name)
		}
	}
}

func BenchmarkValidateStatus(b *testing.B) {
	s := goodStatus()
	for b.Loop() {
		if err := ValidateStatus(&s); err != nil {
			b.Fatal(err)
		}
	}
}
