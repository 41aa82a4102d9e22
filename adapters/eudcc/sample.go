package eudcc

import (
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

var _ adapters.Sampler = Adapter{}

// Sample implements adapters.Sampler: inbound travellers through Shenzhen
// with one certificate each.
func (Adapter) Sample(seed uint64, n int, start time.Time, span time.Duration) []adapters.Person {
	return shapeDCC(synth.People(seed, n, synth.Options{
		DocTypes: sampleDocTypes,
		Region:   DefaultRegion,
		System:   "synth",
		Start:    start,
		Days:     synth.DaysIn(span),
	}))
}

// latinNames stand in for the synthetic people's Chinese names, which a
// DCC can carry only transliterated: Encode transliterates Latin script and
// refuses anything else.
var latinNames = []string{"Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jing", "Yang Lei", "Zhao Li", "Huang Xiuying"}

// sampleDocTypes are the documents a border checkpoint scans beside a DCC.
var sampleDocTypes = []string{schema.DocPassport, schema.DocHKMacauPermit, schema.DocTaiwanPermit, schema.DocResidentID, schema.DocHKID, schema.DocMacauID}

// shapeDCC shapes synthetic people into what a DCC can carry: one
// certificate per status, a test (green negative, red positive), a
// vaccination (green complete, yellow incomplete) or a recovery (green),
// and Latin names; every fifth person has no document beside the
// certificate.
func shapeDCC(people []adapters.Person) []adapters.Person {
	for i := range people {
		p := &people[i]
		p.Name = latinNames[i%len(latinNames)]
		if i%5 == 4 {
			// No document scanned: the certificate identifies the holder.
			surname, given, _ := strings.Cut(strings.ToUpper(p.Name), " ")
			p.DocType, p.DocNumber = schema.DocDCCHolder, surname+"<<"+given+"/"+p.BirthDate
		}
		st := &p.Statuses[0]
		switch {
		case st.Color == schema.Red:
			st.Vaccination = nil // a positive test
		case st.Color == schema.Yellow:
			st.NAT = nil // an incomplete vaccination
			if st.Vaccination.Doses == 0 {
				st.Vaccination = &schema.Vaccination{Doses: 1, LastDoseAt: st.IssuedAt.AddDate(0, -1, 0).Format(time.DateOnly)}
			}
		case i%3 == 0: // a negative test
			st.Vaccination = nil
			st.NAT.Result = schema.NATNegative
		case i%3 == 1 && st.Vaccination.Doses > 0: // a complete vaccination
			st.NAT = nil
		default: // a recovery
			st.NAT, st.Vaccination = nil, nil
			st.Reasons = []string{schema.ReasonRecovered}
		}
	}
	return people
}
