package carrier

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
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

// as is the adapter with Encode writing one carrier's layout, for the
// round trip.
type as struct {
	Adapter
	c Carrier
}

func (a as) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	return EncodeAs(a.c, people, opts)
}

// cityPlaces are city-level places of every kind: prefectures, a
// municipality, a county-level city under its province, an autonomous
// prefecture, a special administrative region.
func cityPlaces(t testing.TB) []schema.Place {
	t.Helper()
	var out []schema.Place
	for _, code := range []string{"610100", "110000", "429004", "422800", "810000", "220200", "632500", "652800"} {
		d, ok := schema.LookupDivision(code)
		if !ok || d.Code != code {
			t.Fatalf("division %s missing", code)
		}
		out = append(out, schema.Place{ID: "CITY-" + code, Name: d.Name, Region: code, Lat: d.Lat, Lon: d.Lon})
	}
	return out
}

const receiving = "610000"

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	at := time.Date(2022, 2, 1, 12, 0, 0, 0, adapters.Beijing)
	for _, c := range []Carrier{CMCC, CUCC, CTCC} {
		for seed := uint64(1); seed <= 3; seed++ {
			t.Run(fmt.Sprint(c, "/seed", seed), func(t *testing.T) {
				people := synth.People(seed, 20, synth.Options{
					Region:          receiving,
					DocTypes:        []string{schema.DocResidentID, schema.DocPassport, schema.DocTaiwanPermit},
					EventsPerPerson: 5,
					EventKinds:      []string{schema.KindCarrierCity},
					Places:          cityPlaces(t),
				})
				want := expectedEvents(t, subjects, c, at, people)
				adaptertest.RoundTrip(t, as{c: c}, people, adapters.EncodeOptions{At: at}, adapters.DecodeOptions{}, nil, want)
			})
		}
	}
}

// expectedEvents derives, independently of Decode, what a carrier export
// of people says: one card per person with events, generated at their
// latest event time, listing their cities in order of first arrival.
func expectedEvents(t *testing.T, subjects *schema.Pseudonymizer, c Carrier, at time.Time, people []adapters.Person) []schema.Event {
	t.Helper()
	stamp := at.Format("20060102150405")
	var out []schema.Event
	seq := 0
	for _, p := range people {
		if len(p.Events) == 0 {
			continue
		}
		seq++
		subject, err := subjects.Subject(p.DocType, p.DocNumber)
		if err != nil {
			t.Fatal(err)
		}
		evs := append([]schema.Event(nil), p.Events...)
		sort.SliceStable(evs, func(a, b int) bool { return evs[a].Start.Before(evs[b].Start) })
		var order []schema.Place
		first, last := map[string]time.Time{}, map[string]time.Time{}
		var card time.Time
		for _, e := range evs {
			if _, ok := first[e.Place.ID]; !ok {
				order = append(order, e.Place)
				first[e.Place.ID] = e.Start
			}
			if e.End.After(last[e.Place.ID]) {
				last[e.Place.ID] = e.End
			}
			if e.End.After(card) {
				card = e.End
			}
		}
		var cardID string
		switch c {
		case CMCC:
			cardID = fmt.Sprintf("CMCC-XCK-%s-%s-%06d", receiving, stamp, seq)
		case CUCC:
			cardID = fmt.Sprintf("CU-XCK-%s-%s-%06d", receiving[:2], stamp, seq)
		case CTCC:
			cardID = "ctcc-" + subject[:16] + "-" + strconv.FormatInt(card.UnixMilli(), 10)
		}
		// Cards before 29 June 2022 cover the 14 days ending with the query day.
		y, m, d := card.Date()
		window := time.Date(y, m, d-13, 0, 0, 0, 0, adapters.Beijing)
		for n, pl := range order {
			e := schema.Event{
				Subject: subject,
				Region:  receiving,
				Kind:    schema.KindCarrierCity,
				Place:   pl,
				Start:   window,
				End:     card,
				Source:  schema.Source{System: "xck-" + string(c), RecordID: cardID + "#" + strconv.Itoa(n+1)},
			}
			if c == CTCC {
				e.Start, e.End = first[pl.ID], last[pl.ID]
			}
			out = append(out, e)
		}
	}
	return out
}

