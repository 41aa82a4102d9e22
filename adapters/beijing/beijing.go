package beijing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/jsonexport"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// Adapter decodes and encodes 北京健康宝 exports. It is stateless.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

func init() { adapters.Register(Adapter{}) }

const (
	// Region is Beijing's GB/T 2260 code; every status and event of the
	// format belongs to it.
	Region = "110000"
	// System is Source.System of every decoded record.
	System = "bj-jkb"
)

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "beijing" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{Region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "北京健康宝 (Beijing Health Kit) JSON export: 未见异常/居家观察/集中观察/弹窗, NAT, vaccination, place scans"
}

// Native status texts (jkzt).
const (
	statusNormal  = "未见异常"
	statusHome    = "居家观察"
	statusCentral = "集中观察"
	statusPopUp   = "弹窗"
)

// popUpKinds are the pop-up kinds (tclx) the export is known to use; see
// the package documentation for what each asks of the holder.
var popUpKinds = map[string]bool{"1": true, "2": true, "3": true}

// docTypes maps zjlx codes to v1 document types.
var docTypes = map[string]string{
	"01": schema.DocResidentID,
	"02": schema.DocPassport,
	"03": schema.DocHKMacauPermit,
	"04": schema.DocTaiwanPermit,
	"05": schema.DocHKID,
	"06": schema.DocMacauID,
}

// NAT results (hsjc.jg).
var natResults = map[string]string{
	"阴性":   schema.NATNegative,
	"阳性":   schema.NATPositive,
	"待出结果": schema.NATPending,
}

// Scan kinds (smjl.lx).
var scanKinds = map[string]string{
	"1": schema.KindVenueScan,  // 场所码扫码
	"2": schema.KindCheckpoint, // 进京检查站查验
}

// utf8BOM is stripped from the front of a payload: exports saved by Windows
// tools carry it, and encoding/json refuses it.
var utf8BOM = []byte("\xef\xbb\xbf")

// export is the payload with its records left raw, for reading them one by
// one.
type export struct {
	BatchNo string            `json:"pcbh"`
	Records []json.RawMessage `json:"jls"`
}

// record is one native record. The holder's name (xm) is deliberately not a
// field: it is never read.
type record struct {
	ID          string       `json:"jlbh"`
	DocType     string       `json:"zjlx"`
	DocNumber   string       `json:"zjhm"`
	Status      string       `json:"jkzt"`
	PopUpKind   string       `json:"tclx,omitempty"`
	StatusAt    *int64       `json:"ztsj"`
	ValidUntil  *int64       `json:"yxq,omitempty"`
	NAT         *nat         `json:"hsjc,omitempty"`
	Vaccination *vaccination `json:"ymjz,omitempty"`
	Scans       []scan       `json:"smjl,omitempty"`
}

type nat struct {
	Result    string `json:"jg"`
	SampledAt *int64 `json:"cysj,omitempty"`
	Lab       string `json:"jcjg,omitempty"`
}

type vaccination struct {
	Doses    *int   `json:"zjs"`
	LastDose string `json:"mzsj,omitempty"`
}

type scan struct {
	Serial    string   `json:"lsh"`
	Kind      string   `json:"lx"`
	PlaceID   string   `json:"csbm"`
	PlaceName string   `json:"csmc,omitempty"`
	District  string   `json:"qh,omitempty"`
	Lat       *float64 `json:"wd,omitempty"`
	Lon       *float64 `json:"jd,omitempty"`
	ScanAt    *int64   `json:"smsj"`
	LeftAt    *int64   `json:"lksj,omitempty"`
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("beijing: decode options carry no pseudonymizer")
	}
	// encoding/json would quietly turn the bytes of a GBK export into
	// U+FFFD; refusing it whole says what is wrong.
	if !utf8.Valid(raw) {
		return nil, errors.New("beijing: read export: payload is not utf-8")
	}
	batchNo, items, err := readExport(bytes.TrimPrefix(raw, utf8BOM))
	if err != nil {
		return nil, fmt.Errorf("beijing: read export: %w", err)
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = batchNo
		if len(batchID) > adapters.MaxBatchID {
			return nil, fmt.Errorf("beijing: read export: batch number (pcbh) is %d bytes, at most %d", len(batchID), adapters.MaxBatchID)
		}
		if batchID == "" {
			batchID = adapters.PayloadBatchID("beijing", raw)
		}
	}
	b := adapters.NewBuilder(Region, batchID)
	for i := range items {
		if e := items[i].readErr; e != nil {
			b.Reject(i, e.Ref, e.Field, e.Err)
			continue
		}
		decodeRecord(b, i, &items[i].record, opts.Subjects)
	}
	return b.Result(), nil
}

// item is a record as read, or why it could not be read.
type item struct {
	record
	readErr *jsonexport.Problem
}

