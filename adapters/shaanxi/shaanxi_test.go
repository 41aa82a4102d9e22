package shaanxi

import (
	"errors"
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

// firstGeneration turns an 18-digit resident ID of someone born in the
// 1900s into the 15-digit card it replaced.
func firstGeneration(id string) (string, bool) {
	if len(id) != 18 || id[6:8] != "19" {
		return "", false
	}
	return id[:6] + id[8:17], true
}

// window is the time span sampled people are issued codes in.
var window = struct {
	start time.Time
	span  time.Duration
}{time.Date(2021, 12, 20, 7, 30, 0, 0, adapters.Beijing), 16 * 24 * time.Hour}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	labels := map[string]string{schema.Green: "绿码", schema.Yellow: "黄码", schema.Red: "红码"}
	codes := map[string]string{schema.Green: "0", schema.Yellow: "1", schema.Red: "2"}
	for _, seed := range []uint64{1, 2, 3, 42, 2022} {
		people := Adapter{}.Sample(seed, 200, window.start, window.span)
		seen := map[string]bool{}
		for i := range people {
			seen[people[i].DocType] = true
			st := &people[i].Statuses[0]
			if st.IssuedAt.Before(window.start) || !st.IssuedAt.Before(window.start.Add(window.span)) {
				t.Fatalf("seed %d: issued_at %v outside the sampled window", seed, st.IssuedAt)
			}
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
				st.Region = "610113"
			}
		}
		if len(seen) != len(docTypes) {
			t.Errorf("seed %d: sampled document types %v, want all %d the format codes", seed, seen, len(docTypes))
		}
		wantStatuses, _ := adaptertest.Expected(t, subjects, people)
		for i := range wantStatuses {
			st := &wantStatuses[i]
			st.Local = &schema.Local{Label: labels[st.Color], Code: codes[st.Color]}
		}
		// First-generation cards must map to the subject of the card that
		// replaced them: encode some people with their 15-digit card after
		// the expectation is fixed.
		old := 0
		for i := range people {
			if people[i].DocType != schema.DocResidentID || i%3 != 0 {
				continue
			}
			if id15, ok := firstGeneration(people[i].DocNumber); ok {
				people[i].DocNumber = id15
				old++
			}
		}
		if old == 0 {
			t.Fatalf("seed %d: no 15-digit IDs in the population", seed)
		}
		// The feed carries no events.
		adaptertest.RoundTrip(t, Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{Subjects: subjects}, wantStatuses, nil)
	}
}

