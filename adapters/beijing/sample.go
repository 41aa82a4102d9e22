package beijing

import (
	"fmt"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// site is a place and the kind of scan made there: a 场所码 at venues, a
// check at the 进京检查站 on the roads into the city.
type site struct {
	kind  string
	place schema.Place
}

// sites are the Beijing places sampled people are seen at, in every shape
// a scan carries: with and without coordinates, a district or a street.
var sites = []site{
	{schema.KindVenueScan, schema.Place{ID: "110105-V-000123", Name: "朝阳大悦城", Region: "110105", Lat: 39.9244, Lon: 116.5183}},
	{schema.KindVenueScan, schema.Place{ID: "110101-V-000007", Name: "王府井百货", Region: "110101001"}},
	{schema.KindVenueScan, schema.Place{ID: "110108-V-000042", Name: "中关村 & 海淀黄庄", Region: "110108", Lat: 39.9753, Lon: 116.3174}},
	{schema.KindCheckpoint, schema.Place{ID: "110228-J-0003", Name: "京承高速密云检查站", Region: "110228"}},
	{schema.KindCheckpoint, schema.Place{ID: "110111-J-0001", Name: "京港澳高速琉璃河检查站", Region: "110111", Lat: 39.6046, Lon: 116.0352}},
}

// Sample implements adapters.Sampler: people with every document type the
// export codes, times to the millisecond, scans at Beijing venues and
// entry checkpoints, and some yellows that are pop-ups (弹窗1-3) rather
// than home observation.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	places := make([]schema.Place, len(sites))
	for i, s := range sites {
		places[i] = s.place
	}
	people := synth.People(seed, n, synth.Options{
		Region:      Region,
		System:      System,
		DocTypes:    []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		EventKinds:  []string{schema.KindVenueScan},
		Places:      places,
		Start:       ceil(start, time.Millisecond),
		Days:        max(1, int(span/(24*time.Hour))),
		Granularity: time.Millisecond,
	})
	for i := range people {
		for j := range people[i].Events {
			ev := &people[i].Events[j]
			for _, s := range sites {
				if s.place.ID == ev.Place.ID {
					ev.Kind = s.kind
				}
			}
		}
	}
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

// ceil returns the first instant at or after t that is a whole multiple of
// d, so that times truncated to d do not fall before t.
func ceil(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); c.Before(t) {
		return c.Add(d)
	}
	return t
}
