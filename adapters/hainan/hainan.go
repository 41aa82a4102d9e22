package hainan

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

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/charset"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter reads and writes the Hainan health-code fixed-width export.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	region = "460000"
	system = "hn-jkm"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "hainan" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "海南健康码 (Hainan health code): GB18030 fixed-width export, 200-byte records"
}

var utf8BOM = []byte("\xef\xbb\xbf")

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("hainan: decode options carry no pseudonymizer")
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("hainan: empty payload")
	}
	if bytes.HasPrefix(raw, utf8BOM) {
		return nil, errors.New("hainan: payload starts with a UTF-8 byte order mark; this export is GB18030")
	}
	lines := splitLines(raw)
	hdr, err := readHeader(lines[0])
	if err != nil {
		return nil, fmt.Errorf("hainan: %w", err)
	}
	body, err := checkTrailer(lines)
	if err != nil {
		return nil, fmt.Errorf("hainan: %w", err)
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = hdr.batchID
	}
	if batchID == "" {
		batchID = adapters.PayloadBatchID("hainan", raw)
	}
	b := adapters.NewBuilder(hdr.region, batchID)
	d := decoder{gb: simplifiedchinese.GB18030.NewDecoder(), subjects: opts.Subjects, region: hdr.region}
	// A native record is a D line and the E lines that follow it; a line
	// of any other type starts a record of its own, which is rejected.
	index := 0
	for i := 0; i < len(body); index++ {
		j := i + 1
		for j < len(body) && len(body[j]) > 0 && body[j][0] == 'E' {
			j++
		}
		d.record(b, index, i+2, body[i:j])
		i = j
	}
	return b.Result(), nil
}

// splitLines splits at LF, drops a CR before it, and drops blank lines at
// the end of the file (after the trailer).
func splitLines(raw []byte) [][]byte {
	lines := bytes.Split(raw, []byte("\n"))
	for i, ln := range lines {
		lines[i] = bytes.TrimSuffix(ln, []byte("\r"))
	}
	for len(lines) > 1 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	return lines
}

type header struct {
	region, batchID string
}

func readHeader(ln []byte) (header, error) {
	if len(ln) != recordLength || ln[0] != 'H' || string(hFileID.of(ln)) != fileID {
		if len(ln) > hFileID.end() && ln[0] == 'H' && string(hFileID.of(ln)) == fileID {
			return header{}, fmt.Errorf("line 1: header record is %d bytes, want %d%s", len(ln), recordLength, utf8Hint(ln))
		}
		return header{}, fmt.Errorf("not a hainan health-code export: line 1 is not an H record with FILE-ID %s", fileID)
	}
	h := header{region: string(hRegion.of(ln)), batchID: string(trimPad(hBatchID.of(ln)))}
	if !codes.Digits(h.region) || !strings.HasPrefix(h.region, "46") {
		return header{}, fmt.Errorf("line 1: REGION %s is not a Hainan division code (46xxxx)", redact.Code(h.region))
	}
	if h.batchID != "" && !codes.ID(h.batchID) {
		return header{}, errors.New("line 1: BATCH-ID wants printable ASCII characters")
	}
	if _, err := parseTime(hCreated.of(ln)); err != nil {
		return header{}, fmt.Errorf("line 1: CREATED: %w", err)
	}
	return h, nil
}

// checkTrailer finds the trailer, checks its count against the records
// between header and trailer, and returns those records.
func checkTrailer(lines [][]byte) ([][]byte, error) {
	last := len(lines)
	t := lines[last-1]
	if last < 2 || len(t) == 0 || t[0] != 'T' {
		return nil, fmt.Errorf("no trailer record: line %d is not a T record (was the file cut short?)", last)
	}
	if len(t) != recordLength {
		return nil, fmt.Errorf("line %d: trailer record is %d bytes, want %d", last, len(t), recordLength)
	}
	cnt := string(tCount.of(t))
	n, err := strconv.Atoi(cnt)
	if err != nil || !codes.Digits(cnt) {
		return nil, fmt.Errorf("line %d: REC-COUNT %s is not an 8-digit count", last, redact.Code(cnt))
	}
	body := lines[1 : last-1]
	if n != len(body) {
		return nil, fmt.Errorf("trailer counts %d records, the file holds %d between header and trailer", n, len(body))
	}
	return body, nil
}

