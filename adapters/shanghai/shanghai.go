package shanghai

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter decodes and encodes 随申码 exports. It is stateless.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	// Region is Shanghai's GB/T 2260 code; every status and event of the
	// format belongs to it.
	Region = "310000"
	// System is Source.System of every decoded record.
	System = "sh-ssm"
	// Namespace is the XML namespace of every element of the export.
	Namespace = "urn:sh-ssm:export:1"
	// rootElement is the local name of the document element.
	rootElement = "SSMExport"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "shanghai" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{Region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "随申码 (Shanghai Health Code) XML export: colour and reason codes, NAT, vaccination, 场所码 scans"
}

// colors maps the color attribute, in either spelling the export uses, to a
// v1 colour and the label 随申码 showed.
var colors = map[string]struct{ color, label string }{
	"G": {schema.Green, "绿码"}, "绿": {schema.Green, "绿码"},
	"Y": {schema.Yellow, "黄码"}, "黄": {schema.Yellow, "黄码"},
	"R": {schema.Red, "红码"}, "红": {schema.Red, "红码"},
}

// reasonCodes maps the export's 赋码原因 codes to v1 reasons. Encode uses
// the first code of a reason.
var reasonCodes = []struct{ code, reason string }{
	{"101", schema.ReasonNATNegative48h},    // 48小时内核酸阴性
	{"102", schema.ReasonNATNegative72h},    // 72小时内核酸阴性
	{"103", schema.ReasonNATNegative},       // 核酸阴性
	{"104", schema.ReasonNATPending},        // 核酸结果待出
	{"105", schema.ReasonNATOverdue},        // 未按期核酸
	{"201", schema.ReasonNATPositive},       // 核酸阳性
	{"202", schema.ReasonConfirmedCase},     // 确诊病例、无症状感染者
	{"301", schema.ReasonCloseContact},      // 密切接触者
	{"302", schema.ReasonSecondaryContact},  // 密接的密接
	{"303", schema.ReasonFromRiskArea},      // 中高风险地区来沪
	{"304", schema.ReasonInbound},           // 入境人员
	{"305", schema.ReasonFeverClinic},       // 发热门诊就诊
	{"401", schema.ReasonHomeQuarantine},    // 居家健康监测
	{"402", schema.ReasonCentralQuarantine}, // 集中隔离观察
	{"900", schema.ReasonRiskGroup},         // 其他风险人员
}

func reasonOf(code string) (string, bool) {
	for _, rc := range reasonCodes {
		if rc.code == code {
			return rc.reason, true
		}
	}
	return "", false
}

// certTypes maps the 证件类型 codes of the export to v1 document types.
var certTypes = map[string]string{
	"111": schema.DocResidentID,    // 居民身份证
	"414": schema.DocPassport,      // 普通护照
	"513": schema.DocHKMacauPermit, // 往来港澳通行证
	"511": schema.DocTaiwanPermit,  // 台湾居民来往大陆通行证
}

// certHomeReturn is the 港澳居民来往内地通行证, which v1 has no document
// type for.
const certHomeReturn = "516"

var natResults = map[string]string{
	"阴性": schema.NATNegative,
	"阳性": schema.NATPositive,
	"待出": schema.NATPending,
}

var scanTypes = map[string]string{
	"1": schema.KindVenueScan,  // 场所码
	"2": schema.KindCheckpoint, // 数字哨兵
}

// The decode-side document. Elements are matched in Namespace only, so that
// a vendor's extension in its own namespace is an unknown element even when
// it reuses one of our local names.
type export struct {
	XMLName xml.Name
	Version string   `xml:"version,attr"`
	Header  []header `xml:"urn:sh-ssm:export:1 Header"`
	Persons []person `xml:"urn:sh-ssm:export:1 Person"`
}

type header struct {
	BatchNo    string `xml:"urn:sh-ssm:export:1 BatchNo"`
	ExportTime string `xml:"urn:sh-ssm:export:1 ExportTime"`
}