func TestZonelessTimesAreBeijing(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("PST", -8*3600)
	defer func() { time.Local = saved }()
	res := decode(t, `{"xzqhdm":"610100","jllb":[{"jlid":"1","zjlx":"01","zjhm":"610113198801010012","mys":"0",
		"fmsj":"2022-01-04 00:30:00","yxqz":"2022-01-05 00:30:00","hsjcjg":"阴性","cysj":"2022-01-03 23:59:59"}]}`, adapters.DecodeOptions{})
	if len(res.Batch.Statuses) != 1 {
		t.Fatalf("got %d statuses, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	st := res.Batch.Statuses[0]
	if got, want := st.IssuedAt.UTC(), time.Date(2022, 1, 3, 16, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("issued_at = %v, want %v", got, want)
	}
	if got := st.IssuedAt.Format(time.RFC3339); got != "2022-01-04T00:30:00+08:00" {
		t.Errorf("issued_at written as %s, want the +08:00 offset kept", got)
	}
	if got := st.NAT.SampledAt.Format(time.RFC3339); got != "2022-01-03T23:59:59+08:00" {
		t.Errorf("sampled_at = %s", got)
	}
}

func TestFirstGenerationIDSameSubject(t *testing.T) {
	res := decode(t, `{"xzqhdm":"610100","jllb":[
		{"jlid":"old","zjlx":"01","zjhm":"610113550817123","mys":"0","fmsj":"2022-01-04 09:00:00"},
		{"jlid":"new","zjlx":"01","zjhm":"610113195508171235","mys":"0","fmsj":"2022-01-04 09:00:00"}]}`, adapters.DecodeOptions{})
	if len(res.Batch.Statuses) != 2 {
		t.Fatalf("got %d statuses, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	if a, b := res.Batch.Statuses[0].Subject, res.Batch.Statuses[1].Subject; a != b {
		t.Errorf("15-digit and 18-digit cards of one person got subjects %s and %s", a, b)
	}
}

func TestRejectionsNeverCarryDocumentNumbers(t *testing.T) {
	const id = "610113198801010013" // wrong check digit
	res := decode(t, `{"xzqhdm":"610100","jllb":[
		{"jlid":"1","zjlx":"01","zjhm":"`+id+`","mys":"0","fmsj":"2022-01-04 09:00:00"},
		{"jlid":"2","zjlx":"01","zjhm":`+id+`,"mys":"0","fmsj":"2022-01-04 09:00:00"},
		{"jlid":"3","zjlx":"02","zjhm":"E1","mys":"0","fmsj":"2022-01-04 09:00:00"}]}`, adapters.DecodeOptions{})
	if len(res.Rejected) != 3 {
		t.Fatalf("rejected %d records, want 3: %v", len(res.Rejected), res.Rejected)
	}
	for _, r := range res.Rejected {
		if r.Field != "zjhm" {
			t.Errorf("record %d rejected on field %q, want zjhm", r.Index, r.Field)
		}
		if msg := r.Error(); strings.Contains(msg, id) || strings.Contains(msg, "E1") {
			t.Errorf("rejection repeats the document number: %s", msg)
		}
	}
	if !errors.Is(res.Rejected[0].Err, schema.ErrInvalidDocument) {
		t.Errorf("bad check digit: %v, want ErrInvalidDocument", res.Rejected[0].Err)
	}
}

func TestWarnings(t *testing.T) {
	res := decode(t, `{"xzqhdm":"610100","jls":3,"jllb":[
		{"jlid":"1","zjlx":"01","zjhm":"610113198801010012","mys":"2","fmyy":["核酸检测阳性","到访过某地"],
		 "fmsj":"2022-01-04 09:00:00","cysj":"2022-01-03 09:00:00","mcjzrq":"2021-10-01"}]}`, adapters.DecodeOptions{})
	if len(res.Rejected) != 0 || len(res.Batch.Statuses) != 1 {
		t.Fatalf("statuses %d, rejected %v", len(res.Batch.Statuses), res.Rejected)
	}
	st := res.Batch.Statuses[0]
	if len(st.Reasons) != 1 || st.Reasons[0] != schema.ReasonNATPositive {
		t.Errorf("reasons = %v, want only the known label mapped", st.Reasons)
	}
	if st.NAT != nil || st.Vaccination != nil {
		t.Errorf("nat %+v, vaccination %+v: want both left out", st.NAT, st.Vaccination)
	}
	var fields []string
	for _, w := range res.Warnings {
		fields = append(fields, w.Field)
	}
	if got, want := strings.Join(fields, ","), "jls,fmyy,hsjcjg,ymjzzc"; got != want {
		t.Errorf("warnings on %s, want %s: %v", got, want, res.Warnings)
	}
	if res.Warnings[0].Index != -1 {
		t.Errorf("count warning has index %d, want -1 for the envelope", res.Warnings[0].Index)
	}
}

func TestBatchID(t *testing.T) {
	const payload = `{"pch":"xa-ymt-1","xzqhdm":"610100","jllb":[]}`
	if got := decode(t, payload, adapters.DecodeOptions{}).Batch.BatchID; got != "xa-ymt-1" {
		t.Errorf("batch ID %q, want pch", got)
	}
	if got := decode(t, payload, adapters.DecodeOptions{BatchID: "mine"}).Batch.BatchID; got != "mine" {
		t.Errorf("batch ID %q, want the caller's", got)
	}
	const bare = `{"xzqhdm":"610100","jllb":[]}`
	if got, want := decode(t, bare, adapters.DecodeOptions{}).Batch.BatchID, adapters.PayloadBatchID("shaanxi", []byte(bare)); got != want {
		t.Errorf("batch ID %q, want %q", got, want)
	}
}

func TestReasonTableCoversSchema(t *testing.T) {
	adaptertest.ReasonTable(t, reasonLabels, "label")
}

func TestEncodeRefuses(t *testing.T) {
	at := time.Date(2022, 1, 4, 9, 0, 0, 0, adapters.Beijing)
	good := func() adapters.Person {
		return adapters.Person{DocType: schema.DocResidentID, DocNumber: "610113198801010012", Name: "王伟",
			Statuses: []schema.Status{{Region: "610100", Color: schema.Green, IssuedAt: at, Source: schema.Source{RecordID: "1"}}}}
	}
	if _, err := (Adapter{}).Encode([]adapters.Person{good()}, adapters.EncodeOptions{}); err != nil {
		t.Fatalf("encode of a plain person: %v", err)
	}
	cases := map[string]func(p *adapters.Person){
		"has no zjlx code":     func(p *adapters.Person) { p.DocType = schema.DocDCCHolder },
		"has no mys code":      func(p *adapters.Person) { p.Statuses[0].Color = "blue" },
		"has no fmyy label":    func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"not in Shaanxi":       func(p *adapters.Person) { p.Statuses[0].Region = "330100" },
		"no record ID":         func(p *adapters.Person) { p.Statuses[0].Source.RecordID = "" },
		"no issue time":        func(p *adapters.Person) { p.Statuses[0].IssuedAt = time.Time{} },
		"fraction of a second": func(p *adapters.Person) { p.Statuses[0].IssuedAt = at.Add(time.Millisecond) },
		"has no hsjcjg label":  func(p *adapters.Person) { p.Statuses[0].NAT = &schema.NAT{Result: "unknown"} },
		"differs from the batch": func(p *adapters.Person) {
			p.Statuses = append(p.Statuses, p.Statuses[0])
			p.Statuses[1].Region = "610113"
		},
		"negative dose count":      func(p *adapters.Person) { p.Statuses[0].Vaccination = &schema.Vaccination{Doses: -1} },
		"nat.sampled_at: time has": func(p *adapters.Person) { p.Statuses[0].NAT = &schema.NAT{Result: "negative", SampledAt: at.Add(1)} },
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

func TestEncodeWritesBeijingTime(t *testing.T) {
	p := adapters.Person{DocType: schema.DocResidentID, DocNumber: "610113198801010012", Name: "王伟",
		Statuses: []schema.Status{{Region: "610100", Color: schema.Green, Source: schema.Source{RecordID: "1"},
			IssuedAt: time.Date(2022, 1, 3, 16, 30, 0, 0, time.UTC)}}}
	b, err := Adapter{}.Encode([]adapters.Person{p}, adapters.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"fmsj":"2022-01-04 00:30:00"`) {
		t.Errorf("a UTC issue time was not written as Beijing wall time: %s", b)
	}
	if !strings.Contains(string(b), `"xm":"王伟"`) {
		t.Errorf("the holder's name was not written: %s", b)
	}
}

func TestRegistered(t *testing.T) {
	adaptertest.Registered(t, Adapter{})
}

func FuzzDecode(f *testing.F) {
	adaptertest.FuzzGolden(f, Adapter{}, "testdata/golden", adapters.DecodeOptions{})
}

func BenchmarkDecode(b *testing.B) {
	const records = 1000
	people := Adapter{}.Sample(7, records, window.start, window.span)
	raw, err := Adapter{}.Encode(people, adapters.EncodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	adaptertest.BenchmarkDecode(b, Adapter{}, raw, records)
}
