package eudcc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// ID is the format name.
const ID = "eu-dcc"

// DefaultRegion is the port-of-entry region of a line that names none:
// 440300, Shenzhen, whose land ports took in most travellers arriving from
// Europe by way of Hong Kong.
const DefaultRegion = "440300"

// Codes of the DCC value sets that the mapping reads.
const (
	diseaseCOVID19   = "840539006" // tg: COVID-19
	testTypeNAAT     = "LP6464-4"  // tt: nucleic acid amplification with probe detection
	testTypeRAT      = "LP217198-3"
	resultNotFound   = "260415000" // tr: not detected
	resultDetected   = "260373001" // tr: detected
	negativeNATValid = 72 * time.Hour
)

// Adapter reads and writes EU Digital COVID Certificates.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

// ID returns "eu-dcc".
func (Adapter) ID() string { return ID }

// Regions returns "*": certificates are checked at any port of entry.
func (Adapter) Regions() []string { return []string{"*"} }

// Description is one line for listings.
func (Adapter) Description() string {
	return "EU Digital COVID Certificates (HC1 QR text) of inbound travellers, verified against a signer trust list"
}

// line is one record of the payload: the QR text and what the checkpoint
// scanned with it.
type line struct {
	QR        string `json:"qr"`
	DocType   string `json:"doc_type"`
	DocNumber string `json:"doc_number"`
	Region    string `json:"region"`
}

// Decode reads one certificate per line. See the package documentation.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("decode eu-dcc: no pseudonymizer in the options")
	}
	if !utf8.Valid(raw) {
		return nil, stageErrorf(StagePrefix, "", "payload is not UTF-8 text")
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = adapters.PayloadBatchID(ID, raw)
	}
	b := adapters.NewBuilder(DefaultRegion, batchID)
	d := decoder{b: b, opts: opts, trust: NewTrustList(opts.Trust)}
	for rest := raw; len(rest) > 0; {
		var text []byte
		text, rest, _ = bytes.Cut(rest, []byte("\n"))
		text = bytes.TrimSuffix(text, []byte("\r"))
		if len(bytes.TrimSpace(text)) == 0 {
			continue
		}
		d.record(d.n, string(text))
		d.n++
	}
	if d.n == 0 {
		return nil, stageErrorf(StagePrefix, "", "payload holds no certificate")
	}
	return b.Result(), nil
}

type decoder struct {
	b            *adapters.Builder
	opts         adapters.DecodeOptions
	trust        *TrustList
	n            int
	regionChosen bool
}

func (d *decoder) record(index int, text string) {
	r := d.b.Record(index, "")
	reject := func(err error) {
		var se *StageError
		if errors.As(err, &se) {
			r.RejectStage(se.Stage, se.Field, se.Err)
			return
		}
		r.RejectStage(StageSchema, "", err)
	}
	ln, err := parseLine(text)
	if err != nil {
		reject(err)
		return
	}
	if ln.Region != "" && !d.regionChosen {
		d.b.SetRegion(ln.Region)
		d.regionChosen = true
	}
	cert, err := Parse(ln.QR)
	if err != nil {
		reject(err)
		return
	}
	if _, err := cert.Verify(d.trust, d.opts.At); err != nil {
		reject(err)
		return
	}
	subject, err := d.subject(ln, cert.DGC)
	if err != nil {
		reject(err)
		return
	}
	st, err := mapStatus(cert, subject, ln.Region, d.opts.At)
	if err != nil {
		reject(err)
		return
	}
	if st.Source.System == ID && cert.Issuer != "" {
		d.b.Warn(index, "", "cwt.iss", fmt.Errorf("issuer %s is not an ISO 3166-1 alpha-2 code; source system is %q", redact.Code(cert.Issuer), ID))
	}
	r.AddStatus(st)
	r.Commit()
}