type person struct {
	ID           string        `xml:"id,attr"`
	Certificates []certificate `xml:"urn:sh-ssm:export:1 Certificate"`
	// Name is consumed so that it is not reported as unknown; its content
	// is never read.
	Name         struct{}      `xml:"urn:sh-ssm:export:1 Name"`
	HealthCodes  []healthCode  `xml:"urn:sh-ssm:export:1 HealthCode"`
	NucleicAcids []nucleicAcid `xml:"urn:sh-ssm:export:1 NucleicAcid"`
	Vaccinations []vaccination `xml:"urn:sh-ssm:export:1 Vaccination"`
	Scans        []placeScan   `xml:"urn:sh-ssm:export:1 PlaceScan"`
	Unknown      []element     `xml:",any"`
}

type element struct{ XMLName xml.Name }

type certificate struct {
	Type   string `xml:"type,attr"`
	Number string `xml:",chardata"`
}

type healthCode struct {
	Color      string   `xml:"color,attr"`
	IssuedAt   string   `xml:"issuedAt,attr"`
	ValidUntil string   `xml:"validUntil,attr"`
	Reasons    []reason `xml:"urn:sh-ssm:export:1 Reason"`
}

// reason is a 赋码原因; its text is for display and not read.
type reason struct {
	Code string `xml:"code,attr"`
}

type nucleicAcid struct {
	Result    string `xml:"result,attr"`
	SampledAt string `xml:"sampledAt,attr"`
	Lab       string `xml:"urn:sh-ssm:export:1 Lab"`
}

type vaccination struct {
	Doses        string `xml:"doses,attr"`
	LastDoseDate string `xml:"lastDoseDate,attr"`
}

type placeScan struct {
	SN        string `xml:"sn,attr"`
	Type      string `xml:"type,attr"`
	PlaceCode string `xml:"placeCode,attr"`
	District  string `xml:"district,attr"`
	Lat       string `xml:"lat,attr"`
	Lon       string `xml:"lon,attr"`
	ScanTime  string `xml:"scanTime,attr"`
	LeaveTime string `xml:"leaveTime,attr"`
	PlaceName string `xml:"urn:sh-ssm:export:1 PlaceName"`
}

// SyntaxError reports where a payload stopped being well-formed XML (or
// stopped being readable in its declared encoding).
type SyntaxError struct {
	Line, Column int
	Offset       int64 // bytes read when the error was found
	Err          error
}

func (e *SyntaxError) Error() string {
	msg := e.Err.Error()
	var se *xml.SyntaxError
	if errors.As(e.Err, &se) {
		msg = se.Msg
	}
	return fmt.Sprintf("malformed xml at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, msg)
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("shanghai: decode options carry no pseudonymizer")
	}
	ex, err := readExport(raw)
	if err != nil {
		return nil, fmt.Errorf("shanghai: read export: %w", err)
	}
	hdr, exportTime, err := readHeader(ex)
	if err != nil {
		return nil, fmt.Errorf("shanghai: read export: %w", err)
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = hdr.BatchNo
	}
	b := adapters.NewBuilder(Region, batchID)
	for i := range ex.Persons {
		decodePerson(b, i, &ex.Persons[i], exportTime, opts.Subjects)
	}
	return b.Result(), nil
}

// readExport parses the document, checking what encoding/xml leaves to its
// caller: the root element, and that nothing follows it.
func readExport(raw []byte) (*export, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.CharsetReader = charsetReader
	syntax := func(err error) error {
		line, col := d.InputPos()
		return &SyntaxError{Line: line, Column: col, Offset: d.InputOffset(), Err: err}
	}
	var ex export
	if err := d.Decode(&ex); err != nil {
		var ee *encodingError
		switch {
		case err == io.EOF:
			return nil, errors.New("payload holds no xml element")
		case errors.As(err, &ee):
			return nil, ee
		}
		return nil, syntax(err)
	}
	if ex.XMLName.Space != Namespace || ex.XMLName.Local != rootElement {
		return nil, fmt.Errorf("root element is %s, want %s in namespace %s", qname(ex.XMLName), rootElement, Namespace)
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntax(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return nil, syntax(fmt.Errorf("element %s after the root element", qname(t.Name)))
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, syntax(errors.New("text after the root element"))
			}
		}
	}
	if ex.Version != "" && ex.Version != "1" {
		return nil, fmt.Errorf("export version %s is not supported, want 1", redact.Code(ex.Version))
	}
	return &ex, nil
}

