package guangdong

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/jsonexport"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter decodes and encodes 粤康码 exports. It is stateless.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	// Region is Guangdong's GB/T 2260 code. 粤康码 is one provincial code, so
	// every status belongs to the province whichever city exported it.
	Region = "440000"
	// Guangzhou and Shenzhen run their own nodes of the system and export
	// under their city codes.
	Guangzhou = "440100"
	Shenzhen  = "440300"
	// System is Source.System of every decoded record.
	System = "gd-ykm"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "guangdong" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{Region, Guangzhou, Shenzhen} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "粤康码 (Guangdong Health Code) JSON export: red/green codes with separate risk groups, NAT, vaccination, scans"
}

// Native code colours (codeColor). "1" is left for the yellow 粤康码 never
// issues; see the package documentation.
const (
	colorGreen  = "0"
	colorYellow = "1"
	colorRed    = "2"
)

var colorLabels = map[string]string{colorGreen: "绿码", colorRed: "红码"}

// certTypes maps certType codes to v1 document types.
var certTypes = map[string]string{
	"IDCARD":    schema.DocResidentID,
	"PASSPORT":  schema.DocPassport,
	"HKMO_PASS": schema.DocHKMacauPermit,
	"TW_PASS":   schema.DocTaiwanPermit,
	"HKID":      schema.DocHKID,
	"MOID":      schema.DocMacauID,
}

// certHomeReturn is the 港澳居民来往内地通行证 (home return permit), which
// v1 has no document type for.
const certHomeReturn = "HMRP"

// riskGroups maps the 风险人群 names of the export to reason codes, in the
// order Encode prefers them.
var riskGroups = []struct{ name, reason string }{
	{"密接", schema.ReasonCloseContact},
	{"次密接", schema.ReasonSecondaryContact},
	{"入境人员", schema.ReasonInbound},
	{"中高风险地区来粤", schema.ReasonFromRiskArea},
}

func riskGroupReason(name string) (string, bool) {
	for _, g := range riskGroups {
		if g.name == name {
			return g.reason, true
		}
	}
	return "", false
}

var natResults = map[string]string{
	"阴性":  schema.NATNegative,
	"阳性":  schema.NATPositive,
	"检测中": schema.NATPending,
}

var scanTypes = map[string]string{
	"PLACE":      schema.KindVenueScan,  // 场所码
	"CHECKPOINT": schema.KindCheckpoint, // 入粤卡口, 社区卡口
	"TRANSIT":    schema.KindTransit,    // 车站、机场、口岸
}

// Time layouts: Beijing time without a zone.
const (
	timeLayout = "20060102150405"
	dateLayout = "20060102"
)

var utf8BOM = []byte("\xef\xbb\xbf")

type export struct {
	BatchNo    string            `json:"batchNo,omitempty"`
	AreaCode   string            `json:"areaCode"`
	ExportTime string            `json:"exportTime,omitempty"`
	Records    []json.RawMessage `json:"records"`
}

// record is one native record. The holder's name is deliberately not a
// field: it is never read.
type record struct {
	SerialNo    string   `json:"serialNo"`
	CertType    string   `json:"certType"`
	CertNo      string   `json:"certNo"`
	CodeColor   string   `json:"codeColor"`
	RiskGroups  []string `json:"riskGroups,omitempty"`
	CodeTime    string   `json:"codeTime"`
	ValidTime   string   `json:"validTime,omitempty"`
	NAT         *nat     `json:"nucleicAcid,omitempty"`
	Vaccination *vaccine `json:"vaccine,omitempty"`
	Scans       []scan   `json:"scans,omitempty"`
}

type nat struct {
	Result     string `json:"result"`
	SampleTime string `json:"sampleTime,omitempty"`
	Org        string `json:"org,omitempty"`
}

type vaccine struct {
	Doses    *int   `json:"doses"`
	LastDate string `json:"lastDate,omitempty"`
}

