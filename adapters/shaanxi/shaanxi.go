package shaanxi

import (
	"encoding/json"
	"errors"
	"fmt"
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
const System = "xa-ymt"

const (
	timeLayout = "2006-01-02 15:04:05"
	dateLayout = "2006-01-02"
)

func init() { adapters.Register(Adapter{}) }

// Adapter is the "shaanxi" format: Xi'an 一码通 record feeds.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "shaanxi" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{"610000", "610100"} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "Xi'an 一码通 (xa-ymt): pinyin-keyed JSON, plaintext IDs, Beijing time without zone"
}

// envelope is the payload around the records. Each record is decoded on
// its own so that a record of the wrong shape is rejected alone instead of
// failing the batch.
type envelope struct {
	Pch    string
	Xzqhdm string
	Jls    *int
	Jllb   []jsonstream.Item[record] // nil when the payload has no jllb
}

// namedRecord is a record as Encode writes it, with the holder's name.
// Decode reads into record, which has no name, so a name never enters a
// decoded value.
type namedRecord struct {
	Xm string `json:"xm,omitempty"`
	record
}

type record struct {
	Jlid   string   `json:"jlid"`
	Zjlx   string   `json:"zjlx"`
	Zjhm   string   `json:"zjhm"`
	Mys    string   `json:"mys"`
	Fmyy   []string `json:"fmyy,omitempty"`
	Fmsj   string   `json:"fmsj"`
	Yxqz   string   `json:"yxqz,omitempty"`
	Hsjcjg string   `json:"hsjcjg,omitempty"`
	Cysj   string   `json:"cysj,omitempty"`
	Jcjg   string   `json:"jcjg,omitempty"`
	Ymjzzc string   `json:"ymjzzc,omitempty"`
	Mcjzrq string   `json:"mcjzrq,omitempty"`
}

// docTypes maps zjlx codes to schema document types.
var docTypes = map[string]string{
	"01": schema.DocResidentID,
	"02": schema.DocPassport,
	"03": schema.DocHKMacauPermit,
	"04": schema.DocTaiwanPermit,
	"05": schema.DocHKID,
	"06": schema.DocMacauID,
	"07": schema.DocHomeReturnPermit,
	"08": schema.DocForeignPermanentResident,
}

// colors maps mys codes to schema colours and the label the system showed.
var colors = map[string]struct{ color, label string }{
	"0": {schema.Green, "绿码"},
	"1": {schema.Yellow, "黄码"},
	"2": {schema.Red, "红码"},
}

// reasonLabels maps fmyy labels to schema reason codes. The mapping is one
// to one so that Encode can write every code it knows back.
var reasonLabels = map[string]string{
	"48小时内核酸检测阴性": schema.ReasonNATNegative48h,
	"72小时内核酸检测阴性": schema.ReasonNATNegative72h,
	"核酸检测阴性":      schema.ReasonNATNegative,
	"核酸检测阳性":      schema.ReasonNATPositive,
	"核酸检测结果待出":    schema.ReasonNATPending,
	"未按期进行核酸检测":   schema.ReasonNATOverdue,
	"确诊病例或无症状感染者": schema.ReasonConfirmedCase,
	"密切接触者":       schema.ReasonCloseContact,
	"次密切接触者":      schema.ReasonSecondaryContact,
	"中高风险地区来返人员":  schema.ReasonFromRiskArea,
	"居家健康监测":      schema.ReasonHomeQuarantine,
	"集中隔离医学观察":    schema.ReasonCentralQuarantine,
	"入境人员":        schema.ReasonInbound,
	"发热门诊就诊":      schema.ReasonFeverClinic,
	"无法核验":        schema.ReasonCannotConfirm,
	"未见异常":        schema.ReasonNoAbnormality,
	"已完成疫苗接种":     schema.ReasonVaccinated,
	"已治愈出院":       schema.ReasonRecovered,
	"重点人群":        schema.ReasonRiskGroup,
}

// natResults maps hsjcjg to schema test results.
var natResults = map[string]string{
	"阴性": schema.NATNegative,
	"阳性": schema.NATPositive,
	"待出": schema.NATPending,
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("shaanxi: decode options carry no pseudonymizer")
	}
	if !utf8.Valid(raw) {
		return nil, errors.New("shaanxi: payload is not valid utf-8")
	}
	env, err := readEnvelope(raw)
	if err != nil {
		return nil, fmt.Errorf("shaanxi: read envelope: %w", err)
	}
	if env.Jllb == nil {
		return nil, errors.New("shaanxi: envelope has no jllb record list")
	}
	if env.Xzqhdm == "" {
		return nil, errors.New("shaanxi: envelope has no xzqhdm region code")
	}
	if !shaanxiRegion(env.Xzqhdm) {
		return nil, fmt.Errorf("shaanxi: xzqhdm %s is not a GB/T 2260 code in Shaanxi (61...)", redact.Code(env.Xzqhdm))
	}
	b := adapters.NewBuilder(env.Xzqhdm, opts.BatchID)
	if opts.BatchID == "" {
		batchID := env.Pch
		if len(batchID) > adapters.MaxBatchID {
			b.Warn(-1, "", "pch", fmt.Errorf("batch number of %d bytes is longer than %d, using a hash of the payload", len(batchID), adapters.MaxBatchID))
			batchID = ""
		}
		if batchID == "" {
			batchID = adapters.PayloadBatchID("shaanxi", raw)
		}
		b.SetBatchID(batchID)
	}
	if env.Jls != nil && *env.Jls != len(env.Jllb) {
		b.Warn(-1, "", "jls", fmt.Errorf("jls says %d records, jllb holds %d", *env.Jls, len(env.Jllb)))
	}
	for i := range env.Jllb {
		p := &env.Jllb[i]
		if p.Bad != nil {
			b.Record(i, p.Rec.Jlid).Reject(p.Bad.Field, p.Bad.Err)
			continue
		}
		decodeRecord(b, i, &p.Rec, env.Xzqhdm, opts.Subjects)
	}
	return b.Result(), nil
}

