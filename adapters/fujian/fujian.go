package fujian

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/adapters/internal/jsonstream"
	"github.com/codefed/codefed/adapters/internal/redact"
	"github.com/codefed/codefed/schema"
)

// System is Source.System of every record this format yields.
const System = "fj-bmjkm"

// Region is the GB/T 2260 code of Fujian, the only region of the format.
const Region = "350000"

const (
	timeLayout = "20060102150405"
	dateLayout = "20060102"
)

// maxMsg bounds how much of the platform's msg an error repeats.
const maxMsg = 200

func init() { adapters.Register(Adapter{}) }

// Adapter is the "fujian" format: 八闽健康码 query results.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "fujian" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{Region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "八闽健康码 (fj-bmjkm): {code,msg,data} pages, Chinese labels, yyyyMMddHHmmss Beijing time"
}

// envelope is the payload around the records. Each record is decoded on
// its own so that a record of the wrong shape is rejected alone instead of
// failing the batch.
type envelope struct {
	Code     *int64
	Msg      string
	HasData  bool
	List     []jsonstream.Item[record] // nil when data has no list
	Total    *int
	Page     int
	PageSize int
}

// namedRecord is a record as Encode writes it, with the holder's name.
// Decode reads into record, which has no name, so a name never enters a
// decoded value.
type namedRecord struct {
	Name string `json:"name,omitempty"`
	record
}

type record struct {
	ID              string `json:"id"`
	CertType        string `json:"certType"`
	CertNo          string `json:"certNo"`
	CodeStatus      *int   `json:"codeStatus"`
	ReasonCodes     string `json:"reasonCodes,omitempty"`
	UpdateTime      string `json:"updateTime"`
	ExpireTime      string `json:"expireTime,omitempty"`
	NATResult       string `json:"natResult,omitempty"`
	NATTime         string `json:"natTime,omitempty"`
	NATOrg          string `json:"natOrg,omitempty"`
	VaccineTimes    *int   `json:"vaccineTimes,omitempty"`
	LastVaccineDate string `json:"lastVaccineDate,omitempty"`
}

// certTypes maps certType labels to schema document types.
var certTypes = map[string]string{
	"身份证":        schema.DocResidentID,
	"护照":         schema.DocPassport,
	"港澳通行证":      schema.DocHKMacauPermit,
	"台胞证":        schema.DocTaiwanPermit,
	"香港身份证":      schema.DocHKID,
	"澳门身份证":      schema.DocMacauID,
	"回乡证":        schema.DocHomeReturnPermit,
	"外国人永久居留身份证": schema.DocForeignPermanentResident,
}

type color struct{ color, label string }

// colors is indexed by codeStatus.
var colors = [...]color{
	1: {schema.Green, "绿码"},
	2: {schema.Yellow, "黄码"},
	3: {schema.Red, "红码"},
}

// reasonCodes maps native reason codes to schema reason codes, one to one
// so that Encode can write back every code it knows. The tens group them:
// 0x tests, 1x cases and contacts, 2x travel and quarantine, 3x other.
var reasonCodes = map[string]string{
	"01": schema.ReasonNATNegative48h,
	"02": schema.ReasonNATNegative72h,
	"03": schema.ReasonNATNegative,
	"04": schema.ReasonNATPending,
	"05": schema.ReasonNATOverdue,
	"11": schema.ReasonNATPositive,
	"12": schema.ReasonConfirmedCase,
	"13": schema.ReasonCloseContact,
	"14": schema.ReasonSecondaryContact,
	"21": schema.ReasonFromRiskArea,
	"22": schema.ReasonHomeQuarantine,
	"23": schema.ReasonCentralQuarantine,
	"24": schema.ReasonInbound,
	"25": schema.ReasonFeverClinic,
	"31": schema.ReasonNoAbnormality,
	"32": schema.ReasonCannotConfirm,
	"33": schema.ReasonVaccinated,
	"34": schema.ReasonRecovered,
	"39": schema.ReasonRiskGroup,
}