type scan struct {
	ScanNo    string   `json:"scanNo"`
	ScanType  string   `json:"scanType"`
	PlaceCode string   `json:"placeCode"`
	PlaceName string   `json:"placeName,omitempty"`
	AreaCode  string   `json:"areaCode,omitempty"`
	Lng       *float64 `json:"lng,omitempty"`
	Lat       *float64 `json:"lat,omitempty"`
	InTime    string   `json:"inTime"`
	OutTime   string   `json:"outTime,omitempty"`
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("guangdong: decode options carry no pseudonymizer")
	}
	// encoding/json would quietly turn the bytes of a GBK export into
	// U+FFFD; refusing it whole says what is wrong.
	if !utf8.Valid(raw) {
		return nil, errors.New("guangdong: read export: payload is not utf-8")
	}
	hdr, items, err := readExport(bytes.TrimPrefix(raw, utf8BOM))
	if err != nil {
		return nil, fmt.Errorf("guangdong: read export: %w", err)
	}
	if !isGuangdongCode(hdr.AreaCode) {
		if hdr.AreaCode == "" {
			return nil, errors.New("guangdong: read export: area code (areaCode) is missing")
		}
		code := redact.Code(hdr.AreaCode)
		if len(hdr.AreaCode) == 6 && codes.Digits(hdr.AreaCode) {
			code = strconv.Quote(hdr.AreaCode) // a division code, not personal data
		}
		return nil, fmt.Errorf("guangdong: read export: area code %s is not a Guangdong division (44xxxx)", code)
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = hdr.BatchNo
		if len(batchID) > adapters.MaxBatchID {
			return nil, fmt.Errorf("guangdong: read export: batch number (batchNo) is %d bytes, at most %d", len(batchID), adapters.MaxBatchID)
		}
		if batchID == "" {
			batchID = adapters.PayloadBatchID("guangdong", raw)
		}
	}
	b := adapters.NewBuilder(hdr.AreaCode, batchID)
	for i := range items {
		if e := items[i].readErr; e != nil {
			b.Reject(i, e.Ref, e.Field, e.Err)
			continue
		}
		decodeRecord(b, i, &items[i].record, hdr.AreaCode, opts.Subjects)
	}
	return b.Result(), nil
}

// header is the export without its records.
type header struct {
	BatchNo  string `json:"batchNo"`
	AreaCode string `json:"areaCode"`
}

// item is a record as read, or why it could not be read.
type item struct {
	record
	readErr *jsonexport.Problem
}

// readExport reads the header and the records. Most payloads are read in one
// pass. encoding/json names a field of the wrong type but not the record it
// is in, so when there is one, each record is read again on its own and only
// the bad ones are marked.
func readExport(body []byte) (header, []item, error) {
	var fast struct {
		header
		Records []item `json:"records"`
	}
	err := json.Unmarshal(body, &fast)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		var ex export
		if err := json.Unmarshal(body, &ex); err != nil {
			return header{}, nil, jsonexport.PayloadError(err)
		}
		fast.header = header{BatchNo: ex.BatchNo, AreaCode: ex.AreaCode}
		fast.Records = nil
		if ex.Records != nil {
			fast.Records = make([]item, len(ex.Records))
		}
		for i, msg := range ex.Records {
			fast.Records[i].readErr = records.Decode(msg, &fast.Records[i].record)
		}
	default:
		return header{}, nil, jsonexport.PayloadError(err)
	}
	if fast.Records == nil {
		return header{}, nil, errors.New("no record list (records)")
	}
	return fast.header, fast.Records, nil
}

func isGuangdongCode(c string) bool {
	return len(c) == 6 && c[:2] == "44" && codes.Digits(c)
}

// records reads the records one by one when one of them does not fit.
var records = jsonexport.Records{
	Wants: map[string]string{"[]string": "an array of strings"},
	Ref:   recordID,
}

