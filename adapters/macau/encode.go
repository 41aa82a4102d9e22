package macau

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Encode implements adapters.Adapter. Each status of a person becomes one
// record; the person's events go into the first one.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	w := &writer{big5: traditionalchinese.Big5.NewEncoder()}
	w.line(magic)
	w.pair(keyVersion, "1")
	if !opts.At.IsZero() {
		at := opts.At.In(adapters.Beijing)
		w.pair(keyBatchID, "MO-"+at.Format("20060102150405"))
		w.pair(keyExportedAt, at.Format(timeLayout))
	}
	for i, p := range people {
		if err := w.person(p); err != nil {
			return nil, fmt.Errorf("macau: encode person %d: %w", i, err)
		}
	}
	if w.err != nil {
		return nil, fmt.Errorf("macau: encode: %w", w.err)
	}
	return w.buf.Bytes(), nil
}

type writer struct {
	buf  bytes.Buffer
	big5 *encoding.Encoder
	err  error
}

func (w *writer) person(p adapters.Person) error {
	docLabel, ok := codes.For(docTypes, p.DocType)
	if !ok {
		return fmt.Errorf("document type %s has no %s in this format", p.DocType, keyDocType)
	}
	number, err := schema.NormalizeDocument(p.DocType, p.DocNumber)
	if err != nil {
		return err
	}
	if p.DocType == schema.DocMacauID {
		// The card prints the check digit in brackets: 1234567(8).
		number = number[:7] + "(" + number[7:] + ")"
	} else {
		number = p.DocNumber
	}
	if len(p.Statuses) == 0 && len(p.Events) > 0 {
		return errors.New("events need a status record to travel in")
	}
	for j, st := range p.Statuses {
		w.line(recordMarker)
		if err := w.status(st, [3]string{lossyBig5(p.Name), docLabel, number}); err != nil {
			return fmt.Errorf("status %d: %w", j, err)
		}
		if j > 0 {
			continue
		}
		for k, ev := range p.Events {
			if err := w.event(ev); err != nil {
				return fmt.Errorf("event %d: %w", k, err)
			}
		}
	}
	return w.err
}

// status writes one record; who is the name, document type label and
// document number, which follow the record ID.
func (w *writer) status(st schema.Status, who [3]string) error {
	if st.Region != region {
		return fmt.Errorf("region %s: this format speaks only for %s", st.Region, region)
	}
	if !codes.ID(st.Source.RecordID) {
		return fmt.Errorf("%s wants 1 to 128 printable ASCII characters", keyRecordID)
	}
	color, ok := codes.For(colors, st.Color)
	if !ok {
		return fmt.Errorf("colour %q has no label in this format", st.Color)
	}
	labels := make([]string, len(st.Reasons))
	for i, code := range st.Reasons {
		if labels[i], ok = labelByReason[code]; !ok {
			return fmt.Errorf("reason %q has no label in this format", code)
		}
	}
	w.pair(keyRecordID, st.Source.RecordID)
	w.pair(keyName, who[0])
	w.pair(keyDocType, who[1])
	w.pair(keyDocNumber, who[2])
	w.pair(keyColor, color)
	w.pair(keyReasons, strings.Join(labels, "、"))
	w.pair(keyIssuedAt, formatTime(st.IssuedAt))
	if !st.ValidUntil.IsZero() {
		w.pair(keyValidUntil, formatTime(st.ValidUntil))
	}
	if n := st.NAT; n != nil {
		result, ok := codes.For(natResults, n.Result)
		if !ok {
			return fmt.Errorf("test result %q has no label in this format", n.Result)
		}
		w.pair(keyNATResult, result)
		if !n.SampledAt.IsZero() {
			w.pair(keyNATSampled, formatTime(n.SampledAt))
		}
		if n.Lab != "" {
			w.pair(keyNATLab, n.Lab)
		}
	}
	if v := st.Vaccination; v != nil {
		w.pair(keyDoses, strconv.Itoa(v.Doses))
		if v.LastDoseAt != "" {
			t, err := time.Parse(time.DateOnly, v.LastDoseAt)
			if err != nil {
				return fmt.Errorf("last dose date: %w", err)
			}
			w.pair(keyLastDose, t.Format(dateLayout))
		}
	}
	return w.err
}

// event writes a venue scan. Coordinates have no field in the export and
// are left out.
func (w *writer) event(ev schema.Event) error {
	switch {
	case ev.Kind != schema.KindVenueScan:
		return fmt.Errorf("kind %s: this format records venue scans only", ev.Kind)
	case ev.Region != region || ev.Place.Region != region:
		return fmt.Errorf("region %s/%s: this format records places in %s only", ev.Region, ev.Place.Region, region)
	case !codes.ID(ev.Source.RecordID):
		return errors.New("掃碼編號 wants 1 to 128 printable ASCII characters")
	}
	parts := []string{ev.Source.RecordID, ev.Place.ID, ev.Place.Name, formatTime(ev.Start), ""}
	if !ev.End.IsZero() {
		parts[4] = formatTime(ev.End)
	}
	for _, p := range parts[:3] {
		if strings.Contains(p, "|") {
			return fmt.Errorf("%q holds the separator |", p)
		}
	}
	w.pair(keyVenue, strings.Join(parts, "|"))
	return w.err
}

func formatTime(t time.Time) string { return t.In(adapters.Beijing).Format(timeLayout) }

// pair writes key=value in Big5. Values that reach the v1 records must be
// representable; the first one that is not stops the encode.
func (w *writer) pair(key, value string) {
	if w.err != nil {
		return
	}
	if strings.ContainsAny(value, "\r\n") {
		w.err = fmt.Errorf("%s holds a line break", key)
		return
	}
	w.line(key + "=" + value)
}

func (w *writer) line(s string) {
	if w.err != nil {
		return
	}
	b, err := w.big5.Bytes([]byte(s))
	if err != nil {
		// Name the key only (ours, a constant): the value may be personal.
		key, _, _ := strings.Cut(s, "=")
		w.err = fmt.Errorf("%s: value cannot be written in Big5: %w", key, err)
		return
	}
	w.buf.Write(b)
	w.buf.WriteString("\r\n")
}

// lossyBig5 replaces characters Big5 lacks by '?', as Big5 systems wrote
// names they had no glyph for. Names never reach a v1 record.
func lossyBig5(s string) string {
	enc := traditionalchinese.Big5.NewEncoder()
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		if _, err := enc.String(string(r)); err != nil {
			return '?'
		}
		return r
	}, s)
}