// charsetReader lets exports declare the Chinese national encodings; all of
// them are read as GB 18030, which GBK and GB 2312 are subsets of.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "gb18030", "gbk", "gb2312", "cp936":
		return simplifiedchinese.GB18030.NewDecoder().Reader(input), nil
	}
	return nil, &encodingError{label}
}

// encodingError is an encoding the export may not declare. It is not a
// syntax error, so it is reported as it is.
type encodingError struct{ label string }

func (e *encodingError) Error() string {
	return fmt.Sprintf("unsupported encoding %s, want UTF-8 or GB 18030/GBK", redact.Code(e.label))
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

func readHeader(ex *export) (*header, time.Time, error) {
	switch len(ex.Header) {
	case 0:
		return nil, time.Time{}, errors.New("header is missing")
	case 1:
	default:
		return nil, time.Time{}, fmt.Errorf("%d headers, want one", len(ex.Header))
	}
	h := &ex.Header[0]
	h.BatchNo = strings.TrimSpace(h.BatchNo)
	switch {
	case h.BatchNo == "":
		return nil, time.Time{}, errors.New("header: batch number (BatchNo) is missing")
	case len(h.BatchNo) > adapters.MaxBatchID:
		return nil, time.Time{}, fmt.Errorf("header: batch number (BatchNo) is %d bytes, at most %d", len(h.BatchNo), adapters.MaxBatchID)
	}
	if strings.TrimSpace(h.ExportTime) == "" {
		return nil, time.Time{}, errors.New("header: export time (ExportTime) is missing")
	}
	at, err := parseTime(h.ExportTime)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("header: ExportTime: %w", err)
	}
	return h, at, nil
}

// fieldError names the native field a decode step failed on. It is not an
// error value itself: callers hand both parts to Record.Reject.
type fieldError struct {
	field string
	err   error
}

// single returns the only element of xs, or nil when there is none. A
// repeated element is an error: which of two colours would be the truth?
func single[T any](name string, xs []T) (*T, *fieldError) {
	switch len(xs) {
	case 0:
		return nil, nil
	case 1:
		return &xs[0], nil
	}
	return nil, &fieldError{name, fmt.Errorf("appears %d times, want once", len(xs))}
}

func decodePerson(b *adapters.Builder, i int, p *person, exportTime time.Time, subjects *schema.Pseudonymizer) {
	id := strings.TrimSpace(p.ID)
	r := b.Record(i, id)
	if id == "" {
		r.Reject("@id", errors.New("person record ID is missing"))
		return
	}
	cert, fe := single("Certificate", p.Certificates)
	if fe == nil && cert == nil {
		fe = &fieldError{"Certificate", errors.New("document is missing")}
	}
	if fe != nil {
		r.Reject(fe.field, fe.err)
		return
	}
	docType, ok := certTypes[strings.TrimSpace(cert.Type)]
	if !ok {
		switch t := strings.TrimSpace(cert.Type); t {
		case certHomeReturn:
			r.Reject("Certificate/@type", errors.New("home return permit (港澳居民来往内地通行证, 516) has no v1 document type"))
		case "":
			r.Reject("Certificate/@type", errors.New("document type is missing"))
		default:
			r.Reject("Certificate/@type", fmt.Errorf("unknown document type code %s", redact.Code(t)))
		}
		return
	}
	// NormalizeDocument drops spaces and tabs but not the line breaks an
	// indented element carries.
	subject, err := subjects.Subject(docType, strings.TrimSpace(cert.Number))
	if err != nil {
		r.Reject("Certificate", err)
		return
	}
	st, warnings, fe := decodeStatus(p, exportTime)
	if fe != nil {
		r.Reject(fe.field, fe.err)
		return
	}
	st.Subject = subject
	st.Source = schema.Source{System: System, RecordID: id}
	r.AddStatus(st)
	for j := range p.Scans {
		ev, fe := decodeScan(&p.Scans[j], subject)
		if fe != nil {
			// XPath positions count from 1.
			r.Reject(fmt.Sprintf("PlaceScan[%d]%s", j+1, fe.field), fe.err)
			return
		}
		r.AddEvent(ev)
	}
	if !r.Commit() {
		return
	}
	for _, u := range p.Unknown {
		warnings = append(warnings, fieldError{qname(u.XMLName), errors.New("unknown element ignored")})
	}
	for _, w := range warnings {
		b.Warn(i, id, w.field, w.err)
	}
}