// recordID reads only serialNo of a record that failed to decode as a
// whole, so that its rejection can still name it.
func recordID(msg json.RawMessage) string {
	var id struct {
		SerialNo string `json:"serialNo"`
	}
	_ = json.Unmarshal(msg, &id) // best effort: a bad serialNo just leaves no ref
	return id.SerialNo
}

// fieldError names the native field a decode step failed on. It is not an
// error value itself: callers hand both parts to Record.Reject.
type fieldError struct {
	field string
	err   error
}

func decodeRecord(b *adapters.Builder, i int, rec *record, area string, subjects *schema.Pseudonymizer) {
	r := b.Record(i, rec.SerialNo)
	if rec.SerialNo == "" {
		r.Reject("serialNo", errors.New("serial number is missing"))
		return
	}
	docType, ok := certTypes[rec.CertType]
	if !ok {
		if rec.CertType == certHomeReturn {
			r.Reject("certType", errors.New("home return permit (港澳居民来往内地通行证, HMRP) has no v1 document type"))
		} else {
			r.Reject("certType", fmt.Errorf("unknown document type code %s", redact.Code(rec.CertType)))
		}
		return
	}
	subject, err := subjects.Subject(docType, rec.CertNo)
	if err != nil {
		r.Reject("certNo", err)
		return
	}
	if rec.CodeTime == "" {
		r.Reject("codeTime", errors.New("code time is missing"))
		return
	}
	issued, err := parseTime(rec.CodeTime)
	if err != nil {
		r.Reject("codeTime", err)
		return
	}
	st, warnings, fe := decodeStatus(rec)
	if fe != nil {
		r.Reject(fe.field, fe.err)
		return
	}
	st.Subject, st.IssuedAt = subject, issued
	if rec.ValidTime != "" {
		if st.ValidUntil, err = parseTime(rec.ValidTime); err != nil {
			r.Reject("validTime", err)
			return
		}
	}
	r.AddStatus(st)
	for j := range rec.Scans {
		ev, fe := decodeScan(&rec.Scans[j], subject, area)
		if fe != nil {
			r.Reject(fmt.Sprintf("scans[%d].%s", j, fe.field), fe.err)
			return
		}
		r.AddEvent(ev)
	}
	if r.Commit() {
		for _, w := range warnings {
			b.Warn(i, rec.SerialNo, w.field, w.err)
		}
	}
}