// parseLine reads a payload line: the QR text itself, or a JSON object that
// carries it with the document scanned alongside and the port of entry.
func parseLine(text string) (line, error) {
	trimmed := strings.TrimLeft(text, " \t")
	if !strings.HasPrefix(trimmed, "{") {
		// Leading blanks are a transport artefact; trailing ones may be
		// Base45 data (the space is in its alphabet), so they stay.
		return line{QR: trimmed, Region: DefaultRegion}, nil
	}
	var ln line
	if err := json.Unmarshal([]byte(trimmed), &ln); err != nil {
		return line{}, stageErrorf(StagePrefix, "line", "line starts like JSON but is not a JSON object: %w", err)
	}
	if ln.QR == "" {
		return line{}, stageErrorf(StagePrefix, "qr", "JSON line has no qr")
	}
	if (ln.DocType == "") != (ln.DocNumber == "") {
		return line{}, stageErrorf(StageSchema, "doc_type", "doc_type and doc_number go together")
	}
	if ln.Region == "" {
		ln.Region = DefaultRegion
	} else if !regionCode(ln.Region) {
		return line{}, stageErrorf(StageSchema, "region", "region %s is not a GB/T 2260 code of 6 or 9 digits", redact.Code(ln.Region))
	}
	return ln, nil
}

func regionCode(s string) bool { return codes.Region(s) && s[0] != '0' }

// subject pseudonymises the accompanying document when the checkpoint
// scanned one, else the holder's transliterated names and date of birth.
func (d *decoder) subject(ln line, dgc map[string]any) (string, error) {
	if ln.DocType != "" {
		s, err := d.opts.Subjects.Subject(ln.DocType, ln.DocNumber)
		if err != nil {
			return "", &StageError{Stage: StageSchema, Field: "doc_number", Err: err}
		}
		return s, nil
	}
	holder, err := HolderID(dgc)
	if err != nil {
		return "", err
	}
	s, err := d.opts.Subjects.Subject(schema.DocDCCHolder, holder)
	if err != nil {
		return "", &StageError{Stage: StageSchema, Field: "nam", Err: err}
	}
	return s, nil
}

// HolderID returns the normalised dcc_holder document of a DGC:
// "FNT<<GNT/DOB" from the ICAO 9303 transliterated names and the date of
// birth without a time part. Errors are *StageError; they never quote the
// names or the date.
func HolderID(dgc map[string]any) (string, error) {
	nam, _ := dgc["nam"].(map[string]any)
	fnt, _ := nam["fnt"].(string)
	gnt, _ := nam["gnt"].(string)
	if fnt == "" {
		return "", stageErrorf(StageSchema, "nam.fnt", "no transliterated surname to identify the holder by")
	}
	for _, f := range [...]struct{ field, value string }{{"nam.fnt", fnt}, {"nam.gnt", gnt}} {
		for i := 0; i < len(f.value); i++ {
			if c := f.value[i]; !(c >= 'A' && c <= 'Z' || c == '<') {
				return "", stageErrorf(StageSchema, f.field, "is not ICAO 9303 transliterated (A-Z and <)")
			}
		}
	}
	dob, _ := dgc["dob"].(string)
	dob, _, _ = strings.Cut(dob, "T")
	if dob == "" {
		return "", stageErrorf(StageSchema, "dob", "no date of birth to identify the holder by")
	}
	return fnt + "<<" + gnt + "/" + dob, nil
}

// RecordID derives the v1 record ID of a certificate: "uvci-" and 32 hex
// digits of SHA-256(subject ":" ci). The UVCI is the certificate's own
// identifier, but it is printed on the holder's paper certificate and
// stored by the issuer next to the holder's name; hashing it with the
// subject, itself keyed by the federation key, keeps replays stable without
// letting anyone who saw the UVCI find the holder's records.
func RecordID(subject, ci string) string {
	sum := sha256.Sum256([]byte(subject + ":" + ci))
	return "uvci-" + hex.EncodeToString(sum[:16])
}

