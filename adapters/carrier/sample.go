package carrier

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// sampleCities are the cities synthetic subscribers travel between: the
// seats of the regions codefed has formats for.
var sampleCities = []string{"610100", "330100", "310000", "110000", "440100", "440300", "350100", "370100", "120000", "460100", "230100"}

// Sample implements adapters.Sampler: subscribers received in Shaanxi whose
// 14-day cards list cities across the country.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	var places []schema.Place
	for _, code := range sampleCities {
		if d, ok := schema.LookupDivision(code); ok && d.Code == code {
			places = append(places, schema.Place{ID: "CITY-" + code, Name: d.Name, Region: code, Lat: d.Lat, Lon: d.Lon})
		}
	}
	people := synth.People(seed, n, synth.Options{
		Region:          "610000",
		DocTypes:        []string{schema.DocResidentID, schema.DocPassport, schema.DocTaiwanPermit},
		EventsPerPerson: 4,
		EventKinds:      []string{schema.KindCarrierCity},
		Places:          places,
		Start:           start,
		Days:            synth.DaysIn(span),
	})
	// A card needs at least one city: give everyone a stay in the first
	// one, a day into the window.
	for i := range people {
		if len(people[i].Events) == 0 {
			at := start.Add(24 * time.Hour).Add(time.Duration(i) * time.Minute).Truncate(time.Second)
			people[i].Events = []schema.Event{{Region: "610000", Kind: schema.KindCarrierCity, Place: places[0],
				Start: at, End: at.Add(2 * time.Hour)}}
		}
	}
	return people
}
