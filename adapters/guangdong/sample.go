package guangdong

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// node is an exporting node of 粤康码 and the places its scans are made at:
// a 场所码 at venues, TRANSIT at stations and ports, CHECKPOINT at 卡口.
type node struct {
	area  string
	sites []synth.Site
}

// nodes are the exporting nodes Sample draws from: Shenzhen's and
// Guangzhou's, and the province's own for the rest of Guangdong.
var nodes = []node{
	{Shenzhen, []synth.Site{
		{Kind: schema.KindTransit, Place: schema.Place{ID: "440305-P-0001", Name: "深圳湾口岸", Region: "440305", Lat: 22.5034, Lon: 113.9465}},
		{Kind: schema.KindVenueScan, Place: schema.Place{ID: "440304-V-000321", Name: "福田 COCO Park & 购物公园", Region: "440304008"}},
		{Kind: schema.KindTransit, Place: schema.Place{ID: "440303-P-0002", Name: "罗湖口岸", Region: "440303", Lat: 22.5317, Lon: 114.1136}},
		{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "440307-K-0012", Name: "布吉街道社区卡口", Region: "440307"}},
	}},
	{Guangzhou, []synth.Site{
		{Kind: schema.KindVenueScan, Place: schema.Place{ID: "440106-V-000001", Name: "天河城", Region: "440106", Lat: 23.1322, Lon: 113.3238}},
		{Kind: schema.KindTransit, Place: schema.Place{ID: "440104-T-0001", Name: "广州站", Region: "440104"}},
		{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "440111-K-0005", Name: "京溪街社区卡口", Region: "440111"}},
	}},
	{Region, []synth.Site{
		{Kind: schema.KindTransit, Place: schema.Place{ID: "440402-P-0001", Name: "拱北口岸", Region: "440402", Lat: 22.2155, Lon: 113.5494}},
		{Kind: schema.KindVenueScan, Place: schema.Place{ID: "440604-V-000018", Name: "佛山祖庙", Region: "440604"}},
		{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "440281-K-0001", Name: "京港澳高速乐昌入粤卡口", Region: "440281", Lat: 25.1300, Lon: 113.3500}},
	}},
}

// Sample implements adapters.Sampler: people with every document type the
// export codes, many of them from Hong Kong and Macau, one provincial
// status each (440000), times to the second, and some in risk groups. An
// export comes from one node, so all scans are made where one node
// exports: Shenzhen, Guangzhou or the province, by seed.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	nd := nodes[seed%uint64(len(nodes))]
	people := synth.People(seed, n, synth.Options{
		Region:      Region,
		System:      System,
		DocTypes:    []string{schema.DocResidentID, schema.DocHKMacauPermit, schema.DocHKID, schema.DocMacauID, schema.DocPassport, schema.DocTaiwanPermit},
		EventKinds:  []string{schema.KindVenueScan},
		Places:      synth.Places(nd.sites),
		Start:       start,
		Days:        synth.DaysIn(span),
		Granularity: time.Second,
	})
	synth.SetKinds(people, nd.sites)
	for i := range people {
		for j := range people[i].Events {
			people[i].Events[j].Region = nd.area
		}
	}
	addRiskGroups(people)
	return people
}

// addRiskGroups gives some people risk groups beyond what the generator
// draws (its yellows are close contacts): a green turned yellow by two
// groups, and a red with a group beside its positive test.
func addRiskGroups(people []adapters.Person) {
	for i := range people {
		st := &people[i].Statuses[0]
		switch {
		case i%5 == 1 && st.Color == schema.Green:
			st.Color, st.Reasons = schema.Yellow, []string{schema.ReasonFromRiskArea, schema.ReasonInbound}
		case i%3 == 0 && st.Color == schema.Red:
			st.Reasons = append(st.Reasons, schema.ReasonSecondaryContact)
		}
	}
}