// natResults maps natResult labels to schema test results.
var natResults = map[string]string{
	"阴性":  schema.NATNegative,
	"阳性":  schema.NATPositive,
	"检测中": schema.NATPending,
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("fujian: decode options carry no pseudonymizer")
	}
	if !utf8.Valid(raw) {
		return nil, errors.New("fujian: payload is not valid utf-8")
	}
	env, err := readEnvelope(raw)
	if err != nil {
		return nil, fmt.Errorf("fujian: read envelope: %w", err)
	}
	switch {
	case env.Code == nil:
		return nil, errors.New("fujian: envelope has no code")
	case *env.Code != 0:
		return nil, fmt.Errorf("fujian: platform answered code %d, msg %q", *env.Code, redact.Message(redact.Clip(env.Msg, maxMsg)))
	case !env.HasData:
		return nil, errors.New("fujian: envelope has no data")
	case env.List == nil:
		return nil, errors.New("fujian: data has no list")
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = adapters.PayloadBatchID("fujian", raw)
	}
	b := adapters.NewBuilder(Region, batchID)
	if want, ok := env.expectedLen(); ok && want != len(env.List) {
		err := fmt.Errorf("total says %d records, list holds %d", want, len(env.List))
		if env.paged() {
			err = fmt.Errorf("total %d with page %d of size %d calls for %d records, list holds %d",
				*env.Total, env.Page, env.PageSize, want, len(env.List))
		}
		b.Warn(-1, "", "data.total", err)
	}
	for i := range env.List {
		p := &env.List[i]
		if p.Bad != nil {
			b.Record(i, p.Rec.ID).Reject(p.Bad.Field, p.Bad.Err)
			continue
		}
		decodeRecord(b, i, &p.Rec, opts.Subjects)
	}
	return b.Result(), nil
}

// expectedLen is how many records the page should hold according to total,
// page and pageSize; ok is false when total is absent.
func (env *envelope) expectedLen() (n int, ok bool) {
	if env.Total == nil {
		return 0, false
	}
	n = *env.Total
	if env.paged() {
		n -= (env.Page - 1) * env.PageSize
		n = max(0, min(n, env.PageSize))
	}
	return n, true
}

func (env *envelope) paged() bool { return env.Page > 0 && env.PageSize > 0 }

// notInteger words the error for a JSON number an integer field cannot
// hold, rather than the general "is a JSON number, want a number".
var notInteger = map[reflect.Kind]string{
	reflect.Int:   "is not an integer",
	reflect.Int64: "is not an integer",
}

