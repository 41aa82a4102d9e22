package shandong

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// Encode implements adapters.Adapter: one row per status, every column of
// the export in its usual order, CRLF line ends. The export is a status
// list; events have no column and are left out.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	if err := w.Write(columnNames[:]); err != nil {
		return nil, fmt.Errorf("shandong: encode: %w", err)
	}
	row := make([]string, numColumns)
	for i, p := range people {
		docType, ok := docTypeLabels[p.DocType]
		if !ok {
			return nil, fmt.Errorf("shandong: encode person %d: document type %s has no %s in this format", i, p.DocType, colDocType)
		}
		for j, st := range p.Statuses {
			if err := statusRow(row, st); err != nil {
				return nil, fmt.Errorf("shandong: encode person %d status %d: %w", i, j, err)
			}
			row[cName], row[cDocType], row[cDocNumber] = p.Name, docType, p.DocNumber
			if err := w.Write(row); err != nil {
				return nil, fmt.Errorf("shandong: encode person %d: %w", i, err)
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("shandong: encode: %w", err)
	}
	// GB18030 writes every GBK character with GBK's bytes and can still
	// write the rare name characters GBK lacks.
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("shandong: encode GB18030: %w", err)
	}
	return out, nil
}

func statusRow(row []string, st schema.Status) error {
	clear(row)
	if st.Region != region {
		return fmt.Errorf("region %s: this format speaks only for %s", st.Region, region)
	}
	if !codes.ID(st.Source.RecordID) {
		return fmt.Errorf("%s wants 1 to 128 printable ASCII characters", colRecordID)
	}
	color, ok := colorLabels[st.Color]
	if !ok {
		return fmt.Errorf("colour %q has no label in this format", st.Color)
	}
	labels := make([]string, len(st.Reasons))
	for i, code := range st.Reasons {
		if labels[i], ok = labelByReason[code]; !ok {
			return fmt.Errorf("reason %q has no label in this format", code)
		}
	}
	row[cRecordID] = st.Source.RecordID
	row[cColor] = color
	row[cReasons] = strings.Join(labels, ",")
	row[cIssuedAt] = formatTime(st.IssuedAt)
	row[cValidUntil] = formatTime(st.ValidUntil)
	if n := st.NAT; n != nil {
		if row[cNATResult], ok = natLabels[n.Result]; !ok {
			return fmt.Errorf("test result %q has no label in this format", n.Result)
		}
		row[cNATSampled] = formatTime(n.SampledAt)
		row[cNATLab] = n.Lab
	}
	if v := st.Vaccination; v != nil {
		row[cDoses] = strconv.Itoa(v.Doses)
		row[cLastDose] = v.LastDoseAt
	}
	return nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(adapters.Beijing).Format(timeLayouts[0])
}
