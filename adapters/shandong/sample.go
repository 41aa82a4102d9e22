package shandong

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// Sample implements adapters.Sampler: people with the documents the
// export knows and one status each; the export carries no events.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:   region,
		System:   system,
		DocTypes: []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit},
		Start:    start,
		Days:     synth.DaysIn(span),
	})
	for i := range people {
		people[i].Events = nil
	}
	return people
}
