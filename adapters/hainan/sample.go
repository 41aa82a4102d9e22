package hainan

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// places are where the sampled people are seen: the arrival checks at the
// island's ports and airport, a venue, a train and a hotel.
var places = []schema.Place{
	{ID: "HK-PORT-XINHAI", Name: "新海港入琼查验点", Region: "460105", Lat: 19.9972, Lon: 110.1483},
	{ID: "HAK-T2-ARRIVAL", Name: "海口美兰国际机场入琼查验点", Region: "460108", Lat: 19.9349, Lon: 110.4590},
	{ID: "460106-V-000123", Name: "海口日月广场", Region: "460106"},
	{ID: "TRAIN-D7345", Name: "海口-三亚环岛高铁D7345", Region: "460000"},
	{ID: "HOTEL-460202-0088", Name: "三亚湾椰林酒店", Region: "460202"},
}

// Sample implements adapters.Sampler: people with every document type the
// layout codes, times to the minute, and every event kind it codes.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	return synth.People(seed, n, synth.Options{
		Region:      region,
		System:      system,
		DocTypes:    []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocHKID, schema.DocMacauID},
		EventKinds:  []string{schema.KindCheckpoint, schema.KindVenueScan, schema.KindTransit, schema.KindStay},
		Places:      places,
		Start:       start,
		Days:        synth.DaysIn(span),
		Granularity: time.Minute,
	})
}
