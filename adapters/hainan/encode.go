package hainan

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Encode implements adapters.Adapter: a header, one D record per status
// with the person's events as E records after the first, and a trailer.
// Times are written to the minute, as the system stores them.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	w := &writer{gb: simplifiedchinese.GB18030.NewEncoder()}
	ln := w.start('H')
	put(ln, hFileID, fileID)
	put(ln, hRegion, region)
	if !opts.At.IsZero() {
		put(ln, hBatchID, "HN"+opts.At.In(adapters.Beijing).Format(timeLayout))
		put(ln, hCreated, formatTime(opts.At))
	}
	w.end()
	records := 0
	for i, p := range people {
		n, err := w.person(p)
		if err != nil {
			return nil, fmt.Errorf("hainan: encode person %d: %w", i, err)
		}
		records += n
	}
	ln = w.start('T')
	put(ln, tCount, fmt.Sprintf("%08d", records))
	w.end()
	return w.out.Bytes(), nil
}

type writer struct {
	out  bytes.Buffer
	gb   *encoding.Encoder
	line [recordLength]byte
}

func (w *writer) start(recType byte) []byte {
	for i := range w.line {
		w.line[i] = ' '
	}
	w.line[0] = recType
	return w.line[:]
}

func (w *writer) end() {
	w.out.Write(w.line[:])
	w.out.WriteString("\r\n")
}

var docCodes = codes.Invert(docTypeByCode)

// person writes a person's records and returns how many.
func (w *writer) person(p adapters.Person) (int, error) {
	docCode, ok := docCodes[p.DocType]
	if !ok {
		return 0, fmt.Errorf("document type %s has no DOC-TYPE code", p.DocType)
	}
	if len(p.Statuses) == 0 && len(p.Events) > 0 {
		return 0, errors.New("events need a D record to follow")
	}
	n := 0
	for j, st := range p.Statuses {
		ln := w.start('D')
		if err := w.status(ln, st); err != nil {
			return 0, fmt.Errorf("status %d: %w", j, err)
		}
		// A name too long for its field is cut at a character boundary,
		// as the system does; names never reach v1.
		w.putTruncated(ln, dName, p.Name)
		put(ln, dDocType, docCode)
		if err := putASCII(ln, dDocNumber, p.DocNumber); err != nil {
			return 0, err
		}
		w.end()
		n++
		if j > 0 {
			continue
		}
		for k, ev := range p.Events {
			if err := w.event(ev); err != nil {
				return 0, fmt.Errorf("event %d: %w", k, err)
			}
			n++
		}
	}
	return n, nil
}

func (w *writer) status(ln []byte, st schema.Status) error {
	if st.Region != region {
		return fmt.Errorf("region %s: this export is written for %s", st.Region, region)
	}
	if err := putASCII(ln, dRecordID, st.Source.RecordID); err != nil {
		return err
	}
	var code byte
	for c, cc := range colorByCode {
		if cc.color == st.Color {
			code = c
			if err := w.putText(ln, dColorLabel, cc.label); err != nil {
				return err
			}
		}
	}
	if code == 0 {
		return fmt.Errorf("colour %q has no COLOR-CD", st.Color)
	}
	ln[dColorCode.off] = code
	put(ln, dIssuedAt, formatTime(st.IssuedAt))
	put(ln, dValidUntil, formatTime(st.ValidUntil))
	if len(st.Reasons) > reasonSlots {
		return fmt.Errorf("%d reasons, REASON-CDS holds %d", len(st.Reasons), reasonSlots)
	}
	reasons := ""
	for _, r := range st.Reasons {
		c, ok := reasonCodes[r]
		if !ok {
			return fmt.Errorf("reason %q has no code", r)
		}
		reasons += c
	}
	for len(reasons) < dReasons.width {
		reasons += "00"
	}
	put(ln, dReasons, reasons)
	if n := st.NAT; n != nil {
		rc, ok := codes.For(natByCode, n.Result)
		if !ok {
			return fmt.Errorf("test result %q has no NAT-RESULT code", n.Result)
		}
		ln[dNATResult.off] = rc
		put(ln, dNATSampled, formatTime(n.SampledAt))
		if err := w.putText(ln, dNATLab, n.Lab); err != nil {
			return err
		}
	}
	if v := st.Vaccination; v != nil {
		if v.Doses < 0 || v.Doses > 20 {
			return fmt.Errorf("%d doses do not fit VAX-DOSES", v.Doses)
		}
		put(ln, dDoses, fmt.Sprintf("%02d", v.Doses))
		if v.LastDoseAt != "" {
			t, err := time.Parse(time.DateOnly, v.LastDoseAt)
			if err != nil {
				return fmt.Errorf("VAX-LAST: %w", err)
			}
			put(ln, dLastDose, t.Format(dateLayout))
		}
	}
	return nil
}

