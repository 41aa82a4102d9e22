package carrier

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Carrier names one of the three carriers' export formats.
type Carrier string

// The carriers, by their usual English abbreviations.
const (
	CMCC Carrier = "cmcc" // 中国移动 China Mobile
	CUCC Carrier = "cucc" // 中国联通 China Unicom
	CTCC Carrier = "ctcc" // 中国电信 China Telecom
)

// System is Source.System of the records decoded from c's exports.
func (c Carrier) System() string { return "xck-" + string(c) }

// PlacePrefix starts the place ID of every city: "CITY-610100".
const PlacePrefix = "CITY-"

// SevenDayCards is when the card's window shrank from 14 to 7 days
// (00:00 Beijing time, 29 June 2022); the star marking was dropped the
// same day.
var SevenDayCards = time.Date(2022, 6, 29, 0, 0, 0, 0, adapters.Beijing)

func init() { adapters.Register(Adapter{}) }

// Adapter is the "carrier" format: 通信大数据行程卡 exports of the three
// carriers, told apart by their shape.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "carrier" }

// Regions implements adapters.Adapter: the card is national.
func (Adapter) Regions() []string { return []string{"*"} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "通信大数据行程卡 city-level 14-day itineraries from China Mobile, China Unicom and China Telecom exports (xck-cmcc, xck-cucc, xck-ctcc)"
}

// export is a payload of any carrier, read into one shape.
type export struct {
	format  *format
	batchID string
	region  string // the receiving province, the batch region
	total   *int   // the count the header declares, if any
	cards   []card
}

// card is one subscriber's itinerary card in carrier-neutral form.
type card struct {
	ref       string // the native record number, for messages and record IDs
	shapeErr  error  // the record's JSON did not fit the format
	shapeAt   string // the native field at fault for shapeErr
	docCode   string
	docNumber string
	timeText  string // query time as written (cmcc, cucc)
	timeMs    int64  // query time in epoch milliseconds (ctcc)
	cities    string
	stays     []stay
	hasStays  bool
}

// stay is a ctcc arrival and departure in epoch milliseconds; 0 is absent.
type stay struct {
	Arrive int64 `json:"arrive"`
	Leave  int64 `json:"leave,omitempty"`
}

// format says how one carrier writes what every card holds.
type format struct {
	carrier     Carrier
	name        string            // the carrier's name, for messages
	docTypes    map[string]string // native document code → schema doc type
	unsupported map[string]string // codes known to have no v1 doc type → their name
	separators  string            // runes that separate cities
	shortNames  bool              // whether Encode writes "陕西西安" rather than "陕西省西安市"
	fieldRef    string
	fieldDoc    string
	fieldNumber string
	fieldTime   string
	fieldCities string
	// cardTime reads the query time of a card.
	cardTime func(c *card) (time.Time, error)
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("carrier: decode options carry no pseudonymizer")
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(raw) {
		return nil, errors.New("carrier: payload is not valid utf-8")
	}
	exp, err := readExport(raw)
	if err != nil {
		return nil, fmt.Errorf("carrier: %w", err)
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = exp.batchID
	}
	b := adapters.NewBuilder(exp.region, batchID)
	if exp.total != nil && *exp.total != len(exp.cards) {
		b.Warn(-1, "", "", fmt.Errorf("header says %d records, payload holds %d", *exp.total, len(exp.cards)))
	}
	for i := range exp.cards {
		decodeCard(b, i, &exp.cards[i], exp, opts.Subjects)
	}
	return b.Result(), nil
}

