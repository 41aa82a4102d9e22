package zhejiang

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// venues are Zhejiang places with a venue code, in every shape a scan
// carries: with and without coordinates, a name, a township-level area.
var venues = []schema.Place{
	{ID: "330106-V-000123", Name: "西湖银泰城", Region: "330106001", Lat: 30.2592, Lon: 120.1647},
	{ID: "330102-V-000007", Name: "河坊街", Region: "330102", Lat: 30.2417, Lon: 120.169},
	{ID: "330109-V-000001", Name: "杭州萧山国际机场T3", Region: "330109", Lat: 30.2295, Lon: 120.4344},
	{ID: "330108-V-000042", Name: "滨江区政务服务中心", Region: "330108"},
	{ID: "330203-V-000009", Name: "宁波站", Region: "330203", Lat: 29.8633, Lon: 121.5563},
	{ID: "330110-V-000300", Region: "330110003"},
}

// Sample implements adapters.Sampler: Hangzhou people with every document
// type idType names, times to the millisecond, up to four venue scans
// each (some still inside, without a leave time), and some visitors who
// only scanned and hold no Zhejiang code.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:          "330100",
		System:          System,
		DocTypes:        []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		EventsPerPerson: 4,
		EventKinds:      []string{schema.KindVenueScan},
		Places:          venues,
		Start:           start,
		Days:            synth.DaysIn(span),
		Granularity:     time.Millisecond,
	})
	for i := range people {
		p := &people[i]
		if st := &p.Statuses[0]; st.NAT != nil && i%3 == 0 {
			st.NAT.Lab = "浙江大学医学院附属第一医院"
		}
		if len(p.Events) > 0 && i%5 == 0 {
			p.Events[len(p.Events)-1].End = time.Time{}
		}
		if len(p.Events) > 0 && i%6 == 5 {
			p.Statuses = nil
		}
	}
	synth.LatePermits(people, seed, "M", 8, "GBR")
	return people
}
