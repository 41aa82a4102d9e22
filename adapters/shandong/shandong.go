package shandong

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/charset"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter reads and writes the Shandong health-code CSV batch.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	region = "370000"
	system = "sd-jkm"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "shandong" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "山东健康通行码 (Shandong health pass code): GBK CSV batch with a Chinese header row"
}

var (
	utf8BOM    = []byte("\xef\xbb\xbf")
	gb18030BOM = []byte("\x84\x31\x95\x33")
)

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("shandong: decode options carry no pseudonymizer")
	}
	body, err := gbkBody(raw)
	if err != nil {
		return nil, fmt.Errorf("shandong: %w", err)
	}
	// GB18030 is a superset of GBK with the same bytes for every GBK
	// character, so one decoder reads both. Commas, quotes and line ends
	// are ASCII and GBK trail bytes never take those values, so decoding
	// before parsing the CSV cannot move a field boundary.
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
	if err != nil {
		return nil, fmt.Errorf("shandong: decode GB18030: %w", err)
	}
	cr := csv.NewReader(bytes.NewReader(text))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("shandong: header row: %w", err)
	}
	cols, err := mapHeader(header)
	if err != nil {
		return nil, fmt.Errorf("shandong: header row: %w", err)
	}

	batchID := opts.BatchID
	if batchID == "" {
		batchID = adapters.PayloadBatchID("shandong", raw)
	}
	b := adapters.NewBuilder(region, batchID)
	d := decoder{subjects: opts.Subjects, cols: cols, width: len(header), cr: cr}
	for index := 0; ; {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if pe := (*csv.ParseError)(nil); errors.As(err, &pe) {
			b.Reject(index, "", "", fmt.Errorf("line %d: %w", pe.Line, pe.Err))
			index++
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("shandong: read csv: %w", err)
		}
		if blank(rec) {
			// Spreadsheets leave rows of empty cells under the data.
			continue
		}
		d.row(b, index, rec)
		index++
	}
	return b.Result(), nil
}

// gbkBody returns the payload without a byte order mark, or says why it
// is not a GBK file.
func gbkBody(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("empty payload")
	}
	if rest, ok := bytes.CutPrefix(raw, utf8BOM); ok {
		if utf8.Valid(rest) {
			return nil, errors.New("payload is UTF-8, not GBK (it starts with a UTF-8 byte order mark): export it as GBK or GB18030")
		}
		// Some tools prepend a BOM whatever the encoding; what follows is
		// not UTF-8, so the bytes after it decide.
		raw = rest
	}
	raw = bytes.TrimPrefix(raw, gb18030BOM)
	first := raw
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		first = raw[:i]
	}
	// The header names are Chinese. Their GBK bytes are never valid UTF-8,
	// so a header row that is valid UTF-8 and not plain ASCII was written
	// in UTF-8.
	if charset.WrittenInUTF8(first) {
		return nil, errors.New("payload is UTF-8, not GBK (the header row reads as UTF-8): export it as GBK or GB18030")
	}
	return raw, nil
}

// mapHeader finds each known column by name; the order is free and
// unknown columns (telephone, address, ...) are never read.
func mapHeader(header []string) ([numColumns]int, error) {
	var cols [numColumns]int
	for i := range cols {
		cols[i] = -1
	}
	for i, name := range header {
		name = strings.TrimSpace(name)
		if strings.ContainsRune(name, utf8.RuneError) {
			return cols, fmt.Errorf("column %d: bytes are not valid GBK/GB18030", i+1)
		}
		c, ok := columnByName[name]
		if !ok {
			continue
		}
		if cols[c] >= 0 {
			return cols, fmt.Errorf("column %s appears twice (columns %d and %d)", name, cols[c]+1, i+1)
		}
		cols[c] = i
	}
	var missing []string
	for _, c := range requiredColumns {
		if cols[c] < 0 {
			missing = append(missing, columnNames[c])
		}
	}
	if len(missing) > 0 {
		return cols, fmt.Errorf("missing required column %s", strings.Join(missing, ", "))
	}
	return cols, nil
}

