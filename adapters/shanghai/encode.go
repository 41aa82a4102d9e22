package shanghai

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// The encode-side document. Only the root names the namespace; children
// inherit it as the default namespace, instead of repeating xmlns on every
// element as namespaced field tags would make encoding/xml do.
type outExport struct {
	XMLName xml.Name    `xml:"urn:sh-ssm:export:1 SSMExport"`
	Version string      `xml:"version,attr"`
	Header  outHeader   `xml:"Header"`
	Persons []outPerson `xml:"Person"`
}

type outHeader struct {
	BatchNo    string `xml:"BatchNo"`
	ExportTime string `xml:"ExportTime"`
}

type outPerson struct {
	ID          string          `xml:"id,attr"`
	Certificate certificate     `xml:"Certificate"`
	Name        *cdata          `xml:"Name,omitempty"`
	HealthCode  outHealthCode   `xml:"HealthCode"`
	NucleicAcid *outNucleicAcid `xml:"NucleicAcid,omitempty"`
	Vaccination *outVaccination `xml:"Vaccination,omitempty"`
	Scans       []outPlaceScan  `xml:"PlaceScan"`
}

// cdata is element text written as CDATA, as the export does for free text.
type cdata struct {
	Text string `xml:",cdata"`
}

type outHealthCode struct {
	Color      string      `xml:"color,attr"`
	IssuedAt   string      `xml:"issuedAt,attr"`
	ValidUntil string      `xml:"validUntil,attr,omitempty"`
	Reasons    []outReason `xml:"Reason"`
}

type outReason struct {
	Code string `xml:"code,attr"`
	Text string `xml:",chardata"`
}

type outNucleicAcid struct {
	Result    string `xml:"result,attr"`
	SampledAt string `xml:"sampledAt,attr,omitempty"`
	Lab       *cdata `xml:"Lab,omitempty"`
}

type outVaccination struct {
	Doses        int    `xml:"doses,attr"`
	LastDoseDate string `xml:"lastDoseDate,attr,omitempty"`
}

type outPlaceScan struct {
	SN        string `xml:"sn,attr"`
	Type      string `xml:"type,attr"`
	PlaceCode string `xml:"placeCode,attr"`
	District  string `xml:"district,attr,omitempty"`
	Lat       string `xml:"lat,attr,omitempty"`
	Lon       string `xml:"lon,attr,omitempty"`
	ScanTime  string `xml:"scanTime,attr"`
	LeaveTime string `xml:"leaveTime,attr,omitempty"`
	PlaceName *cdata `xml:"PlaceName,omitempty"`
}

// reasonTexts are the display texts written beside reason codes.
var reasonTexts = map[string]string{
	"101": "48小时内核酸检测阴性", "102": "72小时内核酸检测阴性", "103": "核酸检测阴性",
	"104": "核酸检测结果待出", "105": "未按期进行核酸检测", "201": "核酸检测阳性",
	"202": "确诊病例或无症状感染者", "301": "密切接触者", "302": "密接的密接",
	"303": "中高风险地区来沪", "304": "入境人员", "305": "发热门诊就诊",
	"401": "居家健康监测", "402": "集中隔离观察", "900": "其他风险人员",
}

