package fujian

import (
	"fmt"
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
		Start:    ceil(start, time.Second),
		Days:     max(1, int(span/(24*time.Hour))),
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
		// synth has no generator for the two permits added last.
		switch i % 20 {
		case 7:
			p.DocType, p.DocNumber = schema.DocHomeReturnPermit, fmt.Sprintf("H%010d", (seed*7919+uint64(i)*104729)%10000000000)
		case 13:
			p.DocType, p.DocNumber = schema.DocForeignPermanentResident, fmt.Sprintf("CAN%012d", (seed*7919+uint64(i)*104729)%1000000000000)
		}
	}
	return people
}

// ceil returns the first instant at or after t that is a whole multiple of
// d, so that times truncated to d do not fall before t.
func ceil(t time.Time, d time.Duration) time.Time {
	if c := t.Truncate(d); c.Before(t) {
		return c.Add(d)
	}
	return t
}
