package macau

import (
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// places are venues the export can carry: in Macau, named in Traditional
// characters.
var places = []schema.Place{
	{ID: "MO-V-000001", Name: "新馬路郵政局", Region: region},
	{ID: "MO-V-000002", Name: "鏡湖醫院", Region: region},
	{ID: "MO-V-000003", Name: "關閘邊檢大樓", Region: region},
	{ID: "MO-V-000004", Name: "氹仔客運碼頭", Region: region},
	{ID: "MO-V-000005", Name: "大三巴牌坊", Region: region},
}

// Sample implements adapters.Sampler: Macau residents and visitors with
// the documents the export knows, scanning venue codes in Macau.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	return synth.People(seed, n, synth.Options{
		Region:   region,
		System:   system,
		DocTypes: []string{schema.DocMacauID, schema.DocHKMacauPermit, schema.DocHKID, schema.DocPassport},
		Start:    start,
		Days:     synth.DaysIn(span),
		Places:   places,
	})
}