func decodeStatus(p *person, exportTime time.Time) (schema.Status, []fieldError, *fieldError) {
	hc, fe := single("HealthCode", p.HealthCodes)
	if fe == nil && hc == nil {
		fe = &fieldError{"HealthCode", errors.New("health code is missing")}
	}
	if fe != nil {
		return schema.Status{}, nil, fe
	}
	code := strings.TrimSpace(hc.Color)
	c, ok := colors[code]
	if !ok {
		if code == "" {
			return schema.Status{}, nil, &fieldError{"HealthCode/@color", errors.New("colour is missing")}
		}
		return schema.Status{}, nil, &fieldError{"HealthCode/@color", fmt.Errorf("unknown colour code %s, want G, Y, R or 绿, 黄, 红", redact.Code(code))}
	}
	st := schema.Status{
		Region:   Region,
		Color:    c.color,
		Reasons:  []string{},
		Local:    &schema.Local{Label: c.label, Code: code},
		IssuedAt: exportTime,
	}
	var err error
	if strings.TrimSpace(hc.IssuedAt) != "" {
		if st.IssuedAt, err = parseTime(hc.IssuedAt); err != nil {
			return schema.Status{}, nil, &fieldError{"HealthCode/@issuedAt", err}
		}
	}
	if strings.TrimSpace(hc.ValidUntil) != "" {
		if st.ValidUntil, err = parseTime(hc.ValidUntil); err != nil {
			return schema.Status{}, nil, &fieldError{"HealthCode/@validUntil", err}
		}
	}
	var warnings []fieldError
	for k, rc := range hc.Reasons {
		reason, known := reasonOf(strings.TrimSpace(rc.Code))
		if !known {
			field := fmt.Sprintf("HealthCode/Reason[%d]/@code", k+1)
			if st.Color == schema.Green {
				warnings = append(warnings, fieldError{field, fmt.Errorf("unknown reason code %s on a green code, dropped", redact.Code(rc.Code))})
				continue
			}
			reason = schema.ReasonRiskGroup
			warnings = append(warnings, fieldError{field, fmt.Errorf("unknown reason code %s, kept as risk_group", redact.Code(rc.Code))})
		}
		if !slices.Contains(st.Reasons, reason) {
			st.Reasons = append(st.Reasons, reason)
		}
	}
	n, fe := single("NucleicAcid", p.NucleicAcids)
	if fe != nil {
		return schema.Status{}, nil, fe
	}
	if n != nil {
		if st.NAT, fe = decodeNAT(n); fe != nil {
			return schema.Status{}, nil, fe
		}
	}
	v, fe := single("Vaccination", p.Vaccinations)
	if fe != nil {
		return schema.Status{}, nil, fe
	}
	if v != nil {
		if st.Vaccination, fe = decodeVaccination(v); fe != nil {
			return schema.Status{}, nil, fe
		}
	}
	return st, warnings, nil
}