var reasonCodes = codes.Invert(reasonByCode)

func (w *writer) event(ev schema.Event) error {
	ln := w.start('E')
	if ev.Region != region {
		return fmt.Errorf("region %s: this export is written for %s", ev.Region, region)
	}
	if err := putASCII(ln, eEventID, ev.Source.RecordID); err != nil {
		return err
	}
	kc, ok := codes.For(kindByCode, ev.Kind)
	if !ok {
		return fmt.Errorf("event kind %s has no EV-KIND code", ev.Kind)
	}
	ln[eKind.off] = kc
	if err := putASCII(ln, ePlaceID, ev.Place.ID); err != nil {
		return err
	}
	if err := w.putText(ln, ePlaceName, ev.Place.Name); err != nil {
		return err
	}
	if r := ev.Place.Region; !codes.Region(r) {
		return fmt.Errorf("place region %q is not a 6- or 9-digit code", r)
	}
	put(ln, ePlaceRgn, ev.Place.Region)
	put(ln, eStart, formatTime(ev.Start))
	put(ln, eEnd, formatTime(ev.End))
	if err := putCoord(ln, eLat, ev.Place.Lat); err != nil {
		return err
	}
	if err := putCoord(ln, eLon, ev.Place.Lon); err != nil {
		return err
	}
	w.end()
	return nil
}

// putCoord writes a signed fixed-point coordinate with six decimals
// (about 0.1 m), or blanks for zero, which v1 treats as absent.
func putCoord(ln []byte, f fieldSpec, v float64) error {
	if v == 0 {
		return nil
	}
	s := strconv.FormatFloat(v, 'f', 6, 64)
	if v > 0 {
		s = "+" + s
	}
	// Zero-pad the integer part to the field width after the sign.
	for len(s) < f.width {
		s = s[:1] + "0" + s[1:]
	}
	if back, err := strconv.ParseFloat(s, 64); err != nil || back != v || len(s) != f.width {
		return fmt.Errorf("%s %v does not fit %d characters with six decimals", f.name, v, f.width)
	}
	put(ln, f, s)
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(adapters.Beijing).Format(timeLayout)
}

// put writes s left-aligned; callers pass values known to fit.
func put(ln []byte, f fieldSpec, s string) {
	copy(ln[f.off:f.end()], s)
}

func putASCII(ln []byte, f fieldSpec, s string) error {
	if len(s) > f.width || !codes.ID(s) {
		return fmt.Errorf("%s wants 1 to %d printable ASCII characters", f.name, f.width)
	}
	put(ln, f, s)
	return nil
}

// putText writes s in GB18030; text that reaches v1 must fit whole.
func (w *writer) putText(ln []byte, f fieldSpec, s string) error {
	b, err := w.gb.Bytes([]byte(s))
	if err != nil {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	if len(b) > f.width {
		return fmt.Errorf("%s is %d bytes in GB18030, the field holds %d", f.name, len(b), f.width)
	}
	copy(ln[f.off:], b)
	return nil
}

// putTruncated writes as many whole characters of s as fit.
func (w *writer) putTruncated(ln []byte, f fieldSpec, s string) {
	at := f.off
	for _, r := range s {
		b, err := w.gb.Bytes([]byte(string(r)))
		if err != nil || r == '\r' || r == '\n' {
			b = []byte("?")
		}
		if at+len(b) > f.end() {
			return
		}
		at += copy(ln[at:], b)
	}
}