// readExport reads the batch number and the records. Most payloads are read
// in one pass. encoding/json names a field of the wrong type but not the
// record it is in, so when there is one, each record is read again on its own
// and only the bad ones are marked.
func readExport(body []byte) (batchNo string, items []item, err error) {
	var fast struct {
		BatchNo string `json:"pcbh"`
		Records []item `json:"jls"`
	}
	err = json.Unmarshal(body, &fast)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
	case errors.As(err, &te):
		var ex export
		if err := json.Unmarshal(body, &ex); err != nil {
			return "", nil, jsonexport.PayloadError(err)
		}
		fast.BatchNo, fast.Records = ex.BatchNo, nil
		if ex.Records != nil {
			fast.Records = make([]item, len(ex.Records))
		}
		for i, msg := range ex.Records {
			fast.Records[i].readErr = records.Decode(msg, &fast.Records[i].record)
		}
	default:
		return "", nil, jsonexport.PayloadError(err)
	}
	if fast.Records == nil {
		return "", nil, errors.New("no record list (jls)")
	}
	return fast.BatchNo, fast.Records, nil
}

// records reads the records one by one when one of them does not fit.
var records = jsonexport.Records{
	// The format's only integers of this width are epoch milliseconds.
	Wants: map[string]string{
		"int64":  "an integer (epoch milliseconds)",
		"*int64": "an integer (epoch milliseconds)",
	},
	Ref: recordID,
}

// recordID reads only jlbh of a record that failed to decode as a whole, so
// that its rejection can still name it.
func recordID(msg json.RawMessage) string {
	var id struct {
		ID string `json:"jlbh"`
	}
	_ = json.Unmarshal(msg, &id) // best effort: a bad jlbh just leaves no ref
	return id.ID
}

func decodeRecord(b *adapters.Builder, i int, rec *record, subjects *schema.Pseudonymizer) {
	r := b.Record(i, rec.ID)
	if rec.ID == "" {
		r.Reject("jlbh", errors.New("record number is missing"))
		return
	}
	docType, ok := docTypes[rec.DocType]
	if !ok {
		r.Reject("zjlx", fmt.Errorf("unknown document type code %s", redact.Code(rec.DocType)))
		return
	}
	subject, err := subjects.Subject(docType, rec.DocNumber)
	if err != nil {
		r.Reject("zjhm", err)
		return
	}
	color, reasons, local, fe, warn := mapStatus(rec.Status, rec.PopUpKind)
	if fe != nil {
		r.Reject(fe.field, fe.err)
		return
	}
	if rec.StatusAt == nil {
		r.Reject("ztsj", errors.New("status time is missing"))
		return
	}
	issued, err := epochMillis(*rec.StatusAt)
	if err != nil {
		r.Reject("ztsj", err)
		return
	}
	st := schema.Status{
		Subject:  subject,
		Region:   Region,
		Color:    color,
		Reasons:  reasons,
		Local:    local,
		IssuedAt: issued,
		Source:   schema.Source{System: System, RecordID: rec.ID},
	}
	if rec.ValidUntil != nil {
		if st.ValidUntil, err = epochMillis(*rec.ValidUntil); err != nil {
			r.Reject("yxq", err)
			return
		}
	}
	if rec.NAT != nil {
		if st.NAT, fe = decodeNAT(rec.NAT); fe != nil {
			r.Reject(fe.field, fe.err)
			return
		}
	}
	if rec.Vaccination != nil {
		if st.Vaccination, fe = decodeVaccination(rec.Vaccination); fe != nil {
			r.Reject(fe.field, fe.err)
			return
		}
	}
	r.AddStatus(st)
	for j := range rec.Scans {
		ev, fe := decodeScan(&rec.Scans[j], subject)
		if fe != nil {
			r.Reject(fmt.Sprintf("smjl[%d].%s", j, fe.field), fe.err)
			return
		}
		r.AddEvent(ev)
	}
	if r.Commit() && warn != nil {
		b.Warn(i, rec.ID, "tclx", warn)
	}
}

// fieldError names the native field a decode step failed on. It is not an
// error value itself: callers hand both parts to Record.Reject.
type fieldError struct {
	field string
	err   error
}