func readEnvelope(raw []byte) (*envelope, error) {
	env := &envelope{}
	dec := jsonstream.NewDecoder(raw)
	dec.NotInteger = notInteger
	err := dec.Top(jsonstream.Envelope, func(key string) error {
		switch key {
		case "code":
			return dec.Field(key, &env.Code)
		case "msg":
			return dec.Field(key, &env.Msg)
		case "data":
			var err error
			env.HasData, err = dec.OptionalObject(key, func(key string) error {
				switch key {
				case "list":
					var err error
					env.List, err = jsonstream.Items[record](dec, "data."+key, len(raw)/400)
					return err
				case "total":
					return dec.Field("data."+key, &env.Total)
				case "page":
					return dec.Field("data."+key, &env.Page)
				case "pageSize":
					return dec.Field("data."+key, &env.PageSize)
				}
				return dec.Skip()
			})
			return err
		}
		return dec.Skip()
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

func decodeRecord(b *adapters.Builder, i int, rec *record, subjects *schema.Pseudonymizer) {
	r := b.Record(i, rec.ID)
	var warns []warning
	if *rec == (record{}) {
		r.Reject("", errors.New("empty record (null or {})"))
		return
	}
	if rec.ID == "" {
		r.Reject("id", errors.New("missing record ID"))
		return
	}
	if rec.CertType == "" {
		r.Reject("certType", errors.New("missing document type"))
		return
	}
	docType, ok := certTypes[rec.CertType]
	if !ok {
		r.Reject("certType", fmt.Errorf("unknown document type %s", redact.Code(rec.CertType)))
		return
	}
	subject, err := subjects.Subject(docType, rec.CertNo)
	if err != nil {
		r.Reject("certNo", err)
		return
	}
	if rec.CodeStatus == nil {
		r.Reject("codeStatus", errors.New("missing colour"))
		return
	}
	n := *rec.CodeStatus
	if n < 0 || n >= len(colors) || colors[n].color == "" {
		r.Reject("codeStatus", fmt.Errorf("unknown colour code %s (want 1, 2 or 3)", redact.Int(int64(n))))
		return
	}
	c := colors[n]
	if rec.UpdateTime == "" {
		r.Reject("updateTime", errors.New("missing update time"))
		return
	}
	issued, err := adapters.ParseBeijing(timeLayout, rec.UpdateTime)
	if err != nil {
		r.Reject("updateTime", err)
		return
	}
	st := schema.Status{
		Subject:  subject,
		Region:   Region,
		Color:    c.color,
		Reasons:  []string{},
		Local:    &schema.Local{Label: c.label, Code: strconv.Itoa(n)},
		IssuedAt: issued,
		Source:   schema.Source{System: System, RecordID: rec.ID},
	}
	if rec.ReasonCodes != "" {
		for code := range strings.SplitSeq(rec.ReasonCodes, ",") {
			code = strings.TrimSpace(code)
			reason, ok := reasonCodes[code]
			if !ok {
				warns = append(warns, warning{"reasonCodes", fmt.Errorf("unknown reason code %s left out", redact.Code(code))})
				continue
			}
			st.Reasons = append(st.Reasons, reason)
		}
	}
	if rec.ExpireTime != "" {
		if st.ValidUntil, err = adapters.ParseBeijing(timeLayout, rec.ExpireTime); err != nil {
			r.Reject("expireTime", err)
			return
		}
		if st.ValidUntil.Before(issued) {
			r.Reject("expireTime", errors.New("expiry time is before updateTime"))
			return
		}
	}
	switch {
	case rec.NATResult != "":
		result, ok := natResults[rec.NATResult]
		if !ok {
			r.Reject("natResult", fmt.Errorf("unknown test result %s (want 阴性, 阳性 or 检测中)", redact.Code(rec.NATResult)))
			return
		}
		st.NAT = &schema.NAT{Result: result, Lab: rec.NATOrg}
		if rec.NATTime != "" {
			if st.NAT.SampledAt, err = adapters.ParseBeijing(timeLayout, rec.NATTime); err != nil {
				r.Reject("natTime", err)
				return
			}
		}
	case rec.NATTime != "" || rec.NATOrg != "":
		warns = append(warns, warning{"natResult", errors.New("sampling time or institution without a test result left out")})
	}
	switch {
	case rec.VaccineTimes != nil:
		if *rec.VaccineTimes < 0 {
			r.Reject("vaccineTimes", fmt.Errorf("negative dose count %s", redact.Int(int64(*rec.VaccineTimes))))
			return
		}
		st.Vaccination = &schema.Vaccination{Doses: *rec.VaccineTimes}
		if rec.LastVaccineDate != "" {
			day, err := time.Parse(dateLayout, rec.LastVaccineDate)
			if err != nil {
				r.Reject("lastVaccineDate", fmt.Errorf("last dose date %s is not a yyyyMMdd calendar date", redact.Time(rec.LastVaccineDate)))
				return
			}
			st.Vaccination.LastDoseAt = day.Format("2006-01-02")
		}
	case rec.LastVaccineDate != "":
		warns = append(warns, warning{"vaccineTimes", errors.New("last dose date without a dose count left out")})
	}
	r.AddStatus(st)
	if r.Commit() {
		for _, w := range warns {
			b.Warn(i, rec.ID, w.field, w.err)
		}
	}
}

// warning is a problem that does not cost the record; it is reported only
// when the record is kept.
type warning struct {
	field string
	err   error
}

// Encode implements adapters.Adapter.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	type page struct {
		List     []namedRecord `json:"list"`
		Total    int           `json:"total"`
		Page     int           `json:"page"`
		PageSize int           `json:"pageSize"`
	}
	env := struct {
		Code int    `json:"code"`
		Msg  string `json:"msg"`
		Data page   `json:"data"`
	}{Msg: "success", Data: page{List: []namedRecord{}, Page: 1}}
	for pi, p := range people {
		certType, ok := codes.For(certTypes, p.DocType)
		if !ok {
			return nil, fmt.Errorf("fujian: person %d: document type %q has no certType label", pi, p.DocType)
		}
		for si := range p.Statuses {
			rec, err := encodeStatus(&p.Statuses[si])
			if err != nil {
				return nil, fmt.Errorf("fujian: person %d status %d: %w", pi, si, err)
			}
			rec.CertType, rec.CertNo = certType, p.DocNumber
			env.Data.List = append(env.Data.List, namedRecord{Name: p.Name, record: rec})
		}
	}
	env.Data.Total = len(env.Data.List)
	env.Data.PageSize = len(env.Data.List)
	return json.Marshal(env)
}

func encodeStatus(st *schema.Status) (record, error) {
	var rec record
	if st.Region != Region {
		return rec, fmt.Errorf("region %q is not %s", st.Region, Region)
	}
	if st.Source.RecordID == "" {
		return rec, errors.New("no record ID")
	}
	rec.ID = st.Source.RecordID
	for n, c := range colors {
		if c.color != "" && c.color == st.Color {
			rec.CodeStatus = &n
		}
	}
	if rec.CodeStatus == nil {
		return rec, fmt.Errorf("colour %q has no codeStatus", st.Color)
	}
	native := make([]string, 0, len(st.Reasons))
	for _, reason := range st.Reasons {
		code, ok := codes.For(reasonCodes, reason)
		if !ok {
			return rec, fmt.Errorf("reason %q has no reason code", reason)
		}
		native = append(native, code)
	}
	rec.ReasonCodes = strings.Join(native, ",")
	if st.IssuedAt.IsZero() {
		return rec, errors.New("no issue time")
	}
	var err error
	if rec.UpdateTime, err = formatTime(st.IssuedAt); err != nil {
		return rec, fmt.Errorf("issued_at: %w", err)
	}
	if !st.ValidUntil.IsZero() {
		if rec.ExpireTime, err = formatTime(st.ValidUntil); err != nil {
			return rec, fmt.Errorf("valid_until: %w", err)
		}
	}
	if n := st.NAT; n != nil {
		var ok bool
		if rec.NATResult, ok = codes.For(natResults, n.Result); !ok {
			return rec, fmt.Errorf("test result %q has no natResult label", n.Result)
		}
		rec.NATOrg = n.Lab
		if !n.SampledAt.IsZero() {
			if rec.NATTime, err = formatTime(n.SampledAt); err != nil {
				return rec, fmt.Errorf("nat.sampled_at: %w", err)
			}
		}
	}
	if v := st.Vaccination; v != nil {
		doses := v.Doses
		rec.VaccineTimes = &doses
		if v.LastDoseAt != "" {
			day, err := time.Parse("2006-01-02", v.LastDoseAt)
			if err != nil {
				return rec, fmt.Errorf("vaccination.last_dose_at %q is not a date", v.LastDoseAt)
			}
			rec.LastVaccineDate = day.Format(dateLayout)
		}
	}
	return rec, nil
}

// formatTime writes t as zoneless Beijing time, which holds whole seconds only.
func formatTime(t time.Time) (string, error) {
	if t.Nanosecond() != 0 {
		return "", errors.New("time has a fraction of a second, the format holds whole seconds")
	}
	return t.In(adapters.Beijing).Format(timeLayout), nil
}
