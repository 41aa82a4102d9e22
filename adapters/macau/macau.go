package macau

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/charset"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter reads and writes the Macau health-code export.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	// region is Macau's GB/T 2260 code; the export carries no finer one.
	region = "820000"
	system = "mo-jkm"

	timeLayout = "2006/01/02 15:04:05"
	dateLayout = "2006/01/02"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "macau" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "澳門健康碼 (Macau health code): Big5 key=value export"
}

// The markers and keys are matched as Big5 bytes, so that well-formed lines
// are decoded only where a value holds Chinese text.
var (
	magicBig5   = mustBig5(magic)
	markerBig5  = mustBig5(recordMarker)
	fieldByBig5 = map[string]field{}
	utf8BOM     = []byte("\xef\xbb\xbf")
)

func init() {
	for f, k := range fieldKeys {
		fieldByBig5[string(mustBig5(k))] = field(f)
	}
	fieldByBig5[string(mustBig5(keyVenue))] = fVenue
}

func mustBig5(s string) []byte {
	b, err := traditionalchinese.Big5.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(fmt.Sprintf("macau: %q is not encodable in Big5: %v", s, err))
	}
	return b
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("macau: decode options carry no pseudonymizer")
	}
	d := &decoder{big5: traditionalchinese.Big5.NewDecoder(), subjects: opts.Subjects}
	sc := lineScanner{rest: raw}

	first, ok := sc.next()
	if !ok || len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("macau: empty payload")
	}
	if !bytes.Equal(trim(first), magicBig5) {
		return nil, fmt.Errorf("macau: %w", notMacau(first))
	}
	batchID, more, err := d.header(&sc)
	if err != nil {
		return nil, fmt.Errorf("macau: header: %w", err)
	}
	if opts.BatchID != "" {
		batchID = opts.BatchID
	}
	if batchID == "" {
		batchID = adapters.PayloadBatchID("macau", raw)
	}

	b := adapters.NewBuilder(region, batchID)
	var rec rawRecord
	for index := 0; more; index++ {
		rec.reset(sc.no)
		more = false
		for {
			ln, ok := sc.next()
			if !ok {
				break
			}
			t := trim(ln)
			if bytes.Equal(t, markerBig5) {
				more = true
				break
			}
			if len(t) > 0 {
				d.scanLine(&rec, sc.no, t)
			}
		}
		d.record(b, index, &rec)
	}
	return b.Result(), nil
}

// notMacau explains a first line that is not the Big5 magic line, naming
// the encoding when the export was written in the wrong one.
func notMacau(first []byte) error {
	t := bytes.TrimPrefix(trim(first), utf8BOM)
	if bytes.HasPrefix(t, []byte(magic)) || bytes.HasPrefix(t, []byte("澳门健康码")) {
		return errors.New("payload is UTF-8, not Big5 (the first line reads as UTF-8)")
	}
	if gb, err := simplifiedchinese.GB18030.NewDecoder().Bytes(t); err == nil &&
		(bytes.HasPrefix(gb, []byte(magic)) || bytes.HasPrefix(gb, []byte("澳门健康码"))) {
		return errors.New("payload is GBK/GB18030, not Big5 (the first line reads as GBK)")
	}
	return fmt.Errorf("not a macau health-code export: line 1 is not %s", magic)
}

type decoder struct {
	big5     *encoding.Decoder
	subjects *schema.Pseudonymizer
	buf      []byte // scratch for text
}

// header reads the key=value lines between the magic line and the first
// record marker. It returns the batch ID (empty if the export has none) and
// whether a record follows.
func (d *decoder) header(sc *lineScanner) (batchID string, records bool, err error) {
	version := ""
	for {
		ln, ok := sc.next()
		if !ok {
			break
		}
		t := trim(ln)
		if len(t) == 0 {
			continue
		}
		if bytes.Equal(t, markerBig5) {
			records = true
			break
		}
		k, v, ok := bytes.Cut(t, []byte("="))
		if !ok {
			return "", false, fmt.Errorf("line %d: not a key=value line", sc.no)
		}
		if _, ok := fieldByBig5[string(trim(k))]; ok {
			// Records without their marker would otherwise vanish into
			// the header.
			return "", false, fmt.Errorf("line %d: record key before the first %s marker", sc.no, recordMarker)
		}
		key, err := d.text(trim(k))
		if err != nil {
			return "", false, fmt.Errorf("line %d: key: %w", sc.no, err)
		}
		val, err := d.text(trim(v))
		if err != nil {
			return "", false, fmt.Errorf("line %d: %s: %w", sc.no, key, err)
		}
		switch key {
		case keyVersion:
			version = val
		case keyBatchID:
			batchID = val
		case keyExportedAt:
			if _, err := adapters.ParseBeijing(timeLayout, val); err != nil {
				return "", false, fmt.Errorf("line %d: %s: %w", sc.no, key, err)
			}
		}
	}
	switch version {
	case "1":
	case "":
		return "", false, fmt.Errorf("no %s line", keyVersion)
	default:
		return "", false, fmt.Errorf("unsupported %s %s (this adapter reads version 1)", keyVersion, redact.Code(version))
	}
	return batchID, records, nil
}