type decoder struct {
	gb       *encoding.Decoder
	subjects *schema.Pseudonymizer
	region   string
	buf      []byte // scratch for text
}

// record decodes one D line (at line number no) and its E lines.
func (d *decoder) record(b *adapters.Builder, index, no int, lines [][]byte) {
	head := lines[0]
	ref := ""
	if len(head) >= dRecordID.end() && head[0] == 'D' {
		if id := string(trimPad(dRecordID.of(head))); codes.ID(id) {
			ref = id
		}
	}
	r := b.Record(index, ref)
	for k, ln := range lines {
		if len(ln) != recordLength {
			r.Reject("", fmt.Errorf("line %d: record is %d bytes, want %d%s", no+k, len(ln), recordLength, utf8Hint(ln)))
			return
		}
	}
	switch head[0] {
	case 'D':
	case 'E':
		r.Reject(eType.name, fmt.Errorf("line %d: E record without a D record before it", no))
		return
	default:
		r.Reject(dType.name, fmt.Errorf("line %d: unknown record type %s", no, redact.Code(string(head[:1]))))
		return
	}
	st, field, err := d.status(head)
	if err != nil {
		r.Reject(field, fmt.Errorf("line %d: %w", no, err))
		return
	}
	r.AddStatus(st)
	for k, ln := range lines[1:] {
		ev, field, err := d.event(ln, st.Subject)
		if err != nil {
			r.Reject(field, fmt.Errorf("line %d: %w", no+1+k, err))
			return
		}
		r.AddEvent(ev)
	}
	r.Commit()
}

func (d *decoder) status(ln []byte) (schema.Status, string, error) {
	var st schema.Status
	if field, err := checkChars(ln, dLayout); err != nil {
		return st, field, err
	}
	id := string(trimPad(dRecordID.of(ln)))
	if !codes.ID(id) {
		return st, dRecordID.name, errors.New("want 1 to 20 printable ASCII characters")
	}
	// The name is not carried into v1; decoding it still catches bytes
	// that are not GB18030.
	if _, err := d.text(dName.of(ln)); err != nil {
		return st, dName.name, err
	}
	docType, ok := docTypeByCode[string(dDocType.of(ln))]
	if !ok {
		return st, dDocType.name, fmt.Errorf("unknown document type code %s", redact.Code(string(dDocType.of(ln))))
	}
	subject, err := d.subjects.Subject(docType, string(trimPad(dDocNumber.of(ln))))
	if err != nil {
		return st, dDocNumber.name, err
	}
	cc, ok := colorByCode[ln[dColorCode.off]]
	if !ok {
		return st, dColorCode.name, fmt.Errorf("unknown colour code %s (want 1, 2 or 3)", redact.Code(string(ln[dColorCode.off:dColorCode.off+1])))
	}
	label, err := d.text(dColorLabel.of(ln))
	if err != nil {
		return st, dColorLabel.name, err
	}
	if label != "" && label != cc.label {
		return st, dColorLabel.name, fmt.Errorf("label %s does not match COLOR-CD %c (%s)", redact.Code(label), ln[dColorCode.off], cc.label)
	}
	issued, err := parseTime(dIssuedAt.of(ln))
	if err != nil {
		return st, dIssuedAt.name, err
	}
	if issued.IsZero() {
		return st, dIssuedAt.name, errors.New("is blank")
	}
	validUntil, err := parseTime(dValidUntil.of(ln))
	if err != nil {
		return st, dValidUntil.name, err
	}
	reasons, err := parseReasons(dReasons.of(ln))
	if err != nil {
		return st, dReasons.name, err
	}
	st = schema.Status{
		Subject:    subject,
		Region:     d.region,
		Color:      cc.color,
		Reasons:    reasons,
		Local:      &schema.Local{Label: cc.label, Code: string(ln[dColorCode.off])},
		IssuedAt:   issued,
		ValidUntil: validUntil,
		Source:     schema.Source{System: system, RecordID: id},
	}
	if field, err := d.nat(ln, &st); err != nil {
		return st, field, err
	}
	if field, err := vaccination(ln, &st); err != nil {
		return st, field, err
	}
	return st, "", nil
}

