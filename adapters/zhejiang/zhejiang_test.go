package zhejiang

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/schema"
)

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func decode(t *testing.T, payload string, opts adapters.DecodeOptions) *adapters.Result {
	t.Helper()
	return adaptertest.Decode(t, Adapter{}, []byte(payload), opts)
}

// window is the time span sampled people are issued codes in.
var window = struct {
	start time.Time
	span  time.Duration
}{time.Date(2021, 12, 20, 7, 30, 0, 0, adapters.Beijing), 16 * 24 * time.Hour}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	labels := map[string]string{schema.Green: "绿码", schema.Yellow: "黄码", schema.Red: "红码"}
	codes := map[string]string{schema.Green: "GREEN", schema.Yellow: "YELLOW", schema.Red: "RED"}
	for _, seed := range []uint64{1, 2, 3, 42, 2022} {
		people := Adapter{}.Sample(seed, 200, window.start, window.span)
		seen := map[string]bool{}
		scanOnly, open := 0, 0
		for i := range people {
			p := &people[i]
			seen[p.DocType] = true
			if len(p.Statuses) == 0 {
				scanOnly++
			}
			for _, ev := range p.Events {
				if ev.End.IsZero() {
					open++
				}
			}
			if len(p.Statuses) == 0 {
				continue
			}
			st := &p.Statuses[0]
			switch i % 5 {
			case 1:
				st.ValidUntil = time.Time{}
			case 3:
				if st.NAT != nil {
					st.NAT.SampledAt = time.Time{}
				}
			case 4:
				st.NAT, st.Vaccination = nil, nil
			}
			if seed%2 == 0 {
				st.Region = "330000"
			}
		}
		if seed%2 == 0 {
			for i := range people {
				for j := range people[i].Events {
					people[i].Events[j].Region = "330000"
				}
			}
		}
		if len(seen) != len(idTypes) || scanOnly == 0 || open == 0 {
			t.Errorf("seed %d: %d document types, %d people who only scanned, %d open scans: want all shapes", seed, len(seen), scanOnly, open)
		}
		wantStatuses, wantEvents := adaptertest.Expected(t, subjects, people)
		for i := range wantStatuses {
			st := &wantStatuses[i]
			st.Local = &schema.Local{Label: labels[st.Color], Code: codes[st.Color]}
		}
		adaptertest.RoundTrip(t, Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{Subjects: subjects}, wantStatuses, wantEvents)
	}
}

func TestEpochMillisRange(t *testing.T) {
	issued := time.Date(2022, 1, 4, 9, 0, 0, 0, adapters.Beijing)
	cases := []struct {
		name  string
		ms    int64
		want  time.Time
		error string
	}{
		{"milliseconds", issued.UnixMilli(), issued, ""},
		{"millisecond precision kept", issued.UnixMilli() + 7, issued.Add(7 * time.Millisecond), ""},
		{"first instant of 2020", time.Date(2020, 1, 1, 0, 0, 0, 0, adapters.Beijing).UnixMilli(), time.Date(2020, 1, 1, 0, 0, 0, 0, adapters.Beijing), ""},
		{"seconds", issued.Unix(), time.Time{}, "before 2020 (epoch seconds?)"},
		{"microseconds", issued.UnixMicro(), time.Time{}, "after 2100 (epoch microseconds?)"},
		{"negative", -1, time.Time{}, "before 2020"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := decode(t, fmt.Sprintf(`{"regionCode":"330100","records":[{"idType":"ID_CARD","idNo":"330106199003150022",
				"statuses":[{"codeId":"1","color":"GREEN","issueTime":%d}]}]}`, c.ms), adapters.DecodeOptions{})
			if c.error != "" {
				if len(res.Rejected) != 1 || !strings.Contains(res.Rejected[0].Err.Error(), c.error) || res.Rejected[0].Field != "statuses[0].issueTime" {
					t.Fatalf("rejected %v, want statuses[0].issueTime: %s", res.Rejected, c.error)
				}
				return
			}
			if len(res.Batch.Statuses) != 1 {
				t.Fatalf("rejected %v", res.Rejected)
			}
			got := res.Batch.Statuses[0].IssuedAt
			if !got.Equal(c.want) {
				t.Errorf("issued_at %v, want %v", got, c.want)
			}
			if _, off := got.Zone(); off != 8*3600 {
				t.Errorf("issued_at offset %d s, want Beijing +08:00", off)
			}
		})
	}
}