type decoder struct {
	subjects *schema.Pseudonymizer
	cols     [numColumns]int
	width    int
	cr       *csv.Reader
	rec      []string
}

func (d *decoder) row(b *adapters.Builder, index int, rec []string) {
	d.rec = rec
	ref := ""
	if id, _ := d.get(cRecordID); codes.ID(id) {
		ref = id
	}
	r := b.Record(index, ref)
	if len(rec) < d.width {
		line, _ := d.cr.FieldPos(0)
		r.Reject("", fmt.Errorf("line %d: %d fields, the header row has %d", line, len(rec), d.width))
		return
	}
	for i := d.width; i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			line, _ := d.cr.FieldPos(i)
			r.Reject("", fmt.Errorf("line %d: field %d is beyond the %d columns of the header row", line, i+1, d.width))
			return
		}
	}
	if c, err := d.fill(r, ref); err != nil {
		r.Reject(columnNames[c], err)
		return
	}
	r.Commit()
}

var errNotGBK = errors.New("bytes are not valid GBK/GB18030")

// get returns the trimmed value of column c ("" when the column is absent).
func (d *decoder) get(c column) (string, error) {
	i := d.cols[c]
	if i < 0 || i >= len(d.rec) {
		return "", nil
	}
	v := strings.TrimSpace(d.rec[i])
	// The decoder turns bytes that are not GB18030 into U+FFFD.
	if strings.ContainsRune(v, utf8.RuneError) {
		return "", fmt.Errorf("line %d: %w", d.line(c), errNotGBK)
	}
	return v, nil
}

// line is the CSV line of column c in the current record (a quoted field
// may start on a later line than the record).
func (d *decoder) line(c column) int {
	i := max(d.cols[c], 0)
	line, _ := d.cr.FieldPos(i)
	return line
}

func (d *decoder) fill(r *adapters.Record, recordID string) (column, error) {
	var vals [numColumns]string
	for c := range vals {
		v, err := d.get(column(c))
		if err != nil {
			return column(c), err
		}
		vals[c] = v
	}
	for _, c := range requiredColumns {
		if vals[c] == "" {
			return c, fmt.Errorf("line %d: %s is empty", d.line(c), columnNames[c])
		}
	}
	if vals[cRecordID] != "" && recordID == "" {
		return cRecordID, fmt.Errorf("line %d: want 1 to 128 printable ASCII characters", d.line(cRecordID))
	}

	docType, ok := docTypes[vals[cDocType]]
	if !ok {
		if unsupportedDocTypes[vals[cDocType]] {
			return cDocType, fmt.Errorf("line %d: %s has no document type in codefed v1", d.line(cDocType), vals[cDocType])
		}
		return cDocType, fmt.Errorf("line %d: unknown document type %s", d.line(cDocType), redact.Code(vals[cDocType]))
	}
	number, err := spreadsheetNumber(vals[cDocNumber])
	if err != nil {
		return cDocNumber, fmt.Errorf("line %d: %w", d.line(cDocNumber), err)
	}
	subject, err := d.subjects.Subject(docType, number)
	if err != nil {
		return cDocNumber, fmt.Errorf("line %d: %w", d.line(cDocNumber), err)
	}
	color, ok := colors[vals[cColor]]
	if !ok {
		return cColor, fmt.Errorf("line %d: unknown colour %s (want 绿码, 黄码 or 红码)", d.line(cColor), redact.Code(vals[cColor]))
	}
	reasons := []string{}
	for _, label := range strings.FieldsFunc(vals[cReasons], isReasonSep) {
		label = strings.TrimSpace(label)
		if label == "" {
			continue
		}
		code, ok := reasonByLabel[label]
		if !ok {
			return cReasons, fmt.Errorf("line %d: unknown reason %s", d.line(cReasons), redact.Code(label))
		}
		reasons = append(reasons, code)
	}
	var times [numColumns]time.Time
	for _, c := range []column{cIssuedAt, cValidUntil, cNATSampled} {
		if vals[c] == "" {
			continue
		}
		if times[c], err = parseTime(vals[c]); err != nil {
			return c, fmt.Errorf("line %d: %w", d.line(c), err)
		}
	}
	if recordID == "" {
		// The pseudonym and the issue time identify a status without
		// carrying anything a raw identifier could be read back from.
		recordID = "sd-" + subject[:16] + "-" + times[cIssuedAt].Format("20060102150405")
	}
	st := schema.Status{
		Subject:    subject,
		Region:     region,
		Color:      color,
		Reasons:    reasons,
		Local:      &schema.Local{Label: vals[cColor], Code: vals[cColor]},
		IssuedAt:   times[cIssuedAt],
		ValidUntil: times[cValidUntil],
		Source:     schema.Source{System: system, RecordID: recordID},
	}
	if vals[cNATResult] != "" {
		result, ok := natResults[vals[cNATResult]]
		if !ok {
			return cNATResult, fmt.Errorf("line %d: unknown result %s (want 阴性, 阳性 or 待出结果)", d.line(cNATResult), redact.Code(vals[cNATResult]))
		}
		st.NAT = &schema.NAT{Result: result, SampledAt: times[cNATSampled], Lab: vals[cNATLab]}
	} else {
		for _, c := range []column{cNATSampled, cNATLab} {
			if vals[c] != "" {
				return cNATResult, fmt.Errorf("line %d: %s is empty but %s is given", d.line(cNATResult), colNATResult, columnNames[c])
			}
		}
	}
	if vals[cDoses] != "" {
		doses, err := strconv.Atoi(vals[cDoses])
		if err != nil || doses < 0 || doses > 20 {
			return cDoses, fmt.Errorf("line %d: want a number of doses from 0 to 20", d.line(cDoses))
		}
		st.Vaccination = &schema.Vaccination{Doses: doses}
		if vals[cLastDose] != "" {
			t, err := parseDate(vals[cLastDose])
			if err != nil {
				return cLastDose, fmt.Errorf("line %d: %w", d.line(cLastDose), err)
			}
			st.Vaccination.LastDoseAt = t.Format(time.DateOnly)
		}
	} else if vals[cLastDose] != "" {
		return cDoses, fmt.Errorf("line %d: %s is empty but %s is given", d.line(cDoses), colDoses, colLastDose)
	}
	r.AddStatus(st)
	return 0, nil
}

