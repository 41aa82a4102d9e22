package regionsim

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/schema"
)

// ErrUnsupportedDefect is returned by New when the format cannot carry a
// defect (carrier itineraries have no colour to get wrong).
var ErrUnsupportedDefect = errors.New("defect cannot be expressed in this format")

// population builds the persons a simulator serves, in feed order: the
// certification fixture, then cfg.Persons persons sampled with cfg.Seed.
// A sampled person whose document or record IDs repeat an earlier one is
// left out, so that the feed holds every person once, and so is one the
// format writes no record for (a Tianjin scan log holds only people who
// scanned), so that every person of a page shows in its payload.
func population(cfg *Config, sampler adapters.Sampler, pr *prober) ([]adapters.Person, error) {
	people, err := fixture.People(cfg.Format)
	if err != nil {
		return nil, err
	}
	extra, raw, err := sampleCompatible(cfg, pr, sampler, people)
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	if len(extra) > 0 {
		res, err := pr.a.Decode(raw, pr.dec)
		if err != nil {
			return nil, fmt.Errorf("decode the population: %w", err)
		}
		for _, st := range res.Batch.Statuses {
			visible[st.Subject] = true
		}
		for _, ev := range res.Batch.Events {
			visible[ev.Subject] = true
		}
	}
	docs := map[string]bool{}
	records := map[string]bool{}
	add := func(p adapters.Person) bool {
		doc, err := docKey(p.DocType, p.DocNumber)
		if err != nil || docs[doc] {
			return false
		}
		ids := recordIDs(&p)
		for _, id := range ids {
			if records[id] {
				return false
			}
		}
		docs[doc] = true
		for _, id := range ids {
			records[id] = true
		}
		return true
	}
	for i, p := range people {
		if !add(p) {
			return nil, fmt.Errorf("fixture person %d of %s repeats a document or record ID", i, cfg.Format)
		}
	}
	for _, p := range extra {
		if subject, err := pr.dec.Subjects.Subject(p.DocType, p.DocNumber); err != nil || !visible[subject] {
			continue
		}
		if add(p) {
			people = append(people, p)
		}
	}
	return people, nil
}

// sampleTries bounds the seeds sampleCompatible tries.
const sampleTries = 16

// sampleCompatible samples cfg.Persons persons with the first seed from
// cfg.Seed on whose persons the format writes in one payload with the
// fixture: some formats' payloads come from one place (a Guangdong export
// from one node, which the seed picks), and a page may mix fixture and
// sampled persons. It returns them and that payload. Sampling Size more
// persons and dropping the first Size keeps the sampled persons'
// index-derived record IDs clear of the fixture's.
func sampleCompatible(cfg *Config, pr *prober, sampler adapters.Sampler, fix []adapters.Person) ([]adapters.Person, []byte, error) {
	if cfg.Persons == 0 {
		return nil, nil, nil
	}
	var err error
	for k := range uint64(sampleTries) {
		extra := sampler.Sample(cfg.Seed+k, fixture.Size+cfg.Persons, fixture.Start, fixture.Span)
		if len(extra) <= fixture.Size {
			return nil, nil, fmt.Errorf("format sampled %d persons, want %d", len(extra), fixture.Size+cfg.Persons)
		}
		extra = extra[fixture.Size:]
		var raw []byte
		if raw, err = pr.a.Encode(append(slices.Clone(fix), extra...), pr.enc); err == nil {
			return extra, raw, nil
		}
	}
	return nil, nil, fmt.Errorf("no seed from %d to %d samples persons that encode with the fixture: %w", cfg.Seed, cfg.Seed+sampleTries-1, err)
}

// docKey is the lookup key of a document: its type and normalised number.
func docKey(docType, number string) (string, error) {
	norm, err := schema.NormalizeDocument(docType, number)
	if err != nil {
		return "", err
	}
	return docType + ":" + norm, nil
}

func recordIDs(p *adapters.Person) []string {
	var ids []string
	for _, st := range p.Statuses {
		ids = append(ids, "s|"+st.Source.System+"|"+st.Source.RecordID)
	}
	for _, ev := range p.Events {
		ids = append(ids, "e|"+ev.Source.System+"|"+ev.Source.RecordID)
	}
	return ids
}

// clonePerson copies p deeply enough that changing its statuses and events
// leaves p alone.
func clonePerson(p adapters.Person) adapters.Person {
	p.Statuses = slices.Clone(p.Statuses)
	for i := range p.Statuses {
		st := &p.Statuses[i]
		st.Reasons = slices.Clone(st.Reasons)
		if st.NAT != nil {
			n := *st.NAT
			st.NAT = &n
		}
		if st.Vaccination != nil {
			v := *st.Vaccination
			st.Vaccination = &v
		}
		if st.Local != nil {
			l := *st.Local
			st.Local = &l
		}
	}
	p.Events = slices.Clone(p.Events)
	return p
}

// regionOffset is the UTC offset of every region's local time: the formats
// served are Chinese systems, or carry Beijing time for a Chinese port.
var regionOffset = func() time.Duration {
	_, off := time.Date(2022, 3, 1, 0, 0, 0, 0, adapters.Beijing).Zone()
	return time.Duration(off) * time.Second
}()