func decodeNAT(n *nucleicAcid) (*schema.NAT, *fieldError) {
	result, ok := natResults[strings.TrimSpace(n.Result)]
	if !ok {
		if strings.TrimSpace(n.Result) == "" {
			return nil, &fieldError{"NucleicAcid/@result", errors.New("test result is missing")}
		}
		return nil, &fieldError{"NucleicAcid/@result", fmt.Errorf("unknown test result %s, want 阴性, 阳性 or 待出", redact.Code(n.Result))}
	}
	out := &schema.NAT{Result: result, Lab: strings.TrimSpace(n.Lab)}
	if strings.TrimSpace(n.SampledAt) != "" {
		t, err := parseTime(n.SampledAt)
		if err != nil {
			return nil, &fieldError{"NucleicAcid/@sampledAt", err}
		}
		out.SampledAt = t
	}
	return out, nil
}

func decodeVaccination(v *vaccination) (*schema.Vaccination, *fieldError) {
	doses, err := strconv.Atoi(strings.TrimSpace(v.Doses))
	if err != nil {
		return nil, &fieldError{"Vaccination/@doses", errors.New("number of doses is missing or not an integer")}
	}
	out := &schema.Vaccination{Doses: doses}
	if d := strings.TrimSpace(v.LastDoseDate); d != "" {
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, &fieldError{"Vaccination/@lastDoseDate", errors.New("last dose date is not an xs:date (YYYY-MM-DD)")}
		}
		out.LastDoseAt = d
	}
	return out, nil
}

// decodeScan converts one PlaceScan; the field it names is relative to the
// scan element.
func decodeScan(s *placeScan, subject string) (schema.Event, *fieldError) {
	sn := strings.TrimSpace(s.SN)
	if sn == "" {
		return schema.Event{}, &fieldError{"/@sn", errors.New("scan serial number is missing")}
	}
	kind := schema.KindVenueScan
	if t := strings.TrimSpace(s.Type); t != "" {
		var ok bool
		if kind, ok = scanTypes[t]; !ok {
			return schema.Event{}, &fieldError{"/@type", fmt.Errorf("unknown scan type %s, want 1 (场所码) or 2 (数字哨兵)", redact.Code(t))}
		}
	}
	place := strings.TrimSpace(s.PlaceCode)
	if place == "" {
		return schema.Event{}, &fieldError{"/@placeCode", errors.New("place code is missing")}
	}
	if strings.TrimSpace(s.ScanTime) == "" {
		return schema.Event{}, &fieldError{"/@scanTime", errors.New("scan time is missing")}
	}
	start, err := parseTime(s.ScanTime)
	if err != nil {
		return schema.Event{}, &fieldError{"/@scanTime", err}
	}
	ev := schema.Event{
		Subject: subject,
		Region:  Region,
		Kind:    kind,
		Place:   schema.Place{ID: place, Name: strings.TrimSpace(s.PlaceName), Region: strings.TrimSpace(s.District)},
		Start:   start,
		Source:  schema.Source{System: System, RecordID: sn},
	}
	if ev.Place.Region == "" {
		ev.Place.Region = Region
	}
	if ev.Place.Lat, err = parseCoord(s.Lat); err != nil {
		return schema.Event{}, &fieldError{"/@lat", err}
	}
	if ev.Place.Lon, err = parseCoord(s.Lon); err != nil {
		return schema.Event{}, &fieldError{"/@lon", err}
	}
	if strings.TrimSpace(s.LeaveTime) != "" {
		if ev.End, err = parseTime(s.LeaveTime); err != nil {
			return schema.Event{}, &fieldError{"/@leaveTime", err}
		}
	}
	return ev, nil
}

// parseCoord reads an optional xs:decimal degree; absent is 0, as in v1.
func parseCoord(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, errors.New("coordinate is not a decimal number")
	}
	return f, nil
}

// zonelessLayout is an xs:dateTime without a time zone, which this export
// means as Beijing time.
const zonelessLayout = "2006-01-02T15:04:05.999999999"

// parseTime reads an xs:dateTime. One with an offset keeps it; one without
// is Beijing time. The message never repeats the value.
func parseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(zonelessLayout, v, adapters.Beijing); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("time is not an xs:dateTime (YYYY-MM-DDThh:mm:ss, with an offset or zoneless Beijing time)")
}