// mapStatus turns a verified certificate into one v1 status.
func mapStatus(c *Certificate, subject, region string, at time.Time) (schema.Status, error) {
	iat, _ := claimTime(c.iat, "iat", claimIat) // Verify has checked both
	exp, _ := claimTime(c.exp, "exp", claimExp)
	typ := c.Type()
	entry := c.DGC[typ].([]any)[0].(map[string]any) // the schema holds exactly one
	field := func(name string) string { return typ + ".0." + name }
	if tg, _ := entry["tg"].(string); tg != diseaseCOVID19 {
		return schema.Status{}, stageErrorf(StageSchema, field("tg"), "targets disease %s, not COVID-19 (%s)", redact.Code(tg), diseaseCOVID19)
	}
	ci, _ := entry["ci"].(string)
	st := schema.Status{
		Subject:    subject,
		Region:     region,
		IssuedAt:   iat.In(adapters.Beijing),
		ValidUntil: exp.In(adapters.Beijing),
		Source:     schema.Source{System: sourceSystem(c.Issuer), RecordID: RecordID(subject, ci)},
	}
	var err error
	switch typ {
	case "v":
		err = mapVaccination(&st, entry, field)
	case "t":
		err = mapTest(&st, entry, field, iat, at)
	case "r":
		err = mapRecovery(&st, entry, field, at)
	}
	return st, err
}

// sourceSystem names the issuing country's system, "eu-dcc-at" for iss
// "AT"; an issuer that is not an ISO 3166-1 alpha-2 code gives "eu-dcc".
func sourceSystem(iss string) string {
	if len(iss) != 2 {
		return ID
	}
	for _, c := range strings.ToLower(iss) {
		if c < 'a' || c > 'z' {
			return ID
		}
	}
	return ID + "-" + strings.ToLower(iss)
}

func mapVaccination(st *schema.Status, e map[string]any, field func(string) string) error {
	dn, err := dose(e, "dn", field)
	if err != nil {
		return err
	}
	sd, err := dose(e, "sd", field)
	if err != nil {
		return err
	}
	dt, err := parseDate(e["dt"], field("dt"))
	if err != nil {
		return err
	}
	st.Vaccination = &schema.Vaccination{Doses: dn, LastDoseAt: dt.Format(time.DateOnly)}
	st.Local = &schema.Local{Label: fmt.Sprintf("EU DCC vaccination, dose %d of %d", dn, sd), Code: fmt.Sprintf("v:%d/%d", dn, sd)}
	if dn >= sd {
		st.Color, st.Reasons = schema.Green, []string{schema.ReasonVaccinated}
	} else {
		// An incomplete series protects no traveller from observation.
		st.Color, st.Reasons = schema.Yellow, []string{schema.ReasonInbound}
	}
	return nil
}

func dose(e map[string]any, name string, field func(string) string) (int, error) {
	n, ok := e[name].(json.Number)
	if !ok {
		return 0, stageErrorf(StageSchema, field(name), "is not a number")
	}
	v, err := n.Int64()
	if err != nil || v < 1 || v > 99 {
		return 0, stageErrorf(StageSchema, field(name), "is not a dose number from 1 to 99")
	}
	return int(v), nil
}

