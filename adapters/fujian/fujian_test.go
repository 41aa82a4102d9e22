package fujian

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

func decode(t *testing.T, payload string) *adapters.Result {
	t.Helper()
	return adaptertest.Decode(t, Adapter{}, []byte(payload), adapters.DecodeOptions{})
}

// page wraps records in a successful envelope.
func page(records string, data string) string {
	return `{"code":0,"msg":"success","data":{"list":[` + records + `]` + data + `}}`
}

// window is the time span sampled people are issued codes in.
var window = struct {
	start time.Time
	span  time.Duration
}{time.Date(2021, 12, 20, 7, 30, 0, 0, adapters.Beijing), 16 * 24 * time.Hour}

func TestRoundTrip(t *testing.T) {
	subjects := adaptertest.Subjects(t)
	labels := map[string]string{schema.Green: "绿码", schema.Yellow: "黄码", schema.Red: "红码"}
	codes := map[string]string{schema.Green: "1", schema.Yellow: "2", schema.Red: "3"}
	for _, seed := range []uint64{1, 2, 3, 42, 2022} {
		people := Adapter{}.Sample(seed, 200, window.start, window.span)
		seen := map[string]bool{}
		for i := range people {
			seen[people[i].DocType] = true
			st := &people[i].Statuses[0]
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
		}
		if len(seen) != len(certTypes) {
			t.Errorf("seed %d: sampled document types %v, want all %d the format names", seed, seen, len(certTypes))
		}
		wantStatuses, _ := adaptertest.Expected(t, subjects, people)
		for i := range wantStatuses {
			st := &wantStatuses[i]
			st.Local = &schema.Local{Label: labels[st.Color], Code: codes[st.Color]}
		}
		// The format carries no events.
		adaptertest.RoundTrip(t, Adapter{}, people, adapters.EncodeOptions{}, adapters.DecodeOptions{Subjects: subjects}, wantStatuses, nil)
	}
}

func TestColourCodesStartAtOne(t *testing.T) {
	for code, want := range map[int]string{1: schema.Green, 2: schema.Yellow, 3: schema.Red} {
		res := decode(t, page(fmt.Sprintf(`{"id":"1","certType":"身份证","certNo":"350102198507071137","codeStatus":%d,"updateTime":"20220104090000"}`, code), ""))
		if len(res.Batch.Statuses) != 1 {
			t.Fatalf("codeStatus %d rejected: %v", code, res.Rejected)
		}
		st := res.Batch.Statuses[0]
		if st.Color != want || st.Local.Code != fmt.Sprint(code) {
			t.Errorf("codeStatus %d gave %s (local %+v), want %s", code, st.Color, st.Local, want)
		}
	}
	for _, code := range []int{0, 4, -1} {
		res := decode(t, page(fmt.Sprintf(`{"id":"1","certType":"身份证","certNo":"350102198507071137","codeStatus":%d,"updateTime":"20220104090000"}`, code), ""))
		if len(res.Rejected) != 1 || res.Rejected[0].Field != "codeStatus" {
			t.Errorf("codeStatus %d: rejected %v, want a rejection on codeStatus", code, res.Rejected)
		}
	}
}

func TestTimesAreBeijing(t *testing.T) {
	saved := time.Local
	time.Local = time.FixedZone("EST", -5*3600)
	defer func() { time.Local = saved }()
	res := decode(t, page(`{"id":"1","certType":"身份证","certNo":"350102198507071137","codeStatus":1,
		"updateTime":"20220104003000","natResult":"阴性","natTime":"20220103235959","vaccineTimes":1,"lastVaccineDate":"20211231"}`, ""))
	if len(res.Batch.Statuses) != 1 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	st := res.Batch.Statuses[0]
	if got := st.IssuedAt.Format(time.RFC3339); got != "2022-01-04T00:30:00+08:00" {
		t.Errorf("issued_at %s", got)
	}
	if got, want := st.IssuedAt.UTC(), time.Date(2022, 1, 3, 16, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("issued_at is %v in UTC, want %v", got, want)
	}
	if got := st.NAT.SampledAt.Format(time.RFC3339); got != "2022-01-03T23:59:59+08:00" {
		t.Errorf("sampled_at %s", got)
	}
	if st.Vaccination.LastDoseAt != "2021-12-31" {
		t.Errorf("last_dose_at %s", st.Vaccination.LastDoseAt)
	}
}

func TestTotalMismatchWarns(t *testing.T) {
	rec := `{"id":"1","certType":"身份证","certNo":"350102198507071137","codeStatus":1,"updateTime":"20220104090000"}`
	two := rec + "," + strings.Replace(rec, `"id":"1"`, `"id":"2"`, 1)
	cases := []struct {
		name, data string
		warn       bool
	}{
		{"total matches", `,"total":2`, false},
		{"total larger", `,"total":3`, true},
		{"total smaller", `,"total":1`, true},
		{"no total", ``, false},
		{"last page of three", `,"total":22,"page":3,"pageSize":10`, false},
		{"full middle page expected", `,"total":22,"page":2,"pageSize":10`, true},
		{"page past the end", `,"total":2,"page":2,"pageSize":10`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := decode(t, page(two, c.data))
			if len(res.Batch.Statuses) != 2 {
				t.Fatalf("a count mismatch cost records: %v", res.Rejected)
			}
			var warned bool
			for _, w := range res.Warnings {
				if w.Field == "data.total" && w.Index == -1 {
					warned = true
				}
			}
			if warned != c.warn {
				t.Errorf("warned %v, want %v: %v", warned, c.warn, res.Warnings)
			}
		})
	}
}