// shiftTimes writes every time of p as its UTC wall clock labelled as local
// time: the instant moves back by the region's offset. Calendar dates (last
// dose) stay as they are.
func shiftTimes(p *adapters.Person) {
	shift := func(t *time.Time) {
		if !t.IsZero() {
			*t = t.Add(-regionOffset)
		}
	}
	for i := range p.Statuses {
		st := &p.Statuses[i]
		shift(&st.IssuedAt)
		shift(&st.ValidUntil)
		if st.NAT != nil {
			shift(&st.NAT.SampledAt)
		}
	}
	for i := range p.Events {
		shift(&p.Events[i].Start)
		shift(&p.Events[i].End)
	}
}

// prober encodes and decodes single persons, to check that a defect
// injected into a person shows after the format's own adapter decodes it.
type prober struct {
	a   adapters.Adapter
	enc adapters.EncodeOptions
	dec adapters.DecodeOptions
}

func newProber(a adapters.Adapter, enc adapters.EncodeOptions, trust *x509.Certificate) (*prober, error) {
	subjects, err := schema.NewPseudonymizer(schema.DevKey)
	if err != nil {
		return nil, err
	}
	dec := adapters.DecodeOptions{Subjects: subjects}
	if trust != nil {
		dec.Trust = []*x509.Certificate{trust}
	}
	return &prober{a: a, enc: enc, dec: dec}, nil
}

// decode returns what p decodes to, or nil when p cannot be encoded or its
// payload cannot be read at all.
func (pr *prober) decode(p adapters.Person) *adapters.Result {
	raw, err := pr.a.Encode([]adapters.Person{p}, pr.enc)
	if err != nil {
		return nil
	}
	res, err := pr.a.Decode(raw, pr.dec)
	if err != nil {
		return nil
	}
	return res
}

// missingFieldVariants remove a field every format requires, most telling
// first; a format takes the first one its encoder can write and its decoder
// rejects.
var missingFieldVariants = []func(p *adapters.Person){
	func(p *adapters.Person) { p.DocNumber = "" },
	func(p *adapters.Person) {
		for i := range p.Statuses {
			p.Statuses[i].IssuedAt = time.Time{}
		}
	},
	func(p *adapters.Person) {
		for i := range p.Events {
			p.Events[i].Start = time.Time{}
		}
	},
	func(p *adapters.Person) {
		for i := range p.Events {
			p.Events[i].Place.ID = ""
		}
	},
}

// dropField returns p with a required field removed so that the format's
// adapter rejects its records, or false when no variant does.
func (pr *prober) dropField(p adapters.Person) (adapters.Person, bool) {
	for _, variant := range missingFieldVariants {
		q := clonePerson(p)
		variant(&q)
		if res := pr.decode(q); res != nil && len(res.Rejected) > 0 {
			return q, true
		}
	}
	return p, false
}

// wrongColour returns p with its first status written as another colour:
// the code of that colour, and for formats whose colour follows from a test
// result (eu-dcc), the result that gives it. It reports false when the
// format cannot carry a colour different from p's.
func (pr *prober) wrongColour(p adapters.Person) (adapters.Person, bool) {
	if len(p.Statuses) == 0 {
		return p, false
	}
	orig := pr.decode(p)
	if orig == nil || len(orig.Batch.Statuses) == 0 {
		return p, false
	}
	natFor := map[string]string{schema.Red: schema.NATPositive, schema.Green: schema.NATNegative, schema.Yellow: schema.NATPending}
	for _, colour := range []string{schema.Red, schema.Green, schema.Yellow} {
		if colour == p.Statuses[0].Color {
			continue
		}
		for _, withResult := range []bool{false, true} {
			q := clonePerson(p)
			st := &q.Statuses[0]
			st.Color = colour
			if withResult {
				if st.NAT == nil {
					continue
				}
				st.NAT.Result = natFor[colour]
			}
			res := pr.decode(q)
			if res == nil {
				continue
			}
			if len(res.Rejected) > 0 || colours(res) != colours(orig) {
				return q, true
			}
		}
	}
	return p, false
}

func colours(res *adapters.Result) string {
	var s string
	for _, st := range res.Batch.Statuses {
		s += st.Color + ","
	}
	return s
}

// applyDataDefects changes the persons the way the data defects ask:
// every time (wrong-timezone), a required field of every fourth person
// from the second (missing-field), the colour of every fixture person and
// every third other person that can carry another colour (bad-colour-code).
func applyDataDefects(people []adapters.Person, has func(Defect) bool, pr *prober) error {
	if has(WrongTimezone) {
		for i := range people {
			people[i] = clonePerson(people[i])
			shiftTimes(&people[i])
		}
	}
	if has(MissingField) {
		changed := 0
		for i := 1; i < len(people); i += 4 {
			if q, ok := pr.dropField(people[i]); ok {
				people[i] = q
				changed++
			}
		}
		if changed == 0 {
			return fmt.Errorf("%s: %w", MissingField, ErrUnsupportedDefect)
		}
	}
	if has(BadColourCode) {
		changedFixture := 0
		for i := range people {
			if i >= fixture.Size && i%3 != 0 {
				continue
			}
			if q, ok := pr.wrongColour(people[i]); ok {
				people[i] = q
				if i < fixture.Size {
					changedFixture++
				}
			}
		}
		if changedFixture == 0 {
			return fmt.Errorf("%s: no fixture person can carry another colour: %w", BadColourCode, ErrUnsupportedDefect)
		}
	}
	return nil
}
