package shaanxi

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// labs are Xi'an testing institutions that sampled people were tested at.
var labs = []string{"西安市中心医院", "陕西省人民医院", "西安国际港务区核酸检测点", "西安市第八医院"}

// Sample implements adapters.Sampler: Xi'an people with every document type
// zjlx codes, times to the second, a testing institution on most tests, and
// no events, which the feed does not carry.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:   "610100",
		System:   System,
		DocTypes: []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		Start:    start,
		Days:     synth.DaysIn(span),
	})
	for i := range people {
		p := &people[i]
		p.Events = nil
		if st := &p.Statuses[0]; st.NAT != nil && i%4 != 0 {
			st.NAT.Lab = labs[i%len(labs)]
		}
	}
	synth.LatePermits(people, seed, "H", 8, "USA")
	return people
}
