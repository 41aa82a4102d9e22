package tianjin

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// venues are Tianjin places in every shape the format carries: with and
// without a street, coordinates and a name.
var venues = []schema.Place{
	{ID: "120101-V-000123", Name: "滨江道购物中心", Region: "120101001", Lat: 39.1206, Lon: 117.2008},
	{ID: "120103-V-000045", Name: "天津文化中心", Region: "120103", Lat: 39.0856, Lon: 117.2035},
	{ID: "120116-V-000888", Name: "于家堡站", Region: "120116001"},
	{ID: "120102-V-000007", Region: "120102"},
	{ID: "120119-V-000301", Name: "独乐寺", Region: "120119", Lat: 40.0437, Lon: 117.4011},
}

// Sample implements adapters.Sampler: people with the documents the scan log
// knows, scanning Tianjin venues; some scans fall inside a status, so the
// colour shown at the scan is carried too.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	return synth.People(seed, n, synth.Options{
		Region:          Region,
		DocTypes:        []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit},
		EventsPerPerson: 4,
		EventKinds:      []string{schema.KindVenueScan},
		Places:          venues,
		Start:           start,
		Days:            synth.DaysIn(span),
	})
}