func TestWindowStart(t *testing.T) {
	tests := []struct {
		card time.Time
		want string
	}{
		{time.Date(2022, 1, 10, 9, 0, 0, 0, adapters.Beijing), "2021-12-28T00:00:00+08:00"},
		{time.Date(2022, 1, 10, 0, 0, 0, 0, adapters.Beijing), "2021-12-28T00:00:00+08:00"},
		{time.Date(2022, 1, 9, 16, 30, 0, 0, time.UTC), "2021-12-28T00:00:00+08:00"}, // 00:30 on the 10th in Beijing
		{time.Date(2022, 3, 1, 12, 0, 0, 0, adapters.Beijing), "2022-02-16T00:00:00+08:00"},
		{time.Date(2022, 6, 28, 23, 59, 59, 0, adapters.Beijing), "2022-06-15T00:00:00+08:00"},
		{time.Date(2022, 6, 29, 0, 0, 0, 0, adapters.Beijing), "2022-06-23T00:00:00+08:00"},
		{time.Date(2022, 12, 12, 8, 0, 0, 0, adapters.Beijing), "2022-12-06T00:00:00+08:00"},
	}
	for _, tt := range tests {
		if got := WindowStart(tt.card).Format(time.RFC3339); got != tt.want {
			t.Errorf("WindowStart(%s) = %s, want %s", tt.card.Format(time.RFC3339), got, tt.want)
		}
	}
}

func TestParseCities(t *testing.T) {
	tests := []struct {
		list, seps string
		want       string // codes, starred ones with *
	}{
		{"陕西省西安市*，北京市", "，,", "610100* 110000"},
		{"陕西省西安市*, 北京市 ,天津市＊", "，,", "610100* 110000 120000*"},
		{" 陕西西安 * |北京", "|", "610100* 110000"},
		{"湖北省仙桃市、香港特别行政区、新疆维吾尔自治区巴音郭楞蒙古自治州", "、", "429004 810000 652800"},
		{"吉林吉林|吉林长春", "|", "220200 220100"},
		{"巴州|博州|恩施州", "|", "652800 652700 422800"},
	}
	for _, tt := range tests {
		cities, err := parseCities(tt.list, tt.seps)
		if err != nil {
			t.Errorf("parseCities(%q): %v", tt.list, err)
			continue
		}
		var got []string
		for _, c := range cities {
			s := c.Code
			if c.Starred {
				s += "*"
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("parseCities(%q) = %v, want %s", tt.list, got, tt.want)
		}
	}
	bad := []struct{ list, seps, want string }{
		{"", "，", "no cities"},
		{"  ", "，", "no cities"},
		{"陕西省西安市，", "，", "city 2: empty city name"},
		{"*", "，", "city 1: empty city name"},
		{"陕西省西安市**", "，", "risk mark inside (7 characters, not shown)"},
		{"陕西*西安", "，", "risk mark inside"},
		{"陕西省西安市|北京市", "，", "unknown city (10 characters, not shown)"},
		{"北京市，陕西省", "，", `city 2: "陕西省" is a province, not a city`},
		{"台湾省", "，", "is a province, not a city"},
		{"13812345678", "，", "unknown city (11 characters, not shown)"},
		// A name the table lacks is never quoted: a person's name could
		// stand there, alone or inside a division's.
		{"张三", "，", "city 1: unknown city (2 characters, not shown)"},
		{"北京市，欧阳娜娜", "，", "city 2: unknown city (4 characters, not shown)"},
		{"陕西长安", "，", "unknown city (4 characters, not shown)"},
		{"陕西省张伟市", "，", "unknown city (6 characters, not shown)"},
		{"张三*李四", "，", "risk mark inside (5 characters, not shown)"},
		{"110105198503170028市", "，", "unknown city (19 characters, not shown)"},
	}
	for _, tt := range bad {
		_, err := parseCities(tt.list, tt.seps)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseCities(%q) error = %v, want %q", tt.list, err, tt.want)
		}
	}
}

// TestStarChangesNothing decodes the same cards with and without stars.
func TestStarChangesNothing(t *testing.T) {
	opts := adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)}
	payload := func(cities string) []byte {
		return []byte(`{"fileId":"CMCC-1","provCode":"610000","records":[{"seq":"1","certType":"01","certNo":"610113198801010012","queryTime":"2022-01-10 09:00:00","cities":"` + cities + `"}]}`)
	}
	plain, err := Adapter{}.Decode(payload("陕西省西安市，北京市"), opts)
	if err != nil {
		t.Fatal(err)
	}
	starred, err := Adapter{}.Decode(payload("陕西省西安市*，北京市＊"), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(starred.Batch.Events) != 2 || len(starred.Batch.Statuses) != 0 || len(starred.Batch.RiskAreas) != 0 {
		t.Fatalf("starred card gave %d events, %d statuses, %d risk areas", len(starred.Batch.Events), len(starred.Batch.Statuses), len(starred.Batch.RiskAreas))
	}
	adaptertest.CompareBatch(t, &plain.Batch, &starred.Batch)
}