// decodeStatus maps the colour, risk groups, test and vaccination of a
// record; the caller fills in subject and times.
func decodeStatus(rec *record) (schema.Status, []fieldError, *fieldError) {
	label, ok := colorLabels[rec.CodeColor]
	switch {
	case ok:
	case rec.CodeColor == colorYellow:
		return schema.Status{}, nil, &fieldError{"codeColor", errors.New("colour 1 (yellow) is never issued by 粤康码; risk groups carry it")}
	case rec.CodeColor == "":
		return schema.Status{}, nil, &fieldError{"codeColor", errors.New("code colour is missing")}
	default:
		return schema.Status{}, nil, &fieldError{"codeColor", fmt.Errorf("unknown code colour %s, want 0 (green) or 2 (red)", redact.Code(rec.CodeColor))}
	}
	st := schema.Status{
		Region:  Region,
		Color:   schema.Green,
		Reasons: []string{},
		Local:   &schema.Local{Label: label, Code: rec.CodeColor},
		Source:  schema.Source{System: System, RecordID: rec.SerialNo},
	}
	var warnings []fieldError
	for k, name := range rec.RiskGroups {
		field := fmt.Sprintf("riskGroups[%d]", k)
		if strings.TrimSpace(name) == "" {
			// An empty entry is an exporter's artefact, not a group.
			warnings = append(warnings, fieldError{field, errors.New("empty risk group ignored")})
			continue
		}
		reason, known := riskGroupReason(name)
		if !known {
			reason = schema.ReasonRiskGroup
			warnings = append(warnings, fieldError{field, fmt.Errorf("unknown risk group %s, kept as risk_group", redact.Code(name))})
		}
		if !slices.Contains(st.Reasons, reason) {
			st.Reasons = append(st.Reasons, reason)
		}
	}
	if len(st.Reasons) > 0 {
		st.Color = schema.Yellow
	}
	if n := rec.NAT; n != nil {
		result, ok := natResults[n.Result]
		if !ok {
			if n.Result == "" {
				return schema.Status{}, nil, &fieldError{"nucleicAcid.result", errors.New("test result is missing")}
			}
			return schema.Status{}, nil, &fieldError{"nucleicAcid.result", fmt.Errorf("unknown test result %s, want 阴性, 阳性 or 检测中", redact.Code(n.Result))}
		}
		st.NAT = &schema.NAT{Result: result, Lab: n.Org}
		if n.SampleTime != "" {
			t, err := parseTime(n.SampleTime)
			if err != nil {
				return schema.Status{}, nil, &fieldError{"nucleicAcid.sampleTime", err}
			}
			st.NAT.SampledAt = t
		}
	}
	if rec.CodeColor == colorRed {
		st.Color = schema.Red
		if st.NAT != nil && st.NAT.Result == schema.NATPositive {
			st.Reasons = append(st.Reasons, schema.ReasonNATPositive)
		}
		if len(st.Reasons) == 0 {
			st.Reasons = append(st.Reasons, schema.ReasonRiskGroup)
		}
	}
	if v := rec.Vaccination; v != nil {
		if v.Doses == nil {
			return schema.Status{}, nil, &fieldError{"vaccine.doses", errors.New("number of doses is missing")}
		}
		st.Vaccination = &schema.Vaccination{Doses: *v.Doses}
		if v.LastDate != "" {
			d, err := time.Parse(dateLayout, v.LastDate)
			if err != nil {
				return schema.Status{}, nil, &fieldError{"vaccine.lastDate", errors.New("last dose date is not a yyyyMMdd calendar date")}
			}
			st.Vaccination.LastDoseAt = d.Format(time.DateOnly)
		}
	}
	return st, warnings, nil
}

func decodeScan(s *scan, subject, area string) (schema.Event, *fieldError) {
	if s.ScanNo == "" {
		return schema.Event{}, &fieldError{"scanNo", errors.New("scan number is missing")}
	}
	kind, ok := scanTypes[s.ScanType]
	if !ok {
		return schema.Event{}, &fieldError{"scanType", fmt.Errorf("unknown scan type %s, want PLACE, CHECKPOINT or TRANSIT", redact.Code(s.ScanType))}
	}
	if s.PlaceCode == "" {
		return schema.Event{}, &fieldError{"placeCode", errors.New("place code is missing")}
	}
	if s.InTime == "" {
		return schema.Event{}, &fieldError{"inTime", errors.New("scan time is missing")}
	}
	start, err := parseTime(s.InTime)
	if err != nil {
		return schema.Event{}, &fieldError{"inTime", err}
	}
	ev := schema.Event{
		Subject: subject,
		Region:  area,
		Kind:    kind,
		Place:   schema.Place{ID: s.PlaceCode, Name: s.PlaceName, Region: s.AreaCode},
		Start:   start,
		Source:  schema.Source{System: System, RecordID: s.ScanNo},
	}
	if ev.Place.Region == "" {
		ev.Place.Region = area
	}
	if s.Lat != nil {
		ev.Place.Lat = *s.Lat
	}
	if s.Lng != nil {
		ev.Place.Lon = *s.Lng
	}
	if s.OutTime != "" {
		end, err := parseTime(s.OutTime)
		if err != nil {
			return schema.Event{}, &fieldError{"outTime", err}
		}
		ev.End = end
	}
	return ev, nil
}

// parseTime reads yyyyMMddHHmmss as Beijing time. The message never repeats
// the value.
func parseTime(v string) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, v, adapters.Beijing)
	if err != nil {
		return time.Time{}, errors.New("time is not yyyyMMddHHmmss Beijing time")
	}
	return t, nil
}
