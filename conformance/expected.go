package conformance

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/schema"
)

// fixturePerson is one certification fixture person and the v1 records
// the region's feed must yield for them. The document is used for status
// lookups only and never reported: reports name a fixture person by index
// and by the first characters of the run's pseudonym.
type fixturePerson struct {
	index     int
	docType   string
	docNumber string
	subject   string
	statuses  []schema.Status
	events    []schema.Event
}

func (p *fixturePerson) String() string {
	return fmt.Sprintf("fixture person %d (subject %s)", p.index, short(p.subject))
}

// fixtureState is the fixture of the run's format under the run's
// pseudonymizer.
type fixtureState struct {
	persons   []*fixturePerson
	bySubject map[string]*fixturePerson
	// secrets are the fixture's documents and names, kept out of reports.
	secrets []string
	err     error
}

func short(subject string) string {
	if len(subject) > 12 {
		return subject[:12] + "…"
	}
	return subject
}

// loadFixture computes the fixture persons and their expected records.
func (r *runner) loadFixture() {
	fs := &fixtureState{bySubject: map[string]*fixturePerson{}}
	r.fixture = fs
	people, err := fixture.People(r.opts.Format)
	if err != nil {
		fs.err = err
		return
	}
	for _, p := range people {
		for _, s := range []string{p.DocNumber, p.Name, strings.ToUpper(p.Name)} {
			if s != "" {
				fs.secrets = append(fs.secrets, s)
			}
		}
		if n, err := schema.NormalizeDocument(p.DocType, p.DocNumber); err == nil && n != p.DocNumber {
			fs.secrets = append(fs.secrets, n)
		}
	}
	opts, err := r.fixtureEncodeOptions()
	if err != nil {
		fs.err = err
		return
	}
	exp, err := fixture.Expected(r.opts.Format, r.subjects, opts)
	if err != nil {
		fs.err = err
		return
	}
	for i, p := range people {
		subject, err := r.subjects.Subject(p.DocType, p.DocNumber)
		if err != nil {
			fs.err = fmt.Errorf("fixture person %d: %w", i, err)
			return
		}
		fp := &fixturePerson{index: i, docType: p.DocType, docNumber: p.DocNumber, subject: subject}
		fs.persons = append(fs.persons, fp)
		fs.bySubject[subject] = fp
	}
	for _, st := range exp.Batch.Statuses {
		if fp := fs.bySubject[st.Subject]; fp != nil {
			fp.statuses = append(fp.statuses, st)
		}
	}
	for _, ev := range exp.Batch.Events {
		if fp := fs.bySubject[ev.Subject]; fp != nil {
			fp.events = append(fp.events, ev)
		}
	}
	for _, fp := range fs.persons {
		sortStatuses(fp.statuses)
		sortEvents(fp.events)
	}
}

// fixtureEncodeOptions are the options the expected records are encoded
// with. A signed format's records depend on its signer only through the
// issuer country of the signing certificate (eu-dcc's source.system), so
// the expectation is signed by a key of the run's own under a certificate
// that mirrors the region's: its country and validity.
func (r *runner) fixtureEncodeOptions() (adapters.EncodeOptions, error) {
	opts := adapters.EncodeOptions{At: fixture.Start.Add(fixture.Span)}
	if r.opts.Format != eudcc.ID {
		return opts, nil
	}
	if len(r.opts.Trust) == 0 {
		return opts, errors.New("no trusted signing certificate to mirror")
	}
	c := r.opts.Trust[0]
	country := ""
	if len(c.Subject.Country) > 0 {
		country = c.Subject.Country[0]
	}
	key, cert, err := eudcc.NewSigner("codefed conformance expectation", country, c.NotBefore, c.NotAfter)
	if err != nil {
		return opts, fmt.Errorf("signer for the expected records: %w", err)
	}
	opts.Signer, opts.SignerCert = key, cert
	return opts, nil
}

