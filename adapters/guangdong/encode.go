package guangdong

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// outExport is the export as written: the decode-side records plus the
// holder's name, which Decode never reads.
type outExport struct {
	BatchNo    string      `json:"batchNo,omitempty"`
	AreaCode   string      `json:"areaCode"`
	ExportTime string      `json:"exportTime,omitempty"`
	Records    []outRecord `json:"records"`
}

type outRecord struct {
	record
	Name string `json:"name,omitempty"`
}

// Encode implements adapters.Adapter. Every status of a person becomes one
// record; the person's scans go with the first. The export's areaCode is the
// region of the events (all must share one Guangdong code), or 440000 when
// there are none.
//
// 粤康码 has no yellow: a yellow status is written as a green code with the
// risk groups its reasons name, and is refused when none of its reasons is a
// risk group. A green status is written without risk groups (they would make
// it yellow again), a red one with them. Reasons that are not risk groups are
// not carried; nat_positive comes back from a positive test on a red code.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	ex := outExport{AreaCode: Region, Records: make([]outRecord, 0, len(people))}
	if area, err := eventArea(people); err != nil {
		return nil, fmt.Errorf("guangdong: %w", err)
	} else if area != "" {
		ex.AreaCode = area
	}
	if !opts.At.IsZero() {
		at := opts.At.In(adapters.Beijing)
		ex.BatchNo = "YKM-" + ex.AreaCode + "-" + at.Format(timeLayout)
		ex.ExportTime = at.Format(timeLayout)
	}
	for pi, p := range people {
		if len(p.Statuses) == 0 {
			return nil, fmt.Errorf("guangdong: person %d: a record needs a status", pi)
		}
		cert, ok := codes.For(certTypes, p.DocType)
		if !ok {
			return nil, fmt.Errorf("guangdong: person %d: document type %s has no certType code", pi, p.DocType)
		}
		for si, st := range p.Statuses {
			rec, err := encodeStatus(st)
			if err != nil {
				return nil, fmt.Errorf("guangdong: person %d: status %d: %w", pi, si, err)
			}
			rec.CertType, rec.CertNo = cert, p.DocNumber
			if si == 0 {
				for ei, ev := range p.Events {
					sc, err := encodeEvent(ev)
					if err != nil {
						return nil, fmt.Errorf("guangdong: person %d: event %d: %w", pi, ei, err)
					}
					rec.Scans = append(rec.Scans, sc)
				}
			}
			ex.Records = append(ex.Records, outRecord{record: rec, Name: p.Name})
		}
	}
	return json.Marshal(ex)
}

// eventArea returns the one region all events share ("" without events).
func eventArea(people []adapters.Person) (string, error) {
	area := ""
	for _, p := range people {
		for _, ev := range p.Events {
			switch {
			case !isGuangdongCode(ev.Region):
				return "", fmt.Errorf("event region %s is not a Guangdong division", ev.Region)
			case area == "":
				area = ev.Region
			case ev.Region != area:
				return "", fmt.Errorf("events of regions %s and %s cannot share one export", area, ev.Region)
			}
		}
	}
	return area, nil
}

func encodeStatus(st schema.Status) (record, error) {
	if st.Region != Region {
		return record{}, fmt.Errorf("region %s: 粤康码 statuses are provincial (%s)", st.Region, Region)
	}
	if st.Source.RecordID == "" {
		return record{}, fmt.Errorf("no record ID for serialNo")
	}
	rec := record{SerialNo: st.Source.RecordID, CodeTime: st.IssuedAt.In(adapters.Beijing).Format(timeLayout)}
	switch st.Color {
	case schema.Green:
		rec.CodeColor = colorGreen
	case schema.Yellow:
		rec.CodeColor = colorGreen
		rec.RiskGroups = riskGroupNames(st.Reasons)
		if len(rec.RiskGroups) == 0 {
			return record{}, fmt.Errorf("yellow status with reasons %v: 粤康码 has no yellow, and none of the reasons is a risk group", st.Reasons)
		}
	case schema.Red:
		rec.CodeColor = colorRed
		rec.RiskGroups = riskGroupNames(st.Reasons)
	default:
		return record{}, fmt.Errorf("colour %q has no 粤康码 colour", st.Color)
	}
	if !st.ValidUntil.IsZero() {
		rec.ValidTime = st.ValidUntil.In(adapters.Beijing).Format(timeLayout)
	}
	if n := st.NAT; n != nil {
		rec.NAT = &nat{Org: n.Lab}
		var ok bool
		if rec.NAT.Result, ok = codes.For(natResults, n.Result); !ok {
			return record{}, fmt.Errorf("test result %q has no 粤康码 text", n.Result)
		}
		if !n.SampledAt.IsZero() {
			rec.NAT.SampleTime = n.SampledAt.In(adapters.Beijing).Format(timeLayout)
		}
	}
	if v := st.Vaccination; v != nil {
		doses := v.Doses
		rec.Vaccination = &vaccine{Doses: &doses}
		if v.LastDoseAt != "" {
			d, err := time.Parse(time.DateOnly, v.LastDoseAt)
			if err != nil {
				return record{}, fmt.Errorf("last dose date %q is not YYYY-MM-DD", v.LastDoseAt)
			}
			rec.Vaccination.LastDate = d.Format(dateLayout)
		}
	}
	return rec, nil
}

// riskGroupNames lists the risk groups reasons name, in the table's order.
func riskGroupNames(reasons []string) []string {
	var names []string
	for _, g := range riskGroups {
		if slices.Contains(reasons, g.reason) {
			names = append(names, g.name)
		}
	}
	return names
}

func encodeEvent(ev schema.Event) (scan, error) {
	if ev.Source.RecordID == "" {
		return scan{}, fmt.Errorf("no record ID for scanNo")
	}
	sc := scan{
		ScanNo:    ev.Source.RecordID,
		PlaceCode: ev.Place.ID,
		PlaceName: ev.Place.Name,
		AreaCode:  ev.Place.Region,
		InTime:    ev.Start.In(adapters.Beijing).Format(timeLayout),
	}
	var ok bool
	if sc.ScanType, ok = codes.For(scanTypes, ev.Kind); !ok {
		return scan{}, fmt.Errorf("event kind %q has no 粤康码 scan type", ev.Kind)
	}
	if ev.Place.Lat != 0 {
		sc.Lat = &ev.Place.Lat
	}
	if ev.Place.Lon != 0 {
		sc.Lng = &ev.Place.Lon
	}
	if !ev.End.IsZero() {
		sc.OutTime = ev.End.In(adapters.Beijing).Format(timeLayout)
	}
	return sc, nil
}
