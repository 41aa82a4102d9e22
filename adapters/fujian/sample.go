package fujian

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// labs are Fujian testing institutions that sampled people were tested at.
var labs = []string{"福建省立医院", "厦门大学附属中山医院", "泉州市第一医院", "福州市鼓楼区核酸采样点"}

// Sample implements adapters.Sampler: Fujian people with every document
// type certType names, times to the second, a testing institution on most
// tests, several reasons on some codes, and no events, which the format
// does not carry.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:   Region,
		System:   System,
		DocTypes: []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		Start:    start,
		Days:     synth.DaysIn(span),
	})
	for i := range people {
		p := &people[i]
		p.Events = nil
		st := &p.Statuses[0]
		if st.NAT != nil && i%4 != 0 {
			st.NAT.Lab = labs[i%len(labs)]
		}
		if st.Vaccination != nil && st.Vaccination.Doses >= 2 && st.Color == schema.Green && i%3 == 0 {
			st.Reasons = append(st.Reasons, schema.ReasonVaccinated)
		}
	}
	synth.LatePermits(people, seed, "H", 10, "CAN")
	return people
}