// TestNoPersonalData checks that phone numbers and names, which every
// layout carries, never reach a decoded batch or a rejection, whatever
// field they are put in.
func TestNoPersonalData(t *testing.T) {
	people := synth.People(3, 30, synth.Options{
		Region: receiving, EventKinds: []string{schema.KindCarrierCity}, Places: cityPlaces(t),
	})
	for _, c := range []Carrier{CMCC, CUCC, CTCC} {
		raw, err := EncodeAs(c, people, adapters.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var phones []string
		for _, prefix := range []string{"138", "186", "189"} {
			for _, p := range people {
				phones = append(phones, string(phone(prefix, p.DocNumber)))
			}
		}
		res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(res)
		var msgs strings.Builder
		for _, r := range res.Rejected {
			msgs.WriteString(r.Error())
		}
		for _, p := range people {
			if strings.Contains(string(out), p.Name) || strings.Contains(msgs.String(), p.Name) {
				t.Errorf("%s: a name reached the result", c)
			}
		}
		for _, ph := range phones {
			if strings.Contains(string(out), ph) || strings.Contains(msgs.String(), ph) {
				t.Errorf("%s: a phone number reached the result", c)
			}
		}
	}
	const ph = "13812345678"
	raw := []byte(`{"fileId":"CMCC-1","provCode":"610000","records":[
		{"seq":"1","msisdn":"` + ph + `","certType":"01","certNo":"` + ph + `","queryTime":"2022-01-10 09:00:00","cities":"北京市"},
		{"seq":"2","msisdn":"` + ph + `","certType":"01","certNo":"610113198801010012","queryTime":"` + ph + `","cities":"北京市"},
		{"seq":"3","msisdn":"` + ph + `","certType":"` + ph + `","certNo":"610113198801010012","queryTime":"2022-01-10 09:00:00","cities":"北京市"},
		{"seq":"4","msisdn":` + ph + `,"certType":"01","certNo":"610113198801010012","queryTime":"2022-01-10 09:00:00","cities":"` + ph + `"}]}`)
	res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rejected) != 4 {
		t.Fatalf("%d rejected, want 4: %v", len(res.Rejected), res.Rejected)
	}
	for _, r := range res.Rejected {
		if strings.Contains(r.Error(), ph) {
			t.Errorf("rejection %q repeats a phone number", r.Error())
		}
	}
}

func TestDetectsCarrier(t *testing.T) {
	people := synth.People(5, 10, synth.Options{
		Region: receiving, EventKinds: []string{schema.KindCarrierCity}, Places: cityPlaces(t),
	})
	for _, c := range []Carrier{CMCC, CUCC, CTCC} {
		raw, err := EncodeAs(c, people, adapters.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		// Leading blank lines and a byte-order mark change nothing.
		raw = append([]byte("\xef\xbb\xbf\n\n"), raw...)
		res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		if len(res.Rejected) > 0 || len(res.Batch.Events) == 0 {
			t.Fatalf("%s: %d rejected, %d events", c, len(res.Rejected), len(res.Batch.Events))
		}
		for _, e := range res.Batch.Events {
			if e.Source.System != c.System() {
				t.Fatalf("%s export decoded as %s", c, e.Source.System)
			}
		}
		if res.Batch.Region != receiving {
			t.Errorf("%s: batch region %s, want %s", c, res.Batch.Region, receiving)
		}
	}
}

func TestCountMismatchWarns(t *testing.T) {
	raw := []byte(`{"file_no":"CU-1","prov_code":"61","rec_num":2}` + "\n")
	res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0].Error(), "header says 2 records, payload holds 0") {
		t.Errorf("warnings = %v", res.Warnings)
	}
	if res.Batch.BatchID != "CU-1" || res.Batch.Region != "610000" {
		t.Errorf("batch %s region %s", res.Batch.BatchID, res.Batch.Region)
	}
}

