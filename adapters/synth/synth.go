// Package synth generates deterministic synthetic people for adapters,
// region simulators and demos: valid documents (resident IDs with correct
// GB 11643 check digits, HKIDs with correct check characters, ...), names,
// health-code statuses and itinerary events.
//
// The same seed always yields the same people. Nothing here is real personal
// data; resident IDs use real division prefixes so that they validate.
package synth

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/schema"
)

// Options shape a population. Zero values take sensible defaults.
type Options struct {
	// Region is the GB/T 2260 code of the issuing region (default 610100, Xi'an).
	Region string
	// System is Source.System of generated records (default "synth").
	System string
	// DocTypes to draw documents from (default resident_id only).
	DocTypes []string
	// Colors to draw from, with green most likely (default all three).
	Colors []string
	// Start is the earliest issue time (default 2022-01-04T08:00:00+08:00);
	// everything happens within Days days after it.
	Start time.Time
	Days  int
	// EventsPerPerson is the maximum number of events per person (default 3).
	EventsPerPerson int
	// EventKinds to draw from (default venue_scan).
	EventKinds []string
	// Places to visit; default is a few places inside Region.
	Places []schema.Place
	// Granularity truncates every generated time (default one second).
	Granularity time.Duration
	// NoNAT and NoVaccination leave those parts out of statuses.
	NoNAT, NoVaccination bool
}

func (o *Options) defaults() {
	if o.Region == "" {
		o.Region = "610100"
	}
	if o.System == "" {
		o.System = "synth"
	}
	if len(o.DocTypes) == 0 {
		o.DocTypes = []string{schema.DocResidentID}
	}
	if len(o.Colors) == 0 {
		o.Colors = []string{schema.Green, schema.Yellow, schema.Red}
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2022, 1, 4, 8, 0, 0, 0, adapters.Beijing)
	}
	if o.Days == 0 {
		o.Days = 14
	}
	if o.EventsPerPerson == 0 {
		o.EventsPerPerson = 3
	}
	if len(o.EventKinds) == 0 {
		o.EventKinds = []string{schema.KindVenueScan}
	}
	if len(o.Places) == 0 {
		for i := 1; i <= 5; i++ {
			o.Places = append(o.Places, schema.Place{
				ID:     fmt.Sprintf("%s-V-%06d", o.Region, i),
				Name:   fmt.Sprintf("场所%d", i),
				Region: o.Region,
			})
		}
	}
	if o.Granularity == 0 {
		o.Granularity = time.Second
	}
}

// DaysIn is the number of whole days in span, at least one: Options.Days
// for a sampler asked for a window of span.
func DaysIn(span time.Duration) int { return max(1, int(span/(24*time.Hour))) }

// LatePermits gives every twentieth person from the eighth a home return
// permit numbered homePrefix and homeDigits digits, and every twentieth from
// the fourteenth a foreign permanent resident ID card of country (ISO 3166
// alpha-3) and twelve digits: People has no generator for the two document
// types v1 added last. The numbers follow from seed and the person's index.
func LatePermits(people []adapters.Person, seed uint64, homePrefix string, homeDigits int, country string) {
	for i := range people {
		n := seed*7919 + uint64(i)*104729
		switch i % 20 {
		case 7:
			people[i].DocType = schema.DocHomeReturnPermit
			people[i].DocNumber = fmt.Sprintf("%s%0*d", homePrefix, homeDigits, n%pow10(homeDigits))
		case 13:
			people[i].DocType = schema.DocForeignPermanentResident
			people[i].DocNumber = fmt.Sprintf("%s%012d", country, n%pow10(12))
		}
	}
}

func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// residentPrefixes are real county-level division codes used as the first six
// digits of generated resident IDs.
var residentPrefixes = []string{
	"610113", "610102", "330106", "310115", "110105", "440106", "350102", "370102", "120101", "460105", "230102",
}

var surnames = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"}
var givenNames = []string{"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华", "平"}

// Document returns a valid document number of docType drawn from rng.
func Document(rng *rand.Rand, docType string) string {
	switch docType {
	case schema.DocResidentID:
		return ResidentID(rng, residentPrefixes[rng.IntN(len(residentPrefixes))],
			time.Date(1940+rng.IntN(70), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC))
	case schema.DocPassport:
		return fmt.Sprintf("E%08d", rng.IntN(100000000))
	case schema.DocHKMacauPermit:
		return fmt.Sprintf("C%08d", rng.IntN(100000000))
	case schema.DocTaiwanPermit:
		return fmt.Sprintf("%08d", rng.IntN(100000000))
	case schema.DocHKID:
		return HKID(rng)
	case schema.DocMacauID:
		return fmt.Sprintf("%c%07d", "157"[rng.IntN(3)], rng.IntN(10000000))
	}
	panic("synth: no generator for document type " + docType)
}

// ResidentID builds a valid 18-character resident ID for a division prefix and birth date.
func ResidentID(rng *rand.Rand, prefix string, birth time.Time) string {
	first17 := fmt.Sprintf("%s%s%03d", prefix, birth.Format("20060102"), rng.IntN(1000))
	return first17 + string(schema.ResidentIDCheckDigit(first17))
}