func decodeCard(b *adapters.Builder, i int, c *card, exp *export, subjects *schema.Pseudonymizer) {
	f := exp.format
	r := b.Record(i, c.ref)
	if c.shapeErr != nil {
		r.Reject(c.shapeAt, c.shapeErr)
		return
	}
	if c.docCode == "" {
		r.Reject(f.fieldDoc, errors.New("missing real-name document type"))
		return
	}
	docType, ok := f.docTypes[c.docCode]
	if !ok {
		if name, known := f.unsupported[c.docCode]; known {
			r.Reject(f.fieldDoc, fmt.Errorf("document type %s (%s) has no v1 document type", c.docCode, name))
			return
		}
		r.Reject(f.fieldDoc, fmt.Errorf("unknown document type %s", redact.Code(c.docCode)))
		return
	}
	subject, err := subjects.Subject(docType, c.docNumber)
	if err != nil {
		r.Reject(f.fieldNumber, err)
		return
	}
	at, err := f.cardTime(c)
	if err != nil {
		r.Reject(f.fieldTime, err)
		return
	}
	cities, err := parseCities(c.cities, f.separators)
	if err != nil {
		r.Reject(f.fieldCities, err)
		return
	}

	// The record ID: the export's own record number, or for exports that
	// have none a stable one from the subject (never the phone number) and
	// the card time.
	var cardID string
	if f.carrier == CTCC {
		cardID = string(CTCC) + "-" + subject[:16] + "-" + strconv.FormatInt(at.UnixMilli(), 10)
	} else {
		cardID = exp.batchID + "-" + c.ref
	}
	if len(cardID) > 120 {
		r.Reject(f.fieldRef, errors.New("record number too long to make a record ID of at most 128 characters"))
		return
	}
	event := func(n int, d schema.Division, start, end time.Time) schema.Event {
		return schema.Event{
			Subject: subject,
			Region:  exp.region,
			Kind:    schema.KindCarrierCity,
			Place:   schema.Place{ID: PlacePrefix + d.Code, Name: d.Name, Region: d.Code, Lat: d.Lat, Lon: d.Lon},
			Start:   start,
			End:     end,
			Source:  schema.Source{System: f.carrier.System(), RecordID: cardID + "#" + strconv.Itoa(n+1)},
		}
	}

	if !c.hasStays {
		start := WindowStart(at)
		seen := make(map[string]bool, len(cities))
		for n, ct := range cities {
			if seen[ct.Code] {
				continue // the same window twice would be the same event
			}
			seen[ct.Code] = true
			r.AddEvent(event(n, ct.Division, start, at))
		}
		r.Commit()
		return
	}
	if len(c.stays) != len(cities) {
		r.Reject("stays", fmt.Errorf("%d stays for %d cities", len(c.stays), len(cities)))
		return
	}
	cardMs := at.UnixMilli()
	for n, s := range c.stays {
		switch {
		case s.Arrive <= 0:
			r.Reject("stays", fmt.Errorf("stay %d has no arrival time", n+1))
			return
		case s.Arrive > cardMs:
			r.Reject("stays", fmt.Errorf("stay %d arrives after the card was generated", n+1))
			return
		case s.Leave != 0 && s.Leave < s.Arrive:
			r.Reject("stays", fmt.Errorf("stay %d leaves before it arrives", n+1))
			return
		case s.Leave > cardMs:
			r.Reject("stays", fmt.Errorf("stay %d leaves after the card was generated", n+1))
			return
		}
		end := at // no departure: still there when the card was generated
		if s.Leave != 0 {
			end = adapters.FromEpochMillis(s.Leave)
		}
		r.AddEvent(event(n, cities[n].Division, adapters.FromEpochMillis(s.Arrive), end))
	}
	r.Commit()
}

// WindowStart returns the first instant a card generated at cardTime
// covers: 00:00 Beijing time on the first of the 14 days ending with the
// card's day (7 days for cards from SevenDayCards on). The day boundary
// makes every card of one person queried on one day give the same start,
// so the hub extends one event instead of keeping one per query.
func WindowStart(cardTime time.Time) time.Time {
	days := 14
	if !cardTime.Before(SevenDayCards) {
		days = 7
	}
	y, m, d := cardTime.In(adapters.Beijing).Date()
	return time.Date(y, m, d-(days-1), 0, 0, 0, 0, adapters.Beijing)
}

// city is one entry of a card's city list.
type city struct {
	schema.Division
	// Starred is the card's trailing "*": the city had a medium or high
	// risk area when the card was generated. It changes nothing in the
	// decoded records (see the package documentation).
	Starred bool
}

// parseCities reads a card's city list: names separated by any rune of
// seps, each optionally followed by "*" (or the full-width "＊").
func parseCities(list string, seps string) ([]city, error) {
	if strings.TrimSpace(list) == "" {
		return nil, errors.New("no cities: a card lists at least the city the phone is in")
	}
	var out []city
	n := 0
	for rest := list; ; {
		item := rest
		k := strings.IndexAny(rest, seps)
		if k >= 0 {
			item = rest[:k]
		}
		n++
		c, err := parseCity(strings.TrimSpace(item))
		if err != nil {
			return nil, fmt.Errorf("city %d: %w", n, err)
		}
		out = append(out, c)
		if k < 0 {
			return out, nil
		}
		_, size := utf8.DecodeRuneInString(rest[k:])
		rest = rest[k+size:]
	}
}

func parseCity(name string) (city, error) {
	var c city
	for _, mark := range [...]string{"*", "＊"} {
		if strings.HasSuffix(name, mark) {
			name, c.Starred = strings.TrimSpace(strings.TrimSuffix(name, mark)), true
			break
		}
	}
	if name == "" {
		return c, errors.New("empty city name")
	}
	if strings.ContainsAny(name, "*＊") {
		return c, fmt.Errorf("risk mark inside %s: it may only follow a city", redact.Length(name))
	}
	d, ok := schema.DivisionByName(name)
	if !ok {
		return c, fmt.Errorf("unknown city %s", redact.Length(name))
	}
	if schema.Prefecture(d.Code) != d.Code {
		// name is a known division's, so it can be quoted.
		return c, fmt.Errorf("%q is a province, not a city", name)
	}
	c.Division = d
	return c, nil
}