// kv is one value of a record and the line it came from; line 0 means absent.
type kv struct {
	line int
	val  []byte // raw Big5, trimmed
}

type unknownKey struct {
	line int
	key  string
}

// rawRecord holds the lines of one record before any value is interpreted,
// so that the record ID is known even when an earlier line is broken.
type rawRecord struct {
	marker  int // line of the [記錄] marker
	fields  [numFields]kv
	venues  []kv
	unknown []unknownKey
	field   string // first structural problem, if err != nil
	err     error
}

func (r *rawRecord) reset(marker int) {
	*r = rawRecord{marker: marker, venues: r.venues[:0], unknown: r.unknown[:0]}
}

func (r *rawRecord) fail(field string, err error) {
	if r.err == nil {
		r.field, r.err = field, err
	}
}

func (d *decoder) scanLine(rec *rawRecord, no int, t []byte) {
	k, v, ok := bytes.Cut(t, []byte("="))
	if !ok {
		rec.fail("", fmt.Errorf("line %d: not a key=value line", no))
		return
	}
	k, v = trim(k), trim(v)
	f, known := fieldByBig5[string(k)]
	if !known {
		key, err := d.text(k)
		switch {
		case err != nil:
			rec.fail("", fmt.Errorf("line %d: key: %w", no, err))
		case isSimplified(key):
			rec.fail(key, fmt.Errorf("line %d: key %s is Simplified Chinese; this format writes Traditional keys", no, redact.Code(key)))
		default:
			rec.unknown = append(rec.unknown, unknownKey{no, key})
		}
		return
	}
	if f == fVenue {
		rec.venues = append(rec.venues, kv{no, v})
		return
	}
	if prev := rec.fields[f].line; prev != 0 {
		rec.fail(fieldKeys[f], fmt.Errorf("line %d: %s given twice (first on line %d)", no, fieldKeys[f], prev))
		return
	}
	rec.fields[f] = kv{no, v}
}

func (d *decoder) record(b *adapters.Builder, index int, rec *rawRecord) {
	ref := ""
	if id := rec.fields[fRecordID]; id.line != 0 && codes.ID(string(id.val)) {
		ref = string(id.val)
	}
	r := b.Record(index, ref)
	if rec.err != nil {
		r.Reject(rec.field, rec.err)
		return
	}
	for _, u := range rec.unknown {
		b.Warn(index, ref, u.key, fmt.Errorf("line %d: unknown key ignored", u.line))
	}
	if f, err := d.fill(r, rec, ref); err != nil {
		r.Reject(keyOf(f), err)
		return
	}
	r.Commit()
}

