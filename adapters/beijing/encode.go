package beijing

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// outExport is the export as written: the decode-side record plus the
// fields Decode never reads (the holder's name, the export time).
type outExport struct {
	BatchNo   string      `json:"pcbh,omitempty"`
	CreatedAt int64       `json:"scsj,omitempty"`
	Records   []outRecord `json:"jls"`
}

type outRecord struct {
	record
	Name string `json:"xm,omitempty"`
}

// Encode implements adapters.Adapter. Every status of a person becomes one
// record; the person's scans go with the first. The format has no field for
// reasons, so they are carried only as far as the status text implies them;
// a yellow status is written as 居家观察 unless its reasons include
// cannot_confirm, which makes it a 弹窗 of the kind in Local.Code.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	ex := outExport{Records: make([]outRecord, 0, len(people))}
	if !opts.At.IsZero() {
		ex.BatchNo = "JKB" + opts.At.In(adapters.Beijing).Format("20060102150405")
		ex.CreatedAt = opts.At.UnixMilli()
	}
	for pi, p := range people {
		if len(p.Statuses) == 0 {
			return nil, fmt.Errorf("beijing: person %d: a record needs a status", pi)
		}
		docType, ok := codes.For(docTypes, p.DocType)
		if !ok {
			return nil, fmt.Errorf("beijing: person %d: document type %s has no zjlx code", pi, p.DocType)
		}
		for si, st := range p.Statuses {
			rec, err := encodeStatus(st)
			if err != nil {
				return nil, fmt.Errorf("beijing: person %d: status %d: %w", pi, si, err)
			}
			rec.DocType, rec.DocNumber = docType, p.DocNumber
			if si == 0 {
				for ei, ev := range p.Events {
					sc, err := encodeEvent(ev)
					if err != nil {
						return nil, fmt.Errorf("beijing: person %d: event %d: %w", pi, ei, err)
					}
					rec.Scans = append(rec.Scans, sc)
				}
			}
			ex.Records = append(ex.Records, outRecord{record: rec, Name: p.Name})
		}
	}
	return json.Marshal(ex)
}

func encodeStatus(st schema.Status) (record, error) {
	if st.Region != Region {
		return record{}, fmt.Errorf("region %s: the format carries only Beijing (%s)", st.Region, Region)
	}
	if st.Source.RecordID == "" {
		return record{}, fmt.Errorf("no record ID for jlbh")
	}
	rec := record{ID: st.Source.RecordID, StatusAt: millis(st.IssuedAt.UnixMilli())}
	switch st.Color {
	case schema.Green:
		rec.Status = statusNormal
	case schema.Red:
		rec.Status = statusCentral
	case schema.Yellow:
		rec.Status = statusHome
		if slices.Contains(st.Reasons, schema.ReasonCannotConfirm) {
			rec.Status = statusPopUp
			if st.Local != nil && popUpKinds[st.Local.Code] {
				rec.PopUpKind = st.Local.Code
			}
		}
	default:
		return record{}, fmt.Errorf("colour %q has no 健康宝 status", st.Color)
	}
	if !st.ValidUntil.IsZero() {
		rec.ValidUntil = millis(st.ValidUntil.UnixMilli())
	}
	if n := st.NAT; n != nil {
		rec.NAT = &nat{Lab: n.Lab}
		var ok bool
		if rec.NAT.Result, ok = codes.For(natResults, n.Result); !ok {
			return record{}, fmt.Errorf("test result %q has no 健康宝 text", n.Result)
		}
		if !n.SampledAt.IsZero() {
			rec.NAT.SampledAt = millis(n.SampledAt.UnixMilli())
		}
	}
	if v := st.Vaccination; v != nil {
		doses := v.Doses
		rec.Vaccination = &vaccination{Doses: &doses, LastDose: v.LastDoseAt}
	}
	return rec, nil
}

func encodeEvent(ev schema.Event) (scan, error) {
	if ev.Region != Region {
		return scan{}, fmt.Errorf("region %s: the format carries only Beijing (%s)", ev.Region, Region)
	}
	if ev.Source.RecordID == "" {
		return scan{}, fmt.Errorf("no record ID for lsh")
	}
	sc := scan{
		Serial:    ev.Source.RecordID,
		PlaceID:   ev.Place.ID,
		PlaceName: ev.Place.Name,
		District:  ev.Place.Region,
		ScanAt:    millis(ev.Start.UnixMilli()),
	}
	var ok bool
	if sc.Kind, ok = codes.For(scanKinds, ev.Kind); !ok {
		return scan{}, fmt.Errorf("event kind %q has no 健康宝 scan kind", ev.Kind)
	}
	if ev.Place.Lat != 0 {
		sc.Lat = &ev.Place.Lat
	}
	if ev.Place.Lon != 0 {
		sc.Lon = &ev.Place.Lon
	}
	if !ev.End.IsZero() {
		sc.LeftAt = millis(ev.End.UnixMilli())
	}
	return sc, nil
}

func millis(ms int64) *int64 { return &ms }