func TestLastDoseDateIsBeijingDay(t *testing.T) {
	// 2021-11-01T16:30:00Z is already 2 November in Beijing.
	ms := time.Date(2021, 11, 1, 16, 30, 0, 0, time.UTC).UnixMilli()
	res := decode(t, fmt.Sprintf(`{"regionCode":"330100","records":[{"idType":"ID_CARD","idNo":"330106199003150022",
		"statuses":[{"codeId":"1","color":"GREEN","issueTime":1641258000000,"vaccine":{"doses":2,"lastDoseTime":%d}}]}]}`, ms), adapters.DecodeOptions{})
	if len(res.Batch.Statuses) != 1 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	if got := res.Batch.Statuses[0].Vaccination.LastDoseAt; got != "2021-11-02" {
		t.Errorf("last_dose_at %s, want the Beijing date 2021-11-02", got)
	}
}

func TestScanBecomesVenueEvent(t *testing.T) {
	res := decode(t, `{"regionCode":"330100","records":[{"recordId":"r","idType":"ID_CARD","idNo":"330106199003150022",
		"scans":[{"scanId":"s1","placeCode":"330106-V-1","placeName":"店","areaCode":"330106001","lat":30.25,"lon":120.16,
		"scanTime":1641258600000,"leaveTime":1641261000000}]}]}`, adapters.DecodeOptions{})
	if len(res.Batch.Events) != 1 || len(res.Batch.Statuses) != 0 {
		t.Fatalf("events %d statuses %d rejected %v", len(res.Batch.Events), len(res.Batch.Statuses), res.Rejected)
	}
	ev := res.Batch.Events[0]
	want := schema.Place{ID: "330106-V-1", Name: "店", Region: "330106001", Lat: 30.25, Lon: 120.16}
	if ev.Place != want || ev.Kind != schema.KindVenueScan || ev.Region != "330100" {
		t.Errorf("event %+v, want a venue_scan in 330100 at %+v", ev, want)
	}
	if ev.Source != (schema.Source{System: System, RecordID: "s1"}) {
		t.Errorf("source %+v", ev.Source)
	}
	if ev.End.Sub(ev.Start) != 40*time.Minute {
		t.Errorf("start %v end %v, want 40 minutes", ev.Start, ev.End)
	}
}

func TestRecordRejectedWhole(t *testing.T) {
	// The status is fine, the scan is not: neither may be kept.
	res := decode(t, `{"regionCode":"330100","records":[{"recordId":"r","idType":"ID_CARD","idNo":"330106199003150022",
		"statuses":[{"codeId":"1","color":"GREEN","issueTime":1641258000000}],
		"scans":[{"scanId":"s1","placeCode":"p","areaCode":"330106","lat":120.16,"lon":30.25,"scanTime":1641258600000}]}]}`, adapters.DecodeOptions{})
	if len(res.Batch.Statuses)+len(res.Batch.Events) != 0 {
		t.Errorf("kept %d statuses and %d events of a rejected record", len(res.Batch.Statuses), len(res.Batch.Events))
	}
	if len(res.Rejected) != 1 || res.Rejected[0].Field != "scans[0].lat" || res.Rejected[0].Ref != "r" {
		t.Errorf("rejected %v, want record r on scans[0].lat", res.Rejected)
	}
}

func TestTypeErrorNamesElement(t *testing.T) {
	res := decode(t, `{"regionCode":"330100","records":[{"recordId":"r","idType":"ID_CARD","idNo":"330106199003150022",
		"scans":[{"scanId":"s1","placeCode":"p","areaCode":"330106","scanTime":1641258600000},
		         {"scanId":"s2","placeCode":"p","areaCode":"330106","lat":"30.25","scanTime":1641258600000}]}]}`, adapters.DecodeOptions{})
	if len(res.Rejected) != 1 || res.Rejected[0].Field != "scans[1].lat" {
		t.Fatalf("rejected %v, want scans[1].lat", res.Rejected)
	}
	if got := res.Rejected[0].Err.Error(); got != "is a JSON string, want a number" {
		t.Errorf("error %q", got)
	}
}

func TestNoDocumentNumberInErrors(t *testing.T) {
	const id = "330106199003150023" // wrong check digit
	res := decode(t, `{"regionCode":"330100","records":[
		{"idType":"ID_CARD","idNo":"`+id+`","statuses":[]},
		{"idType":"ID_CARD","idNo":`+id+`,"statuses":[]}]}`, adapters.DecodeOptions{})
	if len(res.Rejected) != 2 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	for _, r := range res.Rejected {
		if r.Field != "idNo" || strings.Contains(r.Error(), id) {
			t.Errorf("rejection %q on field %q: want idNo, without the number", r.Error(), r.Field)
		}
	}
}