// fill builds the v1 status and events of a record, or says which field is
// wrong.
func (d *decoder) fill(r *adapters.Record, rec *rawRecord, recordID string) (field, error) {
	for _, f := range []field{fRecordID, fDocType, fDocNumber, fColor, fIssuedAt} {
		if rec.fields[f].line == 0 {
			return f, fmt.Errorf("record at line %d has no %s", rec.marker, fieldKeys[f])
		}
	}
	if recordID == "" {
		return fRecordID, fmt.Errorf("line %d: want 1 to 128 printable ASCII characters", rec.fields[fRecordID].line)
	}

	// The name is not carried into v1, but a name that is not Big5 means
	// the line was damaged or written in another encoding.
	if _, err := d.value(rec, fName); err != nil {
		return fName, err
	}
	docType, err := d.lookup(rec, fDocType, docTypes, "澳門居民身份證, 往來港澳通行證, 香港居民身份證 or 護照")
	if err != nil {
		return fDocType, err
	}
	number, err := d.value(rec, fDocNumber)
	if err != nil {
		return fDocNumber, err
	}
	subject, err := d.subjects.Subject(docType, number)
	if err != nil {
		return fDocNumber, fmt.Errorf("line %d: %w", rec.fields[fDocNumber].line, err)
	}
	color, err := d.lookup(rec, fColor, colors, "綠碼, 黃碼 or 紅碼")
	if err != nil {
		return fColor, err
	}
	label, _ := d.value(rec, fColor)
	reasons, err := d.reasons(rec)
	if err != nil {
		return fReasons, err
	}
	issued, err := d.time(rec, fIssuedAt)
	if err != nil {
		return fIssuedAt, err
	}
	validUntil, err := d.time(rec, fValidUntil)
	if err != nil {
		return fValidUntil, err
	}
	st := schema.Status{
		Subject:    subject,
		Region:     region,
		Color:      color,
		Reasons:    reasons,
		Local:      &schema.Local{Label: label, Code: label},
		IssuedAt:   issued,
		ValidUntil: validUntil,
		Source:     schema.Source{System: system, RecordID: recordID},
	}
	if f, err := d.nat(rec, &st); err != nil {
		return f, err
	}
	if f, err := d.vaccination(rec, &st); err != nil {
		return f, err
	}
	r.AddStatus(st)
	for _, v := range rec.venues {
		ev, err := d.venue(v, subject)
		if err != nil {
			return fVenue, err
		}
		r.AddEvent(ev)
	}
	return 0, nil
}

// value returns a field's text ("" when absent).
func (d *decoder) value(rec *rawRecord, f field) (string, error) {
	v := rec.fields[f]
	if v.line == 0 {
		return "", nil
	}
	s, err := d.text(v.val)
	if err != nil {
		return "", fmt.Errorf("line %d: %w", v.line, err)
	}
	return s, nil
}

// lookup maps a field's label through table; a Simplified spelling of a
// label is refused with its own message because it means the record was
// not written by the Macau system (or was converted on the way).
func (d *decoder) lookup(rec *rawRecord, f field, table map[string]string, want string) (string, error) {
	s, err := d.value(rec, f)
	if err != nil {
		return "", err
	}
	if v, ok := table[s]; ok {
		return v, nil
	}
	return "", labelError(rec.fields[f].line, s, want)
}

func labelError(line int, label, want string) error {
	if isSimplified(label) {
		return fmt.Errorf("line %d: %s is Simplified Chinese; this format writes Traditional labels (%s)", line, redact.Code(label), want)
	}
	return fmt.Errorf("line %d: unknown value %s (want %s)", line, redact.Code(label), want)
}

func (d *decoder) reasons(rec *rawRecord) ([]string, error) {
	s, err := d.value(rec, fReasons)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, label := range strings.FieldsFunc(s, isReasonSep) {
		label = strings.TrimSpace(label)
		if label == "" {
			continue
		}
		code, ok := reasonByLabel[label]
		if !ok {
			return nil, labelError(rec.fields[fReasons].line, label, "a label of the reason table")
		}
		out = append(out, code)
	}
	return out, nil
}

func isReasonSep(r rune) bool { return r == '、' || r == '，' || r == ',' }

func (d *decoder) time(rec *rawRecord, f field) (time.Time, error) {
	s, err := d.value(rec, f)
	if err != nil || s == "" {
		return time.Time{}, err
	}
	// Macau time is UTC+8 all year (no summer time since 1979), the same
	// offset as Beijing.
	t, err := adapters.ParseBeijing(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("line %d: %w", rec.fields[f].line, err)
	}
	return t, nil
}

func (d *decoder) nat(rec *rawRecord, st *schema.Status) (field, error) {
	if rec.fields[fNATResult].line == 0 {
		for _, f := range []field{fNATSampled, fNATLab} {
			if v := rec.fields[f]; v.line != 0 {
				return fNATResult, fmt.Errorf("line %d: %s given without %s", v.line, fieldKeys[f], keyNATResult)
			}
		}
		return 0, nil
	}
	result, err := d.lookup(rec, fNATResult, natResults, "陰性, 陽性 or 待出結果")
	if err != nil {
		return fNATResult, err
	}
	sampled, err := d.time(rec, fNATSampled)
	if err != nil {
		return fNATSampled, err
	}
	lab, err := d.value(rec, fNATLab)
	if err != nil {
		return fNATLab, err
	}
	st.NAT = &schema.NAT{Result: result, SampledAt: sampled, Lab: lab}
	return 0, nil
}