func mapTest(st *schema.Status, e map[string]any, field func(string) string, iat, at time.Time) error {
	sc, err := parseDateTime(e["sc"], field("sc"))
	if err != nil {
		return err
	}
	if !at.IsZero() && sc.After(at) {
		return stageErrorf(StageExpired, field("sc"), "sample collected after the validation clock %s", stamp(at))
	}
	tt, _ := e["tt"].(string)
	tr, _ := e["tr"].(string)
	if tr != resultNotFound && tr != resultDetected {
		return stageErrorf(StageSchema, field("tr"), "test result %s is neither %s (not detected) nor %s (detected)", redact.Code(tr), resultNotFound, resultDetected)
	}
	detected := tr == resultDetected
	kind := "rapid antigen test"
	if tt == testTypeNAAT {
		kind = "NAA test"
	} else if tt != testTypeRAT {
		kind = "test " + tt
	}
	outcome := "not detected"
	if detected {
		outcome = "detected"
	}
	st.Local = &schema.Local{Label: truncate("EU DCC "+kind+": "+outcome, 64), Code: "t:" + tr}
	if tt != testTypeNAAT {
		// A v1 NAT is a nucleic-acid test; an antigen test is not one and is
		// not reported as one.
		if detected {
			st.Color, st.Reasons = schema.Red, []string{schema.ReasonRiskGroup}
			st.ValidUntil = time.Time{}
		} else {
			st.Color, st.Reasons = schema.Yellow, []string{schema.ReasonInbound}
		}
		return nil
	}
	nat := &schema.NAT{Result: schema.NATNegative, SampledAt: sc}
	if tc, _ := e["tc"].(string); tc != "" {
		nat.Lab = tc
	}
	st.NAT = nat
	if detected {
		// Red lasts until a later status of the subject in this region
		// (their recovery certificate) replaces it, not until exp.
		nat.Result = schema.NATPositive
		st.Color, st.Reasons = schema.Red, []string{schema.ReasonNATPositive}
		st.ValidUntil = time.Time{}
		return nil
	}
	end := sc.Add(negativeNATValid)
	if !end.After(iat) {
		// Issued when the sample was already too old to vouch for anything.
		st.Color, st.Reasons = schema.Yellow, []string{schema.ReasonInbound}
		return nil
	}
	st.Color, st.Reasons = schema.Green, []string{schema.ReasonNATNegative72h}
	if end.Before(st.ValidUntil) {
		st.ValidUntil = end.In(adapters.Beijing)
	}
	return nil
}

func mapRecovery(st *schema.Status, e map[string]any, field func(string) string, at time.Time) error {
	df, err := parseDate(e["df"], field("df"))
	if err != nil {
		return err
	}
	du, err := parseDate(e["du"], field("du"))
	if err != nil {
		return err
	}
	if _, err := parseDate(e["fr"], field("fr")); err != nil {
		return err
	}
	// df and du are dates without a zone: the day is taken in UTC, and du
	// is valid to its end.
	until := du.AddDate(0, 0, 1)
	switch {
	case until.Before(df):
		return stageErrorf(StageSchema, field("du"), "valid until a day before valid from")
	case !at.IsZero() && at.Before(df):
		return stageErrorf(StageExpired, field("df"), "recovery certificate valid from %s, clock %s", df.Format(time.DateOnly), stamp(at))
	case !at.IsZero() && !at.Before(until):
		return stageErrorf(StageExpired, field("du"), "recovery certificate valid until %s, clock %s", du.Format(time.DateOnly), stamp(at))
	}
	st.Color, st.Reasons = schema.Green, []string{schema.ReasonRecovered}
	st.Local = &schema.Local{Label: "EU DCC recovery", Code: "r"}
	if until.Before(st.ValidUntil) {
		st.ValidUntil = until.In(adapters.Beijing)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// parseDate reads a complete date, ignoring a time part that schema 1.0.x
// certificates carry. The messages never quote the value: a date may be
// personal.
func parseDate(v any, field string) (time.Time, error) {
	s, _ := v.(string)
	if len(s) < 10 {
		return time.Time{}, stageErrorf(StageSchema, field, "is not a date")
	}
	t, err := time.Parse(time.DateOnly, s[:10])
	if err != nil {
		return time.Time{}, stageErrorf(StageSchema, field, "is not a calendar date")
	}
	return t, nil
}

// dateTimeLayouts are the ISO 8601 forms issuers wrote. A time without an
// offset is read as UTC, a date without a time as the start of that day in
// UTC, which makes a test look older, never fresher.
var dateTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	time.DateOnly,
}

// parseDateTime reads a date and time and keeps the offset written with it.
func parseDateTime(v any, field string) (time.Time, error) {
	s, _ := v.(string)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	for _, layout := range dateTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, stageErrorf(StageSchema, field, "is not an ISO 8601 date and time")
}