func readEnvelope(raw []byte) (*envelope, error) {
	env := &envelope{}
	dec := jsonstream.NewDecoder(raw)
	err := dec.Top(jsonstream.Envelope, func(key string) error {
		switch key {
		case "pch":
			return dec.Field(key, &env.Pch)
		case "xzqhdm":
			return dec.Field(key, &env.Xzqhdm)
		case "jls":
			return dec.Field(key, &env.Jls)
		case "jllb":
			var err error
			env.Jllb, err = jsonstream.Items[record](dec, key, len(raw)/400)
			return err
		}
		return dec.Skip()
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

func decodeRecord(b *adapters.Builder, i int, rec *record, region string, subjects *schema.Pseudonymizer) {
	r := b.Record(i, rec.Jlid)
	var warns []warning
	if rec.Jlid == "" && rec.Zjlx == "" && rec.Zjhm == "" && rec.Mys == "" && rec.Fmsj == "" {
		r.Reject("", errors.New("empty record (null or {})"))
		return
	}
	if rec.Jlid == "" {
		r.Reject("jlid", errors.New("missing record ID"))
		return
	}
	if rec.Zjlx == "" {
		r.Reject("zjlx", errors.New("missing document type"))
		return
	}
	docType, ok := docTypes[rec.Zjlx]
	if !ok {
		r.Reject("zjlx", fmt.Errorf("unknown document type code %s", redact.Code(rec.Zjlx)))
		return
	}
	subject, err := subjects.Subject(docType, rec.Zjhm)
	if err != nil {
		r.Reject("zjhm", err)
		return
	}
	if rec.Mys == "" {
		r.Reject("mys", errors.New("missing colour code"))
		return
	}
	c, ok := colors[rec.Mys]
	if !ok {
		r.Reject("mys", fmt.Errorf("unknown colour code %s (want 0, 1 or 2)", redact.Code(rec.Mys)))
		return
	}
	if rec.Fmsj == "" {
		r.Reject("fmsj", errors.New("missing issue time"))
		return
	}
	issued, err := adapters.ParseBeijing(timeLayout, rec.Fmsj)
	if err != nil {
		r.Reject("fmsj", err)
		return
	}
	st := schema.Status{
		Subject:  subject,
		Region:   region,
		Color:    c.color,
		Reasons:  make([]string, 0, len(rec.Fmyy)),
		Local:    &schema.Local{Label: c.label, Code: rec.Mys},
		IssuedAt: issued,
		Source:   schema.Source{System: System, RecordID: rec.Jlid},
	}
	for _, label := range rec.Fmyy {
		code, ok := reasonLabels[label]
		if !ok {
			warns = append(warns, warning{"fmyy", fmt.Errorf("unknown reason label %s left out", redact.Code(label))})
			continue
		}
		st.Reasons = append(st.Reasons, code)
	}
	if rec.Yxqz != "" {
		st.ValidUntil, err = adapters.ParseBeijing(timeLayout, rec.Yxqz)
		if err != nil {
			r.Reject("yxqz", err)
			return
		}
		if st.ValidUntil.Before(issued) {
			r.Reject("yxqz", errors.New("valid-until time is before the issue time fmsj"))
			return
		}
	}
	switch {
	case rec.Hsjcjg != "":
		result, ok := natResults[rec.Hsjcjg]
		if !ok {
			r.Reject("hsjcjg", fmt.Errorf("unknown test result %s (want 阴性, 阳性 or 待出)", redact.Code(rec.Hsjcjg)))
			return
		}
		st.NAT = &schema.NAT{Result: result, Lab: rec.Jcjg}
		if rec.Cysj != "" {
			st.NAT.SampledAt, err = adapters.ParseBeijing(timeLayout, rec.Cysj)
			if err != nil {
				r.Reject("cysj", err)
				return
			}
		}
	case rec.Cysj != "" || rec.Jcjg != "":
		warns = append(warns, warning{"hsjcjg", errors.New("sampling time or institution without a test result left out")})
	}
	switch {
	case rec.Ymjzzc != "":
		doses, err := strconv.Atoi(rec.Ymjzzc)
		if err != nil || doses < 0 {
			r.Reject("ymjzzc", fmt.Errorf("dose count %s is not a non-negative integer", redact.Code(rec.Ymjzzc)))
			return
		}
		st.Vaccination = &schema.Vaccination{Doses: doses}
		if rec.Mcjzrq != "" {
			if _, err := time.Parse(dateLayout, rec.Mcjzrq); err != nil {
				r.Reject("mcjzrq", fmt.Errorf("last dose date %s is not a yyyy-MM-dd calendar date", redact.Time(rec.Mcjzrq)))
				return
			}
			st.Vaccination.LastDoseAt = rec.Mcjzrq
		}
	case rec.Mcjzrq != "":
		warns = append(warns, warning{"ymjzzc", errors.New("last dose date without a dose count left out")})
	}
	r.AddStatus(st)
	if r.Commit() {
		for _, w := range warns {
			b.Warn(i, rec.Jlid, w.field, w.err)
		}
	}
}

// warning is a problem that does not cost the record; it is reported only
// when the record is kept.
type warning struct {
	field string
	err   error
}

func shaanxiRegion(code string) bool {
	return codes.Region(code) && strings.HasPrefix(code, "61")
}

// Encode implements adapters.Adapter.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	env := struct {
		Pch    string        `json:"pch,omitempty"`
		Xzqhdm string        `json:"xzqhdm"`
		Jls    int           `json:"jls"`
		Jllb   []namedRecord `json:"jllb"`
	}{Jllb: []namedRecord{}}
	if !opts.At.IsZero() {
		env.Pch = System + "-" + opts.At.In(adapters.Beijing).Format("20060102150405")
	}
	for pi, p := range people {
		zjlx, ok := docCode(p.DocType)
		if !ok {
			return nil, fmt.Errorf("shaanxi: person %d: document type %q has no zjlx code", pi, p.DocType)
		}
		for si, st := range p.Statuses {
			rec, err := encodeStatus(&st)
			if err != nil {
				return nil, fmt.Errorf("shaanxi: person %d status %d: %w", pi, si, err)
			}
			if env.Xzqhdm == "" {
				env.Xzqhdm = st.Region
			} else if st.Region != env.Xzqhdm {
				return nil, fmt.Errorf("shaanxi: person %d status %d: region %s differs from the batch region %s", pi, si, st.Region, env.Xzqhdm)
			}
			rec.Zjlx, rec.Zjhm = zjlx, p.DocNumber
			env.Jllb = append(env.Jllb, namedRecord{Xm: p.Name, record: rec})
		}
	}
	if env.Xzqhdm == "" {
		env.Xzqhdm = "610100"
	}
	env.Jls = len(env.Jllb)
	return json.Marshal(env)
}

func encodeStatus(st *schema.Status) (record, error) {
	var rec record
	if !shaanxiRegion(st.Region) {
		return rec, fmt.Errorf("region %q is not in Shaanxi", st.Region)
	}
	if st.Source.RecordID == "" {
		return rec, errors.New("no record ID")
	}
	rec.Jlid = st.Source.RecordID
	var ok bool
	if rec.Mys, ok = colorCode(st.Color); !ok {
		return rec, fmt.Errorf("colour %q has no mys code", st.Color)
	}
	for _, reason := range st.Reasons {
		label, ok := reasonLabel(reason)
		if !ok {
			return rec, fmt.Errorf("reason %q has no fmyy label", reason)
		}
		rec.Fmyy = append(rec.Fmyy, label)
	}
	if st.IssuedAt.IsZero() {
		return rec, errors.New("no issue time")
	}
	var err error
	if rec.Fmsj, err = formatTime(st.IssuedAt); err != nil {
		return rec, fmt.Errorf("issued_at: %w", err)
	}
	if !st.ValidUntil.IsZero() {
		if rec.Yxqz, err = formatTime(st.ValidUntil); err != nil {
			return rec, fmt.Errorf("valid_until: %w", err)
		}
	}
	if n := st.NAT; n != nil {
		if rec.Hsjcjg, ok = natLabel(n.Result); !ok {
			return rec, fmt.Errorf("test result %q has no hsjcjg label", n.Result)
		}
		rec.Jcjg = n.Lab
		if !n.SampledAt.IsZero() {
			if rec.Cysj, err = formatTime(n.SampledAt); err != nil {
				return rec, fmt.Errorf("nat.sampled_at: %w", err)
			}
		}
	}
	if v := st.Vaccination; v != nil {
		if v.Doses < 0 {
			return rec, fmt.Errorf("negative dose count %d", v.Doses)
		}
		rec.Ymjzzc = strconv.Itoa(v.Doses)
		rec.Mcjzrq = v.LastDoseAt
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

func docCode(docType string) (string, bool) { return codes.For(docTypes, docType) }

func reasonLabel(code string) (string, bool) { return codes.For(reasonLabels, code) }

func natLabel(result string) (string, bool) { return codes.For(natResults, result) }

func colorCode(color string) (string, bool) {
	return codes.ForFunc(colors, func(c struct{ color, label string }) bool { return c.color == color })
}