func (d *decoder) vaccination(rec *rawRecord, st *schema.Status) (field, error) {
	dv := rec.fields[fDoses]
	if dv.line == 0 {
		if v := rec.fields[fLastDose]; v.line != 0 {
			return fDoses, fmt.Errorf("line %d: %s given without %s", v.line, keyLastDose, keyDoses)
		}
		return 0, nil
	}
	doses, err := strconv.Atoi(string(dv.val))
	if err != nil || doses < 0 || doses > 20 {
		return fDoses, fmt.Errorf("line %d: want a number of doses from 0 to 20", dv.line)
	}
	st.Vaccination = &schema.Vaccination{Doses: doses}
	if lv := rec.fields[fLastDose]; lv.line != 0 {
		t, err := time.Parse(dateLayout, string(lv.val))
		if err != nil {
			return fLastDose, fmt.Errorf("line %d: date %s does not match %s", lv.line, redact.Time(string(lv.val)), dateLayout)
		}
		st.Vaccination.LastDoseAt = t.Format(time.DateOnly)
	}
	return 0, nil
}

// venue reads 掃碼編號|場所編號|場所名稱|進入時間|離開時間. The split happens
// after decoding: 0x7C ('|') is also a Big5 trail byte (院 is B0 7C), so the
// raw bytes of a place name may hold it.
func (d *decoder) venue(v kv, subject string) (schema.Event, error) {
	s, err := d.text(v.val)
	if err != nil {
		return schema.Event{}, fmt.Errorf("line %d: %w", v.line, err)
	}
	parts := strings.Split(s, "|")
	if len(parts) != 5 {
		return schema.Event{}, fmt.Errorf("line %d: want 5 parts 掃碼編號|場所編號|場所名稱|進入時間|離開時間, got %d", v.line, len(parts))
	}
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	scanID, placeID, name := parts[0], parts[1], parts[2]
	if !codes.ID(scanID) {
		return schema.Event{}, fmt.Errorf("line %d: 掃碼編號 wants 1 to 128 printable ASCII characters", v.line)
	}
	if placeID == "" {
		return schema.Event{}, fmt.Errorf("line %d: 場所編號 is empty", v.line)
	}
	start, err := adapters.ParseBeijing(timeLayout, parts[3])
	if err != nil {
		return schema.Event{}, fmt.Errorf("line %d: 進入時間: %w", v.line, err)
	}
	var end time.Time
	if parts[4] != "" {
		if end, err = adapters.ParseBeijing(timeLayout, parts[4]); err != nil {
			return schema.Event{}, fmt.Errorf("line %d: 離開時間: %w", v.line, err)
		}
	}
	return schema.Event{
		Subject: subject,
		Region:  region,
		Kind:    schema.KindVenueScan,
		Place:   schema.Place{ID: placeID, Name: name, Region: region},
		Start:   start,
		End:     end,
		Source:  schema.Source{System: system, RecordID: scanID},
	}, nil
}

var errNotBig5 = errors.New("bytes are not valid Big5")

// text decodes Big5 bytes. The decoder replaces what it cannot map by
// U+FFFD, which Big5 itself never encodes, so its presence is the error.
func (d *decoder) text(b []byte) (string, error) {
	if charset.ASCII(b) {
		return string(b), nil
	}
	// A Big5 byte becomes at most 3 bytes of UTF-8 (a lone invalid byte
	// turns into U+FFFD), so one call always fits.
	if n := 3 * len(b); cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	d.big5.Reset()
	n, _, err := d.big5.Transform(d.buf[:cap(d.buf)], b, true)
	out := d.buf[:n]
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", errNotBig5
	}
	return string(out), nil
}

// trim removes ASCII blanks at both ends. It is safe on Big5 bytes: lead
// bytes are 0x81 and above and trail bytes 0x40 and above.
func trim(b []byte) []byte { return bytes.Trim(b, " \t") }

// lineScanner yields lines without their terminator (LF or CRLF) and
// counts them from 1.
type lineScanner struct {
	rest []byte
	no   int
}

func (s *lineScanner) next() ([]byte, bool) {
	if len(s.rest) == 0 {
		return nil, false
	}
	s.no++
	var ln []byte
	if i := bytes.IndexByte(s.rest, '\n'); i >= 0 {
		ln, s.rest = s.rest[:i], s.rest[i+1:]
	} else {
		ln, s.rest = s.rest, nil
	}
	return bytes.TrimSuffix(ln, []byte("\r")), true
}