func TestPlatformErrorWins(t *testing.T) {
	// A failed answer must not be read as an empty page, whatever it holds.
	_, err := Adapter{}.Decode([]byte(`{"data":{"list":[],"total":0},"msg":"`+strings.Repeat("错", 300)+`","code":-1}`),
		adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err == nil || !strings.Contains(err.Error(), "code -1") {
		t.Fatalf("error %v, want the platform's code", err)
	}
	if n := strings.Count(err.Error(), "错"); n != maxMsg {
		t.Errorf("error repeats %d characters of msg, want %d", n, maxMsg)
	}
}

func TestPlatformMsgRedacted(t *testing.T) {
	_, err := Adapter{}.Decode([]byte(`{"code":40400,"msg":"证件号码350102198507071137不存在,手机13800138000;appKey v2"}`),
		adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err == nil {
		t.Fatal("decode succeeded")
	}
	if got, want := err.Error(), `fujian: platform answered code 40400, msg "证件号码***不存在,手机***;appKey v2"`; got != want {
		t.Errorf("error\n got %s\nwant %s", got, want)
	}
}

func TestReasonCodes(t *testing.T) {
	res := decode(t, page(`{"id":"1","certType":"身份证","certNo":"350102198507071137","codeStatus":3,"updateTime":"20220104090000","reasonCodes":" 11 ,12,,7"}`, ""))
	if len(res.Batch.Statuses) != 1 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	if got := strings.Join(res.Batch.Statuses[0].Reasons, ","); got != "nat_positive,confirmed_case" {
		t.Errorf("reasons %s", got)
	}
	if len(res.Warnings) != 2 {
		t.Errorf("warnings %v, want one for the empty code and one for 7", res.Warnings)
	}
	adaptertest.ReasonTable(t, reasonCodes, "code")
}

func TestNoDocumentNumberInErrors(t *testing.T) {
	const id = "350102198507071138" // wrong check digit
	res := decode(t, page(`{"id":"1","certType":"身份证","certNo":"`+id+`","codeStatus":1,"updateTime":"20220104090000"},
		{"id":"2","certType":"身份证","certNo":`+id+`,"codeStatus":1,"updateTime":"20220104090000"}`, ""))
	if len(res.Rejected) != 2 {
		t.Fatalf("rejected %v", res.Rejected)
	}
	for _, r := range res.Rejected {
		if r.Field != "certNo" || strings.Contains(r.Error(), id) {
			t.Errorf("rejection %q on %q: want certNo, without the number", r.Error(), r.Field)
		}
	}
}

func TestFirstGenerationIDSameSubject(t *testing.T) {
	res := decode(t, page(`{"id":"old","certType":"身份证","certNo":"350102581212033","codeStatus":1,"updateTime":"20220104090000"},
		{"id":"new","certType":"身份证","certNo":"350102195812120333","codeStatus":1,"updateTime":"20220104090000"}`, ""))
	if len(res.Batch.Statuses) != 2 || res.Batch.Statuses[0].Subject != res.Batch.Statuses[1].Subject {
		t.Errorf("15- and 18-digit cards of one person: %+v, rejected %v", res.Batch.Statuses, res.Rejected)
	}
}

func TestEncodeRefuses(t *testing.T) {
	at := time.Date(2022, 1, 4, 9, 0, 0, 0, adapters.Beijing)
	good := func() adapters.Person {
		return adapters.Person{DocType: schema.DocResidentID, DocNumber: "350102198507071137", Name: "王伟",
			Statuses: []schema.Status{{Region: Region, Color: schema.Green, IssuedAt: at, Source: schema.Source{RecordID: "1"}}}}
	}
	if _, err := (Adapter{}).Encode([]adapters.Person{good()}, adapters.EncodeOptions{}); err != nil {
		t.Fatalf("encode of a plain person: %v", err)
	}
	cases := map[string]func(p *adapters.Person){
		"has no certType label":  func(p *adapters.Person) { p.DocType = schema.DocDCCHolder },
		"has no codeStatus":      func(p *adapters.Person) { p.Statuses[0].Color = "" },
		"has no reason code":     func(p *adapters.Person) { p.Statuses[0].Reasons = []string{schema.ReasonVisitedRiskArea} },
		"region \"350100\"":      func(p *adapters.Person) { p.Statuses[0].Region = "350100" },
		"no record ID":           func(p *adapters.Person) { p.Statuses[0].Source.RecordID = "" },
		"no issue time":          func(p *adapters.Person) { p.Statuses[0].IssuedAt = time.Time{} },
		"fraction of a second":   func(p *adapters.Person) { p.Statuses[0].ValidUntil = at.Add(time.Hour + time.Millisecond) },
		"has no natResult label": func(p *adapters.Person) { p.Statuses[0].NAT = &schema.NAT{Result: "inconclusive"} },
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
