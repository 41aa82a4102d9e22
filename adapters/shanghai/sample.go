package shanghai

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// sites are the Shanghai places sampled people are seen at, in every shape
// a PlaceScan carries: with and without coordinates, a name, a district or
// a street. A 场所码 is scanned at venues, a 数字哨兵 (digital sentinel) at
// stations and entrances.
var sites = []synth.Site{
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "310115-V-000123", Name: "陆家嘴 & 世纪大道站", Region: "310115004", Lat: 31.2397, Lon: 121.4998}},
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "310101-V-000001", Name: "南京东路步行街", Region: "310101"}},
	{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "310104-S-0042", Name: "徐家汇地铁站", Region: "310104", Lat: 31.1957, Lon: 121.4375}},
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "310151-V-000009", Region: "310151"}},
	{Kind: schema.KindVenueScan, Place: schema.Place{ID: "310115-V-000456", Name: "浦东新区东方医院", Region: "310115", Lat: 31.2186, Lon: 121.5262}},
	{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "310112-S-0007", Name: "虹桥火车站", Region: "310112", Lat: 31.1945, Lon: 121.3201}},
}

// Reasons Sample gives yellow and red codes, each with a 随申码 reason code:
// yellows for the groups national rules gave yellow, reds for a positive
// test or a case.
var (
	yellowReasons = [][]string{
		{schema.ReasonSecondaryContact},
		{schema.ReasonFromRiskArea},
		{schema.ReasonFeverClinic},
		{schema.ReasonInbound, schema.ReasonHomeQuarantine},
	}
	redReasons = [][]string{
		{schema.ReasonNATPositive},
		{schema.ReasonConfirmedCase, schema.ReasonCentralQuarantine},
	}
)

// Sample implements adapters.Sampler: people with the four document types
// the export codes, times to the second in Beijing time, 场所码 and 数字哨兵
// scans across Shanghai, and yellow and red codes with the reasons 随申码
// gave them (a pending test listed as nat_pending).
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	people := synth.People(seed, n, synth.Options{
		Region:      Region,
		System:      System,
		DocTypes:    []string{schema.DocResidentID, schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit},
		EventKinds:  []string{schema.KindVenueScan},
		Places:      synth.Places(sites),
		Start:       start,
		Days:        synth.DaysIn(span),
		Granularity: time.Second,
	})
	synth.SetKinds(people, sites)
	for i := range people {
		st := &people[i].Statuses[0]
		switch st.Color {
		case schema.Yellow:
			st.Reasons = append([]string(nil), yellowReasons[i%len(yellowReasons)]...)
			if st.NAT != nil && st.NAT.Result == schema.NATPending {
				st.Reasons = append(st.Reasons, schema.ReasonNATPending)
			}
		case schema.Red:
			st.Reasons = append([]string(nil), redReasons[i%len(redReasons)]...)
		}
	}
	return people
}