func parseReasons(f []byte) ([]string, error) {
	out := []string{}
	for k := 0; k < reasonSlots; k++ {
		c := string(f[2*k : 2*k+2])
		if c == "  " || c == "00" {
			continue
		}
		code, ok := reasonByCode[c]
		if !ok {
			return nil, fmt.Errorf("unknown reason code %s in slot %d", redact.Code(c), k+1)
		}
		out = append(out, code)
	}
	return out, nil
}

func (d *decoder) nat(ln []byte, st *schema.Status) (string, error) {
	sampled, err := parseTime(dNATSampled.of(ln))
	if err != nil {
		return dNATSampled.name, err
	}
	lab, err := d.text(dNATLab.of(ln))
	if err != nil {
		return dNATLab.name, err
	}
	c := ln[dNATResult.off]
	if c == ' ' {
		if !sampled.IsZero() || lab != "" {
			return dNATResult.name, errors.New("is blank but NAT-SAMPLED or NAT-LAB is set")
		}
		return "", nil
	}
	result, ok := natByCode[c]
	if !ok {
		return dNATResult.name, fmt.Errorf("unknown result code %s (want 0, 1, 2 or blank)", redact.Code(string(ln[dNATResult.off:dNATResult.off+1])))
	}
	st.NAT = &schema.NAT{Result: result, SampledAt: sampled, Lab: lab}
	return "", nil
}

func vaccination(ln []byte, st *schema.Status) (string, error) {
	doses, last := trimPad(dDoses.of(ln)), trimPad(dLastDose.of(ln))
	if len(doses) == 0 {
		if len(last) > 0 {
			return dDoses.name, errors.New("is blank but VAX-LAST is set")
		}
		return "", nil
	}
	n, err := strconv.Atoi(string(doses))
	if err != nil || !codes.Digits(string(doses)) || n > 20 {
		return dDoses.name, errors.New("want a number of doses from 00 to 20")
	}
	st.Vaccination = &schema.Vaccination{Doses: n}
	if len(last) > 0 {
		t, err := time.Parse(dateLayout, string(last))
		if err != nil {
			return dLastDose.name, fmt.Errorf("date %s is not yyyyMMdd", redact.Time(string(last)))
		}
		st.Vaccination.LastDoseAt = t.Format(time.DateOnly)
	}
	return "", nil
}

func (d *decoder) event(ln []byte, subject string) (schema.Event, string, error) {
	var ev schema.Event
	if ln[0] != 'E' {
		return ev, eType.name, fmt.Errorf("unknown record type %s", redact.Code(string(ln[:1])))
	}
	if field, err := checkChars(ln, eLayout); err != nil {
		return ev, field, err
	}
	id := string(trimPad(eEventID.of(ln)))
	if !codes.ID(id) {
		return ev, eEventID.name, errors.New("want 1 to 20 printable ASCII characters")
	}
	kind, ok := kindByCode[ln[eKind.off]]
	if !ok {
		return ev, eKind.name, fmt.Errorf("unknown event kind code %s (want 1 to 4)", redact.Code(string(ln[eKind.off:eKind.off+1])))
	}
	placeID := string(trimPad(ePlaceID.of(ln)))
	if !codes.ID(placeID) {
		return ev, ePlaceID.name, errors.New("want 1 to 24 printable ASCII characters")
	}
	name, err := d.text(ePlaceName.of(ln))
	if err != nil {
		return ev, ePlaceName.name, err
	}
	rgn := string(trimPad(ePlaceRgn.of(ln)))
	if !codes.Region(rgn) {
		return ev, ePlaceRgn.name, fmt.Errorf("%s is not a 6- or 9-digit division code", redact.Code(rgn))
	}
	start, err := parseTime(eStart.of(ln))
	if err != nil {
		return ev, eStart.name, err
	}
	if start.IsZero() {
		return ev, eStart.name, errors.New("is blank")
	}
	end, err := parseTime(eEnd.of(ln))
	if err != nil {
		return ev, eEnd.name, err
	}
	lat, err := parseCoord(eLat.of(ln), 90)
	if err != nil {
		return ev, eLat.name, err
	}
	lon, err := parseCoord(eLon.of(ln), 180)
	if err != nil {
		return ev, eLon.name, err
	}
	return schema.Event{
		Subject: subject,
		Region:  d.region,
		Kind:    kind,
		Place:   schema.Place{ID: placeID, Name: name, Region: rgn, Lat: lat, Lon: lon},
		Start:   start,
		End:     end,
		Source:  schema.Source{System: system, RecordID: id},
	}, "", nil
}