func isReasonSep(r rune) bool {
	switch r {
	case ',', '，', '、', ';', '；':
		return true
	}
	return false
}

// Times are Beijing time. The system writes the first layout; the others
// are what a spreadsheet makes of it when the file is opened and saved.
var timeLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04"}

func parseTime(s string) (time.Time, error) {
	for _, l := range timeLayouts {
		if t, err := time.ParseInLocation(l, s, adapters.Beijing); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %s is not yyyy-MM-dd HH:mm:ss", redact.Time(s))
}

func parseDate(s string) (time.Time, error) {
	for _, l := range []string{time.DateOnly, "2006/1/2"} {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("date %s is not yyyy-MM-dd", redact.Time(s))
}

var errSpreadsheetNumber = errors.New("the number was turned into scientific notation by a spreadsheet; its digits are lost")

// spreadsheetNumber undoes what exports do to keep spreadsheets from
// reading a document number as a number: a leading apostrophe, or the
// formula ="..." (a CSV writer quotes it as "=""..."""). A number already
// shown in scientific notation (3.70102E+17) has lost its digits.
func spreadsheetNumber(s string) (string, error) {
	if strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) && len(s) >= 3 {
		s = s[2 : len(s)-1]
	}
	s = strings.TrimSpace(strings.TrimPrefix(s, "'"))
	if scientific(s) {
		return "", errSpreadsheetNumber
	}
	return s, nil
}

// scientific matches a spreadsheet's display of a large number, such as
// 3.70102E+17. The "E+" is required: passports such as 12E45678 exist.
func scientific(s string) bool {
	mant, exp, ok := strings.Cut(strings.ToUpper(s), "E+")
	if !ok {
		return false
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	return intPart != "" && codes.Digits(intPart) && codes.Digits(frac) && exp != "" && codes.Digits(exp)
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