func sortStatuses(ss []schema.Status) {
	slices.SortStableFunc(ss, func(a, b schema.Status) int {
		return cmp.Or(cmp.Compare(a.Source.System, b.Source.System), cmp.Compare(a.Source.RecordID, b.Source.RecordID),
			cmp.Compare(a.Region, b.Region), a.IssuedAt.Compare(b.IssuedAt))
	})
}

func sortEvents(es []schema.Event) {
	slices.SortStableFunc(es, func(a, b schema.Event) int {
		return cmp.Or(cmp.Compare(a.Source.System, b.Source.System), cmp.Compare(a.Source.RecordID, b.Source.RecordID),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Place.ID, b.Place.ID), a.Start.Compare(b.Start))
	})
}

// Kinds of difference between a record and its expectation.
const (
	diffOther = iota
	diffTime
	diffColour
)

// fieldDiff is one field of one record that is not as expected.
type fieldDiff struct {
	record string // "status xa-123", "event v-9"
	field  string
	got    string
	want   string
	kind   int
}

func (d fieldDiff) String() string {
	if d.field == "" {
		return d.record + ": " + d.got
	}
	s := fmt.Sprintf("%s %s is %s, want %s", d.record, d.field, d.got, d.want)
	return s
}

// personDiff compares a person's records with the expected ones: records
// are paired by source (system and record ID), then, among those left, by
// what stays when a record's times are wrong (a record ID may be made of
// a time), then in order; each pair is compared field by field.
func personDiff(gotS []schema.Status, gotE []schema.Event, want *fixturePerson) []fieldDiff {
	var out []fieldDiff
	gotS, gotE = slices.Clone(gotS), slices.Clone(gotE)
	sortStatuses(gotS)
	sortEvents(gotE)
	out = append(out, pairDiff(gotS, want.statuses, "status", statusDiff,
		func(s schema.Status) string { return s.Source.System + "/" + s.Source.RecordID },
		func(s schema.Status) string { return s.Source.System + "/" + s.Region },
		func(s schema.Status) string { return "" })...)
	out = append(out, pairDiff(gotE, want.events, "event", eventDiff,
		func(e schema.Event) string {
			return e.Source.System + "/" + e.Source.RecordID + "/" + e.Kind + "/" + e.Place.ID
		},
		func(e schema.Event) string { return e.Source.System + "/" + e.Kind + "/" + e.Place.ID },
		func(e schema.Event) string { return "" })...)
	return out
}

// pairDiff pairs records in passes, each with a looser key and in order,
// and compares each pair; records left without a partner are missing or
// unexpected. The first key names the records in the report.
func pairDiff[R any](got, want []R, kind string, diff func(name string, got, want R) []fieldDiff, keys ...func(R) string) []fieldDiff {
	var out []fieldDiff
	name := func(r R) string { return kind + " " + keys[0](r) }
	usedGot := make([]bool, len(got))
	usedWant := make([]bool, len(want))
	for _, key := range keys {
		for wi, w := range want {
			if usedWant[wi] {
				continue
			}
			k := key(w)
			for gi, g := range got {
				if !usedGot[gi] && key(g) == k {
					usedGot[gi], usedWant[wi] = true, true
					out = append(out, diff(name(w), g, w)...)
					break
				}
			}
		}
	}
	for wi, w := range want {
		if !usedWant[wi] {
			out = append(out, fieldDiff{record: name(w), got: "missing from the feed"})
		}
	}
	for gi, g := range got {
		if !usedGot[gi] {
			out = append(out, fieldDiff{record: name(g), got: "not expected (not a record of the fixture)"})
		}
	}
	return out
}

type differ struct {
	record string
	out    []fieldDiff
}

func (d *differ) str(field, got, want string) {
	if got != want {
		d.out = append(d.out, fieldDiff{record: d.record, field: field, got: quote(got), want: quote(want)})
	}
}