func parseCoord(f []byte, limit float64) (float64, error) {
	s := string(trimPad(f))
	if s == "" {
		return 0, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	// The comparison also refuses NaN, which ParseFloat accepts.
	if err != nil || !(v >= -limit && v <= limit) {
		return 0, fmt.Errorf("%s is not a coordinate within ±%g", redact.Code(s), limit)
	}
	return v, nil
}

// parseTime reads yyyyMMddHHmm in Beijing time; a blank field is the zero
// time.
func parseTime(f []byte) (time.Time, error) {
	s := trimPad(f)
	if len(s) == 0 {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(timeLayout, string(s), adapters.Beijing)
	if err != nil || !codes.Digits(string(s)) {
		return time.Time{}, fmt.Errorf("time %s is not yyyyMMddHHmm", redact.Time(string(s)))
	}
	return t, nil
}

// checkChars walks the line one GB18030 character at a time and fails
// where a character does not end inside the field it starts in: fixed
// widths count bytes, and a width must never split a character. FILLER,
// the last field, is not read.
func checkChars(ln []byte, layout []fieldSpec) (string, error) {
	f := 0
	for i := 0; i < layout[len(layout)-1].off; {
		for layout[f].end() <= i {
			f++
		}
		field := layout[f]
		c := ln[i]
		if c <= 0x80 { // ASCII, or the euro sign GBK puts at 0x80
			i++
			continue
		}
		if c == 0xff {
			return field.name, fmt.Errorf("byte %d is not valid GB18030", i)
		}
		if i+1 == field.end() {
			return field.name, fmt.Errorf("a character starts at byte %d, the last byte of the field: a field width must never split a character", i)
		}
		n := gbCharLen(ln[i:])
		if n == 0 {
			return field.name, fmt.Errorf("bytes at %d are not valid GB18030", i)
		}
		if i+n > field.end() {
			return field.name, fmt.Errorf("a %d-byte character at byte %d runs past the end of the field at byte %d: a field width must never split a character", n, i, field.end())
		}
		i += n
	}
	return "", nil
}

// gbCharLen returns the length of the multi-byte GB18030 character that b
// starts with (2 or 4), or 0 when b does not start with one.
func gbCharLen(b []byte) int {
	if len(b) < 2 || b[0] < 0x81 || b[0] > 0xfe {
		return 0
	}
	switch c := b[1]; {
	case c >= 0x40 && c <= 0xfe && c != 0x7f:
		return 2
	case c >= 0x30 && c <= 0x39:
		if len(b) >= 4 && b[2] >= 0x81 && b[2] <= 0xfe && b[3] >= 0x30 && b[3] <= 0x39 {
			return 4
		}
	}
	return 0
}

var errNotGB18030 = errors.New("bytes are not valid GB18030")

// text decodes a GB18030 text field and removes its padding: ASCII
// spaces, low-values (0x00) and ideographic spaces, which double-byte
// systems pad with.
func (d *decoder) text(f []byte) (string, error) {
	f = trimPad(f)
	if charset.ASCII(f) {
		return string(f), nil
	}
	// A GB18030 byte becomes at most 3 bytes of UTF-8 (a lone invalid
	// byte turns into U+FFFD), so one call always fits.
	if n := 3 * len(f); cap(d.buf) < n {
		d.buf = make([]byte, n)
	}
	d.gb.Reset()
	n, _, err := d.gb.Transform(d.buf[:cap(d.buf)], f, true)
	out := d.buf[:n]
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", errNotGB18030
	}
	return strings.Trim(string(out), " \u3000"), nil
}

// trimPad removes ASCII spaces and low-values around a field. It is safe
// on GB18030 bytes: lead bytes are 0x81 and above and trail bytes 0x30
// and above.
func trimPad(f []byte) []byte { return bytes.Trim(f, " \x00") }

// utf8Hint explains a wrong length that comes from a UTF-8 file: Chinese
// characters take 3 bytes there instead of 2.
func utf8Hint(ln []byte) string {
	if charset.WrittenInUTF8(ln) {
		return "; the line reads as UTF-8, this export is GB18030"
	}
	return ""
}
