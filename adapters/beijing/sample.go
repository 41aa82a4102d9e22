package beijing

import (
	"fmt"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// sites are the Beijing places sampled people are seen at, in every shape
// a scan carries: with and without coordinates, a district or a street. A
// 场所码 is scanned at venues, a check made at the 进京检查站 on the roads
// into the city.
var sites = []synth.Site{
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "110105-V-000123", Name: "朝阳大悦城", Region: "110105", Lat: 39.9244, Lon: 116.5183}},
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "110101-V-000007", Name: "王府井百货", Region: "110101001"}},
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "110108-V-000042", Name: "中关村 & 海淀黄庄", Region: "110108", Lat: 39.9753, Lon: 116.3174}},
	{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "110228-J-0003", Name: "京承高速密云检查站", Region: "110228"}},
	{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "110111-J-0001", Name: "京港澳高速琉璃河检查站", Region: "110111", Lat: 39.6046, Lon: 116.0352}},
}

// Sample implements adapters.Sampler: people with every document type the
// export codes, times to the millisecond, scans at Beijing venues and
// entry checkpoints, and some yellows that are pop-ups (弹窗1-3) rather
// than home observation.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:      Region,
		System:      System,
		DocTypes:    []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		EventKinds:  []string{schema.KindVenueScan},
		Places:      synth.Places(sites),
		Start:       start,
		Days:        synth.DaysIn(span),
		Granularity: time.Millisecond,
	})
	synth.SetKinds(people, sites)
	popUps(people)
	return people
}

// popUps turns every other yellow into a pop-up, the one yellow the
// synthetic generator does not produce by itself, cycling through the
// three kinds.
func popUps(people []adapters.Person) {
	for i := range people {
		st := &people[i].Statuses[0]
		if st.Color != schema.Yellow || i%2 != 0 {
			continue
		}
		kind := fmt.Sprint(1 + i/2%3)
		st.Reasons = []string{schema.ReasonCannotConfirm}
		st.Local = &schema.Local{Label: "弹窗" + kind, Code: kind}
	}
}