// HKID builds a valid Hong Kong identity card number such as "A123456(3)".
func HKID(rng *rand.Rand) string {
	letter := byte('A' + rng.IntN(26))
	ds := fmt.Sprintf("%06d", rng.IntN(1000000))
	sum := 36*9 + int(letter-'A'+10)*8
	for i := 0; i < 6; i++ {
		sum += int(ds[i]-'0') * (7 - i)
	}
	c := (11 - sum%11) % 11
	check := byte('0' + c)
	if c == 10 {
		check = 'A'
	}
	return fmt.Sprintf("%c%s(%c)", letter, ds, check)
}

// Name returns a Chinese name.
func Name(rng *rand.Rand) string {
	return surnames[rng.IntN(len(surnames))] + givenNames[rng.IntN(len(givenNames))]
}

// People generates n people from seed. Each has one status in o.Region and
// up to o.EventsPerPerson events at o.Places.
func People(seed uint64, n int, o Options) []adapters.Person {
	o.defaults()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// Generated times are truncated to the granularity; start on a whole
	// unit so that none falls before Start.
	if t := o.Start.Truncate(o.Granularity); !t.Equal(o.Start) {
		o.Start = t.Add(o.Granularity)
	}
	span := time.Duration(o.Days) * 24 * time.Hour
	out := make([]adapters.Person, n)
	for i := range out {
		docType := o.DocTypes[rng.IntN(len(o.DocTypes))]
		birth := time.Date(1940+rng.IntN(70), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
		doc := Document(rng, docType)
		if docType == schema.DocResidentID {
			doc = ResidentID(rng, residentPrefixes[rng.IntN(len(residentPrefixes))], birth)
		}
		p := adapters.Person{DocType: docType, DocNumber: doc, Name: Name(rng), BirthDate: birth.Format("2006-01-02")}
		issued := o.Start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(o.Granularity)
		color := o.Colors[0]
		if r := rng.IntN(10); r >= 8 && len(o.Colors) > 1 {
			color = o.Colors[1+rng.IntN(len(o.Colors)-1)]
		}
		st := schema.Status{
			Region:     o.Region,
			Color:      color,
			Reasons:    reasonsFor(color),
			IssuedAt:   issued,
			ValidUntil: issued.Add(24 * time.Hour),
			Source:     schema.Source{System: o.System, RecordID: fmt.Sprintf("%s-%08d", o.System, i)},
		}
		if !o.NoNAT {
			res := schema.NATNegative
			if color == schema.Red {
				res = schema.NATPositive
			} else if color == schema.Yellow && rng.IntN(2) == 0 {
				res = schema.NATPending
			}
			st.NAT = &schema.NAT{Result: res, SampledAt: issued.Add(-time.Duration(1+rng.IntN(40)) * time.Hour).Truncate(o.Granularity)}
		}
		if !o.NoVaccination {
			doses := rng.IntN(4)
			st.Vaccination = &schema.Vaccination{Doses: doses}
			if doses > 0 {
				st.Vaccination.LastDoseAt = issued.AddDate(0, -1-rng.IntN(6), 0).Format("2006-01-02")
			}
		}
		p.Statuses = []schema.Status{st}
		ne := rng.IntN(o.EventsPerPerson + 1)
		for j := 0; j < ne; j++ {
			pl := o.Places[rng.IntN(len(o.Places))]
			start := o.Start.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(o.Granularity)
			p.Events = append(p.Events, schema.Event{
				Region: o.Region,
				Kind:   o.EventKinds[rng.IntN(len(o.EventKinds))],
				Place:  pl,
				Start:  start,
				End:    start.Add(time.Duration(5+rng.IntN(120)) * time.Minute),
				Source: schema.Source{System: o.System, RecordID: fmt.Sprintf("%s-%08d-%d", o.System, i, j)},
			})
		}
		out[i] = p
	}
	return out
}

func reasonsFor(color string) []string {
	switch color {
	case schema.Red:
		return []string{"nat_positive"}
	case schema.Yellow:
		return []string{"close_contact"}
	}
	return []string{"nat_negative_48h"}
}

// Site is a place and the kind of event people have there: a venue scan, a
// checkpoint, a transit. Formats whose event kind goes with the place
// sample people at sites.
type Site struct {
	Kind  string
	Place schema.Place
}

// Places returns the places of sites, for Options.Places.
func Places(sites []Site) []schema.Place {
	places := make([]schema.Place, len(sites))
	for i, s := range sites {
		places[i] = s.Place
	}
	return places
}

// SetKinds gives every event of people at one of the sites' places the
// kind of that site.
func SetKinds(people []adapters.Person, sites []Site) {
	for i := range people {
		for j := range people[i].Events {
			ev := &people[i].Events[j]
			for _, s := range sites {
				if s.Place.ID == ev.Place.ID {
					ev.Kind = s.Kind
				}
			}
		}
	}
}