// mapStatus maps jkzt and tclx to a v1 colour, reasons and local label. A
// pop-up of an unknown or missing kind is still a pop-up: it is kept
// (yellow, cannot_confirm) with a warning, since dropping it would lose a
// yellow. A pop-up kind on any other status is a contradiction the record
// cannot be trusted with.
func mapStatus(status, kind string) (color string, reasons []string, local *schema.Local, fe *fieldError, warn error) {
	switch status {
	case statusNormal:
		color, reasons = schema.Green, []string{schema.ReasonNoAbnormality}
	case statusHome:
		color, reasons = schema.Yellow, []string{schema.ReasonHomeQuarantine}
	case statusCentral:
		color, reasons = schema.Red, []string{schema.ReasonCentralQuarantine}
	case statusPopUp:
		local = &schema.Local{Label: statusPopUp}
		switch {
		case popUpKinds[kind]:
			local = &schema.Local{Label: statusPopUp + kind, Code: kind}
		case kind == "":
			warn = errors.New("pop-up kind is missing; kept as a pop-up of unknown kind")
		default:
			warn = fmt.Errorf("unknown pop-up kind %s; kept as a pop-up of unknown kind", redact.Code(kind))
		}
		return schema.Yellow, []string{schema.ReasonCannotConfirm}, local, nil, warn
	case "":
		return "", nil, nil, &fieldError{"jkzt", errors.New("status is missing")}, nil
	default:
		return "", nil, nil, &fieldError{"jkzt", fmt.Errorf("unknown status %s, want 未见异常, 居家观察, 集中观察 or 弹窗", redact.Code(status))}, nil
	}
	if kind != "" {
		return "", nil, nil, &fieldError{"tclx", fmt.Errorf("pop-up kind %s given but status is %s", redact.Code(kind), status)}, nil
	}
	return color, reasons, &schema.Local{Label: status}, nil, nil
}

func decodeNAT(n *nat) (*schema.NAT, *fieldError) {
	result, ok := natResults[n.Result]
	if !ok {
		if n.Result == "" {
			return nil, &fieldError{"hsjc.jg", errors.New("test result is missing")}
		}
		return nil, &fieldError{"hsjc.jg", fmt.Errorf("unknown test result %s, want 阴性, 阳性 or 待出结果", redact.Code(n.Result))}
	}
	out := &schema.NAT{Result: result, Lab: n.Lab}
	if n.SampledAt != nil {
		t, err := epochMillis(*n.SampledAt)
		if err != nil {
			return nil, &fieldError{"hsjc.cysj", err}
		}
		out.SampledAt = t
	}
	return out, nil
}

func decodeVaccination(v *vaccination) (*schema.Vaccination, *fieldError) {
	if v.Doses == nil {
		return nil, &fieldError{"ymjz.zjs", errors.New("number of doses is missing")}
	}
	out := &schema.Vaccination{Doses: *v.Doses}
	if v.LastDose != "" {
		if _, err := time.Parse(time.DateOnly, v.LastDose); err != nil {
			return nil, &fieldError{"ymjz.mzsj", errors.New("last dose date is not a YYYY-MM-DD calendar date")}
		}
		out.LastDoseAt = v.LastDose
	}
	return out, nil
}

func decodeScan(s *scan, subject string) (schema.Event, *fieldError) {
	if s.Serial == "" {
		return schema.Event{}, &fieldError{"lsh", errors.New("scan serial number is missing")}
	}
	kind, ok := scanKinds[s.Kind]
	if !ok {
		return schema.Event{}, &fieldError{"lx", fmt.Errorf("unknown scan kind %s, want 1 (place code) or 2 (entry checkpoint)", redact.Code(s.Kind))}
	}
	if s.PlaceID == "" {
		return schema.Event{}, &fieldError{"csbm", errors.New("place code is missing")}
	}
	if s.ScanAt == nil {
		return schema.Event{}, &fieldError{"smsj", errors.New("scan time is missing")}
	}
	start, err := epochMillis(*s.ScanAt)
	if err != nil {
		return schema.Event{}, &fieldError{"smsj", err}
	}
	ev := schema.Event{
		Subject: subject,
		Region:  Region,
		Kind:    kind,
		Place:   schema.Place{ID: s.PlaceID, Name: s.PlaceName, Region: s.District},
		Start:   start,
		Source:  schema.Source{System: System, RecordID: s.Serial},
	}
	if ev.Place.Region == "" {
		ev.Place.Region = Region
	}
	if s.Lat != nil {
		ev.Place.Lat = *s.Lat
	}
	if s.Lon != nil {
		ev.Place.Lon = *s.Lon
	}
	if s.LeftAt != nil {
		end, err := epochMillis(*s.LeftAt)
		if err != nil {
			return schema.Event{}, &fieldError{"lksj", err}
		}
		ev.End = end
	}
	return ev, nil
}

// Epoch milliseconds outside these bounds are not times of the health-code
// era and most likely seconds or microseconds written by mistake.
var (
	minTime = time.Date(2020, 1, 1, 0, 0, 0, 0, adapters.Beijing).UnixMilli()
	maxTime = time.Date(2100, 1, 1, 0, 0, 0, 0, adapters.Beijing).UnixMilli()
)

func epochMillis(ms int64) (time.Time, error) {
	if ms < minTime || ms >= maxTime {
		return time.Time{}, errors.New("epoch milliseconds out of range: before 2020 or from 2100 (seconds written for milliseconds?)")
	}
	return adapters.FromEpochMillis(ms), nil
}
