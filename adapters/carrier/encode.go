package carrier

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"sort"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Encode implements adapters.Adapter. It writes China Telecom's export,
// the only one that carries each city's stay, so that times survive a round
// trip; EncodeAs writes the others.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	return EncodeAs(CTCC, people, opts)
}

// encCard is one person's card as Encode builds it.
type encCard struct {
	p       *adapters.Person
	docCode string
	at      time.Time // the card time: the latest moment of any event
	cities  []schema.Division
	arrive  []time.Time // per city: its earliest event start
	leave   []time.Time // per city: its latest event end (or start)
}

// EncodeAs writes people as carrier c's export. Every person with events
// gets one card, generated at the latest start or end of their events and
// listing their cities in order of first arrival; people without events are
// left out. Events must be carrier_city events at places "CITY-<code>" of a
// city-level division, and all events must name the same receiving
// province as their region: it becomes the export's province. The export is
// stamped with opts.At, or else with the latest card time. Stars are never
// written: synthetic people carry no risk areas.
//
// China Mobile and China Unicom exports carry only the card time, so a
// decode gives each city the card's window instead of the events' times;
// China Telecom's stays keep each city's first arrival and last departure.
func EncodeAs(c Carrier, people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	f, ok := formats[c]
	if !ok {
		return nil, fmt.Errorf("carrier: unknown carrier %q", c)
	}
	docCodes := codes.Invert(f.docTypes)
	var (
		cards  []encCard
		region string
		latest time.Time
	)
	for i := range people {
		p := &people[i]
		if len(p.Events) == 0 {
			continue
		}
		code, ok := docCodes[p.DocType]
		if !ok {
			return nil, fmt.Errorf("carrier: person %d: %s exports cannot carry document type %s", i, f.name, p.DocType)
		}
		ec, err := buildCard(p, &region)
		if err != nil {
			return nil, fmt.Errorf("carrier: person %d: %w", i, err)
		}
		ec.docCode = code
		if ec.at.After(latest) {
			latest = ec.at
		}
		cards = append(cards, ec)
	}
	if region == "" {
		return nil, errors.New("carrier: no events to write: an export takes its province from its events' region")
	}
	gen := opts.At
	if gen.IsZero() {
		gen = latest
	}
	gen = gen.In(adapters.Beijing)
	stamp := gen.Format("20060102150405")
	n := len(cards)

	switch c {
	case CMCC:
		out := cmccExport{FileID: "CMCC-XCK-" + region + "-" + stamp, ProvCode: region, GenTime: gen.Format(time.DateTime), Total: &n, Records: []cmccRecord{}}
		for k, ec := range cards {
			if ec.at.Nanosecond() != 0 {
				return nil, errors.New("carrier: china mobile query times are whole seconds")
			}
			out.Records = append(out.Records, cmccRecord{
				Seq:       fmt.Sprintf("%06d", k+1),
				Msisdn:    phone("138", ec.p.DocNumber),
				CertType:  ec.docCode,
				CertNo:    ec.p.DocNumber,
				CustName:  secret(ec.p.Name),
				QueryTime: ec.at.In(adapters.Beijing).Format(time.DateTime),
				Cities:    cityList(ec.cities, false, "，"),
			})
		}
		return json.Marshal(out)
	case CUCC:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf) // one value a line
		fileNo := "CU-XCK-" + region[:2] + "-" + stamp
		if err := enc.Encode(cuccHeader{FileNo: &fileNo, ProvCode: region[:2], CreateTime: stamp, RecNum: &n}); err != nil {
			return nil, err
		}
		for k, ec := range cards {
			if ec.at.Nanosecond() != 0 {
				return nil, errors.New("carrier: china unicom query times are whole seconds")
			}
			if err := enc.Encode(cuccRecord{
				SerialNo:   fmt.Sprintf("%06d", k+1),
				UserNumber: phone("186", ec.p.DocNumber),
				CertType:   ec.docCode,
				CertCode:   ec.p.DocNumber,
				CustName:   secret(ec.p.Name),
				QueryTime:  ec.at.In(adapters.Beijing).Format("20060102150405"),
				Route:      cityList(ec.cities, true, "|"),
			}); err != nil {
				return nil, err
			}
		}
		return buf.Bytes(), nil
	}
	out := ctccExport{RequestID: "CT-XCK-" + region + "-" + stamp, AreaCode: region, Timestamp: gen.UnixMilli(), Data: []ctccRecord{}}
	for _, ec := range cards {
		rec := ctccRecord{
			AccNbr:   phone("189", ec.p.DocNumber),
			IDType:   ec.docCode,
			IDNbr:    ec.p.DocNumber,
			CustName: secret(ec.p.Name),
			CardTime: ec.at.UnixMilli(),
			Trip:     cityList(ec.cities, false, "、"),
		}
		for k := range ec.cities {
			if ec.arrive[k].Nanosecond()%1e6 != 0 || ec.leave[k].Nanosecond()%1e6 != 0 {
				return nil, errors.New("carrier: china telecom times are whole milliseconds")
			}
			rec.Stays = append(rec.Stays, stay{Arrive: ec.arrive[k].UnixMilli(), Leave: ec.leave[k].UnixMilli()})
		}
		out.Data = append(out.Data, rec)
	}
	return json.Marshal(out)
}