func TestEncodeRefuses(t *testing.T) {
	places := cityPlaces(t)
	good := adapters.Person{DocType: schema.DocResidentID, DocNumber: "610113198801010012", Events: []schema.Event{{
		Region: receiving, Kind: schema.KindCarrierCity, Place: places[0],
		Start: time.Date(2022, 1, 10, 8, 0, 0, 0, adapters.Beijing),
	}}}
	tests := []struct {
		name   string
		change func(p *adapters.Person)
		want   string
	}{
		{"hk id", func(p *adapters.Person) { p.DocType = schema.DocHKID }, "cannot carry document type hk_id"},
		{"venue scan", func(p *adapters.Person) { p.Events[0].Kind = schema.KindVenueScan }, "kind venue_scan cannot be written"},
		{"district", func(p *adapters.Person) {
			p.Events[0].Place = schema.Place{ID: "CITY-610113", Region: "610113"}
		}, `place region "610113" is not a city-level division`},
		{"province", func(p *adapters.Person) {
			p.Events[0].Place = schema.Place{ID: "CITY-610000", Region: "610000"}
		}, `place region "610000" is not a city-level division`},
		{"wrong place ID", func(p *adapters.Person) { p.Events[0].Place.ID = "610100-V-000001" }, "is not CITY-610100"},
		{"city as receiving region", func(p *adapters.Person) { p.Events[0].Region = "610100" }, "is not a province code"},
		{"two receiving regions", func(p *adapters.Person) {
			e := p.Events[0]
			e.Region = "110000"
			p.Events = append(p.Events, e)
		}, "events of two receiving provinces"},
		{"no start", func(p *adapters.Person) { p.Events[0].Start = time.Time{} }, "no start"},
		{"no events", func(p *adapters.Person) { p.Events = nil }, "no events to write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			p.Events = append([]schema.Event(nil), good.Events...)
			tt.change(&p)
			_, err := EncodeAs(CMCC, []adapters.Person{p}, adapters.EncodeOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := EncodeAs("cmcc-hk", []adapters.Person{good}, adapters.EncodeOptions{}); err == nil {
		t.Error("unknown carrier accepted")
	}
	p := good
	p.Events = []schema.Event{good.Events[0]}
	p.Events[0].Start = p.Events[0].Start.Add(time.Millisecond)
	for _, c := range []Carrier{CMCC, CUCC} {
		if _, err := EncodeAs(c, []adapters.Person{p}, adapters.EncodeOptions{}); err == nil || !strings.Contains(err.Error(), "whole seconds") {
			t.Errorf("%s: error = %v, want whole seconds", c, err)
		}
	}
	if _, err := EncodeAs(CTCC, []adapters.Person{p}, adapters.EncodeOptions{}); err != nil {
		t.Errorf("ctcc refused milliseconds: %v", err)
	}
}

func TestCityNames(t *testing.T) {
	ds := func(codes ...string) []schema.Division {
		var out []schema.Division
		for _, c := range codes {
			d, _ := schema.LookupDivision(c)
			out = append(out, d)
		}
		return out
	}
	cities := ds("610100", "110000", "429004", "810000", "652800")
	if got, want := cityList(cities, false, "，"), "陕西省西安市，北京市，湖北省仙桃市，香港特别行政区，新疆维吾尔自治区巴音郭楞蒙古自治州"; got != want {
		t.Errorf("full names %s, want %s", got, want)
	}
	if got, want := cityList(cities, true, "|"), "陕西西安|北京|湖北仙桃|香港|新疆巴音郭楞"; got != want {
		t.Errorf("short names %s, want %s", got, want)
	}
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	var people []adapters.Person
	for _, p := range synth.People(11, 3*records, synth.Options{
		Region:     receiving,
		EventKinds: []string{schema.KindCarrierCity},
		Places:     cityPlaces(b),
	}) {
		if len(p.Events) > 0 && len(people) < records {
			people = append(people, p)
		}
	}
	for _, c := range []Carrier{CMCC, CUCC, CTCC} {
		b.Run(string(c), func(b *testing.B) {
			raw, err := EncodeAs(c, people, adapters.EncodeOptions{})
			if err != nil {
				b.Fatal(err)
			}
			res := adaptertest.BenchmarkDecode(b, Adapter{}, raw, records)
			b.ReportMetric(float64(len(res.Batch.Events))/records, "events/record")
		})
	}
}