func TestWarnings(t *testing.T) {
	res := decode(t, `{"regionCode":"330100","records":[
		{"recordId":"a","idType":"ID_CARD","idNo":"330106199003150022","statuses":[{"codeId":"1","color":"GREEN","issueTime":1641258000000,"reasons":["NORMAL","SOMETHING_NEW"]}]},
		{"recordId":"b","idType":"PASSPORT","idNo":"E12345678"},
		{"recordId":"c","idType":"ID_CARD","idNo":"330106199003150022","statuses":[{"codeId":"2","color":"BLUE","issueTime":1641258000000,"reasons":["SOMETHING_NEW"]}]}]}`, adapters.DecodeOptions{})
	if len(res.Batch.Statuses) != 1 || len(res.Rejected) != 1 {
		t.Fatalf("statuses %d, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	if got := res.Batch.Statuses[0].Reasons; len(got) != 1 || got[0] != schema.ReasonNoAbnormality {
		t.Errorf("reasons %v, want the unknown one left out", got)
	}
	var got []string
	for _, w := range res.Warnings {
		got = append(got, fmt.Sprintf("%d/%s/%s", w.Index, w.Ref, w.Field))
	}
	// Record c is rejected: its unknown reason is not worth a warning too.
	if want := "0/a/statuses[0].reasons 1/b/"; strings.Join(got, " ") != want {
		t.Errorf("warnings %v, want %s", got, want)
	}
}

func TestEncodeRefuses(t *testing.T) {
	at := time.Date(2022, 1, 4, 9, 0, 0, 0, adapters.Beijing)
	good := func() adapters.Person {
		return adapters.Person{DocType: schema.DocResidentID, DocNumber: "330106199003150022", Name: "王伟",
			Statuses: []schema.Status{{Region: "330100", Color: schema.Green, IssuedAt: at, Source: schema.Source{RecordID: "1"}}},
			Events: []schema.Event{{Region: "330100", Kind: schema.KindVenueScan, Start: at,
				Place: schema.Place{ID: "p", Region: "330106"}, Source: schema.Source{RecordID: "e"}}}}
	}
	if _, err := (Adapter{}).Encode([]adapters.Person{good()}, adapters.EncodeOptions{}); err != nil {
		t.Fatalf("encode of a plain person: %v", err)
	}
	cases := map[string]func(p *adapters.Person){
		"has no idType":                  func(p *adapters.Person) { p.DocType = schema.DocDCCHolder },
		"colour \"blue\"":                func(p *adapters.Person) { p.Statuses[0].Color = "blue" },
		"reason \"visited_risk_area\"":   func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"not in Zhejiang":                func(p *adapters.Person) { p.Statuses[0].Region = "610100" },
		"status 0: no record ID":         func(p *adapters.Person) { p.Statuses[0].Source.RecordID = "" },
		"no issue time":                  func(p *adapters.Person) { p.Statuses[0].IssuedAt = time.Time{} },
		"finer than a millisecond":       func(p *adapters.Person) { p.Statuses[0].IssuedAt = at.Add(time.Microsecond) },
		"event kind \"transit\"":         func(p *adapters.Person) { p.Events[0].Kind = schema.KindTransit },
		"event 0: region 330200 differs": func(p *adapters.Person) { p.Events[0].Region = "330200" },
		"no start time":                  func(p *adapters.Person) { p.Events[0].Start = time.Time{} },
		"event 0: no record ID":          func(p *adapters.Person) { p.Events[0].Source.RecordID = "" },
	}
	for want, spoil := range cases {
		p := good()
		spoil(&p)
		_, err := Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("encode error %v, want one containing %q", err, want)
		}
	}
}

func TestReasonTableCoversSchema(t *testing.T) {
	adaptertest.ReasonTable(t, reasonCodes, "enumeration")
}

func TestRegistered(t *testing.T) {
	adaptertest.Registered(t, Adapter{})
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

// BenchmarkDecode reports native records (people, each with up to one
// status and up to four venue scans) and v1 records (statuses plus events)
// per second.
func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := Adapter{}.Sample(7, records, window.start, window.span)
	raw, err := Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res := adaptertest.BenchmarkDecode(b, Adapter{}, raw, records)
	v1 := len(res.Batch.Statuses) + len(res.Batch.Events)
	b.ReportMetric(float64(v1*b.N)/b.Elapsed().Seconds(), "v1records/s")
}