func (d *differ) colour(got, want string) {
	if got != want {
		d.out = append(d.out, fieldDiff{record: d.record, field: "color", got: quote(got), want: quote(want), kind: diffColour})
	}
}

func quote(s string) string {
	if s == "" {
		return "empty"
	}
	return fmt.Sprintf("%q", s)
}

// time compares to the second, and the UTC offset as well: the same
// instant written with another offset is a different local time for
// everyone who reads it.
func (d *differ) time(field string, got, want time.Time) {
	if got.IsZero() && want.IsZero() {
		return
	}
	_, gotOff := got.Zone()
	_, wantOff := want.Zone()
	if got.IsZero() != want.IsZero() {
		// A time missing or added is wrong data, not a wrong zone.
		d.out = append(d.out, fieldDiff{record: d.record, field: field, got: timeText(got), want: timeText(want)})
		return
	}
	if got.Unix() != want.Unix() || gotOff != wantOff {
		f := fieldDiff{record: d.record, field: field, got: timeText(got), want: timeText(want), kind: diffTime}
		if got.Unix() != want.Unix() {
			f.want += fmt.Sprintf(" (%s apart)", got.Sub(want).Truncate(time.Second).Abs())
		}
		d.out = append(d.out, f)
	}
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "absent"
	}
	return t.Format(time.RFC3339)
}

func (d *differ) float(field string, got, want float64) {
	if math.Abs(got-want) > 1e-6 {
		d.out = append(d.out, fieldDiff{record: d.record, field: field, got: fmt.Sprint(got), want: fmt.Sprint(want)})
	}
}

func statusDiff(name string, got, want schema.Status) []fieldDiff {
	d := &differ{record: name}
	d.str("region", got.Region, want.Region)
	d.colour(got.Color, want.Color)
	d.str("reasons", strings.Join(got.Reasons, ","), strings.Join(want.Reasons, ","))
	var gl, wl schema.Local
	if got.Local != nil {
		gl = *got.Local
	}
	if want.Local != nil {
		wl = *want.Local
	}
	d.str("local.label", gl.Label, wl.Label)
	d.str("local.code", gl.Code, wl.Code)
	d.time("issued_at", got.IssuedAt, want.IssuedAt)
	d.time("valid_until", got.ValidUntil, want.ValidUntil)
	var gn, wn schema.NAT
	if got.NAT != nil {
		gn = *got.NAT
	}
	if want.NAT != nil {
		wn = *want.NAT
	}
	d.str("nat.result", gn.Result, wn.Result)
	d.time("nat.sampled_at", gn.SampledAt, wn.SampledAt)
	d.str("nat.lab", gn.Lab, wn.Lab)
	var gv, wv schema.Vaccination
	if got.Vaccination != nil {
		gv = *got.Vaccination
	}
	if want.Vaccination != nil {
		wv = *want.Vaccination
	}
	d.str("vaccination.doses", fmt.Sprint(gv.Doses), fmt.Sprint(wv.Doses))
	d.str("vaccination.last_dose_at", gv.LastDoseAt, wv.LastDoseAt)
	d.str("source.system", got.Source.System, want.Source.System)
	d.str("source.record_id", got.Source.RecordID, want.Source.RecordID)
	return d.out
}

func eventDiff(name string, got, want schema.Event) []fieldDiff {
	d := &differ{record: name}
	d.str("region", got.Region, want.Region)
	d.str("place.name", got.Place.Name, want.Place.Name)
	d.str("place.region", got.Place.Region, want.Place.Region)
	d.float("place.lat", got.Place.Lat, want.Place.Lat)
	d.float("place.lon", got.Place.Lon, want.Place.Lon)
	d.time("start", got.Start, want.Start)
	d.time("end", got.End, want.End)
	d.str("kind", got.Kind, want.Kind)
	d.str("place.id", got.Place.ID, want.Place.ID)
	d.str("source.system", got.Source.System, want.Source.System)
	d.str("source.record_id", got.Source.RecordID, want.Source.RecordID)
	return d.out
}