// buildCard gathers one person's events into a card; region holds the
// receiving province seen so far ("" before the first event).
func buildCard(p *adapters.Person, region *string) (encCard, error) {
	ec := encCard{p: p}
	events := append([]schema.Event(nil), p.Events...)
	sort.SliceStable(events, func(a, b int) bool { return events[a].Start.Before(events[b].Start) })
	index := map[string]int{}
	for _, e := range events {
		if e.Kind != schema.KindCarrierCity {
			return ec, fmt.Errorf("kind %s cannot be written (the card lists cities only)", e.Kind)
		}
		switch {
		case !provinceCode(e.Region):
			return ec, fmt.Errorf("event region %q is not a province code (the receiving province)", e.Region)
		case *region == "":
			*region = e.Region
		case e.Region != *region:
			return ec, fmt.Errorf("events of two receiving provinces, %s and %s, cannot share an export", *region, e.Region)
		}
		d, ok := schema.LookupDivision(e.Place.Region)
		if !ok || d.Code != e.Place.Region || schema.Prefecture(d.Code) != d.Code {
			return ec, fmt.Errorf("place region %q is not a city-level division", e.Place.Region)
		}
		if e.Place.ID != PlacePrefix+d.Code {
			return ec, fmt.Errorf("place ID %q is not %s%s", e.Place.ID, PlacePrefix, d.Code)
		}
		if e.Start.IsZero() {
			return ec, errors.New("event has no start")
		}
		end := e.End
		if end.IsZero() {
			end = e.Start
		}
		if k, seen := index[d.Code]; seen {
			if end.After(ec.leave[k]) {
				ec.leave[k] = end
			}
		} else {
			index[d.Code] = len(ec.cities)
			ec.cities = append(ec.cities, d)
			ec.arrive = append(ec.arrive, e.Start)
			ec.leave = append(ec.leave, end)
		}
		if end.After(ec.at) {
			ec.at = end
		}
	}
	return ec, nil
}

// cityList writes cities the way a card shows them: province and city
// ("陕西省西安市", or "陕西西安" in short form), a city-province alone
// ("北京市", "北京").
func cityList(cities []schema.Division, short bool, sep string) string {
	names := make([]string, len(cities))
	for i, d := range cities {
		p, _ := schema.LookupDivision(schema.Province(d.Code))
		switch {
		case p.Code == d.Code && short:
			names[i] = d.Short
		case p.Code == d.Code:
			names[i] = d.Name
		case short:
			names[i] = p.Short + d.Short
		default:
			names[i] = p.Name + d.Name
		}
	}
	return strings.Join(names, sep)
}

// phone makes a synthetic phone number from a document number, so that
// exports look whole; it is never decoded.
func phone(prefix, doc string) secret {
	h := fnv.New32a()
	h.Write([]byte(doc))
	return secret(fmt.Sprintf("%s%08d", prefix, h.Sum32()%100000000))
}

// EncodeEmpty writes China Telecom's export for the receiving province
// region with no card, stamped with opts.At: what a region's feed serves
// when it has nothing new. Encode cannot write it, since an export takes its
// province from its events.
func (Adapter) EncodeEmpty(region string, opts adapters.EncodeOptions) ([]byte, error) {
	if !provinceCode(region) {
		return nil, fmt.Errorf("carrier: region %q is not a province code (the receiving province)", region)
	}
	if opts.At.IsZero() {
		return nil, errors.New("carrier: an empty export needs a time to be stamped with")
	}
	gen := opts.At.In(adapters.Beijing)
	return json.Marshal(ctccExport{
		RequestID: "CT-XCK-" + region + "-" + gen.Format("20060102150405"),
		AreaCode:  region, Timestamp: gen.UnixMilli(), Data: []ctccRecord{},
	})
}