// Encode implements adapters.Adapter. Every status of a person becomes one
// Person element; the person's scans go with the first. Colours are written
// as G, Y, R and times with their own offset. The batch number and export
// time come from opts.At, or from the latest status when At is zero.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	at := opts.At
	if at.IsZero() {
		for _, p := range people {
			for _, st := range p.Statuses {
				if st.IssuedAt.After(at) {
					at = st.IssuedAt
				}
			}
		}
	}
	at = at.In(adapters.Beijing)
	ex := outExport{
		Version: "1",
		Header:  outHeader{BatchNo: "SSM-" + at.Format("20060102150405"), ExportTime: xsDateTime(at)},
		Persons: make([]outPerson, 0, len(people)),
	}
	for pi, p := range people {
		if len(p.Statuses) == 0 {
			return nil, fmt.Errorf("shanghai: person %d: a Person element needs a status", pi)
		}
		certType, ok := codes.For(certTypes, p.DocType)
		if !ok {
			return nil, fmt.Errorf("shanghai: person %d: document type %s has no 证件类型 code", pi, p.DocType)
		}
		for si, st := range p.Statuses {
			op, err := encodeStatus(st)
			if err != nil {
				return nil, fmt.Errorf("shanghai: person %d: status %d: %w", pi, si, err)
			}
			op.Certificate = certificate{Type: certType, Number: p.DocNumber}
			if p.Name != "" {
				op.Name = &cdata{p.Name}
			}
			if si == 0 {
				for ei, ev := range p.Events {
					sc, err := encodeEvent(ev)
					if err != nil {
						return nil, fmt.Errorf("shanghai: person %d: event %d: %w", pi, ei, err)
					}
					op.Scans = append(op.Scans, sc)
				}
			}
			ex.Persons = append(ex.Persons, op)
		}
	}
	out, err := xml.MarshalIndent(ex, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("shanghai: write xml: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// xsDateTime writes t with its own offset; Go's RFC 3339 is an xs:dateTime.
func xsDateTime(t time.Time) string { return t.Format(time.RFC3339Nano) }

func encodeStatus(st schema.Status) (outPerson, error) {
	if st.Region != Region {
		return outPerson{}, fmt.Errorf("region %s: the format carries only Shanghai (%s)", st.Region, Region)
	}
	if st.Source.RecordID == "" {
		return outPerson{}, fmt.Errorf("no record ID for Person/@id")
	}
	op := outPerson{ID: st.Source.RecordID, HealthCode: outHealthCode{IssuedAt: xsDateTime(st.IssuedAt)}}
	switch st.Color {
	case schema.Green:
		op.HealthCode.Color = "G"
	case schema.Yellow:
		op.HealthCode.Color = "Y"
	case schema.Red:
		op.HealthCode.Color = "R"
	default:
		return outPerson{}, fmt.Errorf("colour %q has no 随申码 colour", st.Color)
	}
	if !st.ValidUntil.IsZero() {
		op.HealthCode.ValidUntil = xsDateTime(st.ValidUntil)
	}
	for _, r := range st.Reasons {
		code := ""
		for _, rc := range reasonCodes {
			if rc.reason == r {
				code = rc.code
				break
			}
		}
		if code == "" {
			return outPerson{}, fmt.Errorf("reason %q has no 随申码 reason code", r)
		}
		op.HealthCode.Reasons = append(op.HealthCode.Reasons, outReason{Code: code, Text: reasonTexts[code]})
	}
	if n := st.NAT; n != nil {
		op.NucleicAcid = &outNucleicAcid{}
		var ok bool
		if op.NucleicAcid.Result, ok = codes.For(natResults, n.Result); !ok {
			return outPerson{}, fmt.Errorf("test result %q has no 随申码 text", n.Result)
		}
		if !n.SampledAt.IsZero() {
			op.NucleicAcid.SampledAt = xsDateTime(n.SampledAt)
		}
		if n.Lab != "" {
			op.NucleicAcid.Lab = &cdata{n.Lab}
		}
	}
	if v := st.Vaccination; v != nil {
		op.Vaccination = &outVaccination{Doses: v.Doses, LastDoseDate: v.LastDoseAt}
	}
	return op, nil
}

func encodeEvent(ev schema.Event) (outPlaceScan, error) {
	if ev.Region != Region {
		return outPlaceScan{}, fmt.Errorf("region %s: the format carries only Shanghai (%s)", ev.Region, Region)
	}
	if ev.Source.RecordID == "" {
		return outPlaceScan{}, fmt.Errorf("no record ID for PlaceScan/@sn")
	}
	sc := outPlaceScan{
		SN:        ev.Source.RecordID,
		PlaceCode: ev.Place.ID,
		District:  ev.Place.Region,
		ScanTime:  xsDateTime(ev.Start),
	}
	var ok bool
	if sc.Type, ok = codes.For(scanTypes, ev.Kind); !ok {
		return outPlaceScan{}, fmt.Errorf("event kind %q has no 随申码 scan type", ev.Kind)
	}
	if ev.Place.Name != "" {
		sc.PlaceName = &cdata{ev.Place.Name}
	}
	if ev.Place.Lat != 0 {
		sc.Lat = strconv.FormatFloat(ev.Place.Lat, 'f', -1, 64)
	}
	if ev.Place.Lon != 0 {
		sc.Lon = strconv.FormatFloat(ev.Place.Lon, 'f', -1, 64)
	}
	if !ev.End.IsZero() {
		sc.LeaveTime = xsDateTime(ev.End)
	}
	return sc, nil
}
