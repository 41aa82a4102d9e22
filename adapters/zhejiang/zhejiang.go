package zhejiang

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
const System = "zj-jkm"

const dateLayout = "2006-01-02"

// Times outside [minEpochMillis, maxEpochMillis) are refused: health codes
// did not exist before 2020, and a value that small is epoch seconds sent
// as milliseconds; one past 2100 is microseconds.
var (
	minEpochMillis = time.Date(2020, 1, 1, 0, 0, 0, 0, adapters.Beijing).UnixMilli()
	maxEpochMillis = time.Date(2100, 1, 1, 0, 0, 0, 0, adapters.Beijing).UnixMilli()
)

func init() { adapters.Register(Adapter{}) }

// Adapter is the "zhejiang" format: 浙江健康码 statuses and venue scans.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "zhejiang" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{"330000", "330100"} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "浙江健康码 (zj-jkm): camelCase JSON, epoch milliseconds, statuses and venue-code scans"
}

// envelope is the payload around the records. Each record is decoded on
// its own so that a record of the wrong shape is rejected alone instead of
// failing the batch.
type envelope struct {
	RequestID  string
	RegionCode string
	Records    []jsonstream.Item[record] // nil when the payload has no records
}

// namedRecord is a record as Encode writes it, with the holder's name.
// Decode reads into record, which has no name, so a name never enters a
// decoded value.
type namedRecord struct {
	Name string `json:"name,omitempty"`
	record
}

type record struct {
	RecordID string       `json:"recordId,omitempty"`
	IDType   string       `json:"idType"`
	IDNo     string       `json:"idNo"`
	Statuses []codeStatus `json:"statuses,omitempty"`
	Scans    []scan       `json:"scans,omitempty"`
}

type codeStatus struct {
	CodeID      string       `json:"codeId"`
	Color       string       `json:"color"`
	Reasons     []string     `json:"reasons,omitempty"`
	IssueTime   int64        `json:"issueTime"`
	ExpireTime  int64        `json:"expireTime,omitempty"`
	NucleicAcid *nucleicAcid `json:"nucleicAcid,omitempty"`
	Vaccine     *vaccine     `json:"vaccine,omitempty"`
}

type nucleicAcid struct {
	Result      string `json:"result"`
	SampleTime  int64  `json:"sampleTime,omitempty"`
	Institution string `json:"institution,omitempty"`
}

type vaccine struct {
	Doses        *int  `json:"doses"`
	LastDoseTime int64 `json:"lastDoseTime,omitempty"`
}

type scan struct {
	ScanID    string  `json:"scanId"`
	PlaceCode string  `json:"placeCode"`
	PlaceName string  `json:"placeName,omitempty"`
	AreaCode  string  `json:"areaCode"`
	Lat       float64 `json:"lat,omitempty"`
	Lon       float64 `json:"lon,omitempty"`
	ScanTime  int64   `json:"scanTime"`
	LeaveTime int64   `json:"leaveTime,omitempty"`
}

// idTypes maps idType enumerations to schema document types.
var idTypes = map[string]string{
	"ID_CARD":                    schema.DocResidentID,
	"PASSPORT":                   schema.DocPassport,
	"HK_MACAO_PASS":              schema.DocHKMacauPermit,
	"TAIWAN_PASS":                schema.DocTaiwanPermit,
	"HK_ID_CARD":                 schema.DocHKID,
	"MACAO_ID_CARD":              schema.DocMacauID,
	"HOME_RETURN_PERMIT":         schema.DocHomeReturnPermit,
	"FOREIGN_PERMANENT_RESIDENT": schema.DocForeignPermanentResident,
}

// colors maps color enumerations to schema colours and the label shown.
var colors = map[string]struct{ color, label string }{
	"GREEN":  {schema.Green, "绿码"},
	"YELLOW": {schema.Yellow, "黄码"},
	"RED":    {schema.Red, "红码"},
}

// reasonCodes maps reason enumerations to schema reason codes, one to one
// so that Encode can write back every code it knows.
var reasonCodes = map[string]string{
	"NUCLEIC_NEGATIVE_48H":      schema.ReasonNATNegative48h,
	"NUCLEIC_NEGATIVE_72H":      schema.ReasonNATNegative72h,
	"NUCLEIC_NEGATIVE":          schema.ReasonNATNegative,
	"NUCLEIC_POSITIVE":          schema.ReasonNATPositive,
	"NUCLEIC_TESTING":           schema.ReasonNATPending,
	"NUCLEIC_OVERDUE":           schema.ReasonNATOverdue,
	"CONFIRMED_OR_ASYMPTOMATIC": schema.ReasonConfirmedCase,
	"CLOSE_CONTACT":             schema.ReasonCloseContact,
	"SECONDARY_CONTACT":         schema.ReasonSecondaryContact,
	"FROM_RISK_AREA":            schema.ReasonFromRiskArea,
	"HOME_HEALTH_MONITORING":    schema.ReasonHomeQuarantine,
	"CENTRALIZED_ISOLATION":     schema.ReasonCentralQuarantine,
	"INBOUND":                   schema.ReasonInbound,
	"FEVER_CLINIC":              schema.ReasonFeverClinic,
	"UNCONFIRMED":               schema.ReasonCannotConfirm,
	"NORMAL":                    schema.ReasonNoAbnormality,
	"VACCINATED":                schema.ReasonVaccinated,
	"RECOVERED":                 schema.ReasonRecovered,
	"KEY_POPULATION":            schema.ReasonRiskGroup,
}

// natResults maps nucleicAcid.result to schema test results.
var natResults = map[string]string{
	"NEGATIVE": schema.NATNegative,
	"POSITIVE": schema.NATPositive,
	"TESTING":  schema.NATPending,
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("zhejiang: decode options carry no pseudonymizer")
	}
	if !utf8.Valid(raw) {
		return nil, errors.New("zhejiang: payload is not valid utf-8")
	}
	env, err := readEnvelope(raw)
	if err != nil {
		return nil, fmt.Errorf("zhejiang: read envelope: %w", err)
	}
	if env.Records == nil {
		return nil, errors.New("zhejiang: envelope has no records list")
	}
	if env.RegionCode == "" {
		return nil, errors.New("zhejiang: envelope has no regionCode")
	}
	if !codes.Region(env.RegionCode) || !strings.HasPrefix(env.RegionCode, "33") {
		return nil, fmt.Errorf("zhejiang: regionCode %s is not a GB/T 2260 code in Zhejiang (33...)", redact.Code(env.RegionCode))
	}
	b := adapters.NewBuilder(env.RegionCode, opts.BatchID)
	if opts.BatchID == "" {
		batchID := env.RequestID
		if len(batchID) > adapters.MaxBatchID {
			b.Warn(-1, "", "requestId", fmt.Errorf("request ID of %d bytes is longer than %d, using a hash of the payload", len(batchID), adapters.MaxBatchID))
			batchID = ""
		}
		if batchID == "" {
			batchID = adapters.PayloadBatchID("zhejiang", raw)
		}
		b.SetBatchID(batchID)
	}
	d := decoder{b: b, region: env.RegionCode, subjects: opts.Subjects}
	for i := range env.Records {
		p := &env.Records[i]
		if p.Bad != nil {
			b.Record(i, p.Rec.RecordID).Reject(indexField(p.Raw, p.Bad.Field), p.Bad.Err)
			continue
		}
		d.record(i, &p.Rec)
	}
	return b.Result(), nil
}

// notInteger words the error for a JSON number an integer field cannot
// hold. Times are the only int64 fields: say what they hold.
var notInteger = map[reflect.Kind]string{
	reflect.Int64: "is not an integer number of milliseconds",
	reflect.Int:   "is not an integer",
}

func readEnvelope(raw []byte) (*envelope, error) {
	env := &envelope{}
	dec := jsonstream.NewDecoder(raw)
	dec.NotInteger = notInteger
	err := dec.Top(jsonstream.Envelope, func(key string) error {
		switch key {
		case "requestId":
			return dec.Field(key, &env.RequestID)
		case "regionCode":
			return dec.Field(key, &env.RegionCode)
		case "records":
			var err error
			env.Records, err = jsonstream.Items[record](dec, key, len(raw)/600)
			return err
		}
		return dec.Skip()
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}

type decoder struct {
	b        *adapters.Builder
	region   string
	subjects *schema.Pseudonymizer
	// warns collects the warnings of the current record, reported only
	// when the record is kept.
	warns []warning
}

type warning struct {
	field string
	err   error
}

// fieldError is a problem with one native field of a record.
type fieldError struct {
	field string
	err   error
}

func (e *fieldError) Error() string { return e.field + ": " + e.err.Error() }

func reject(field string, err error) *fieldError { return &fieldError{field, err} }

func (d *decoder) record(i int, rec *record) {
	r := d.b.Record(i, rec.RecordID)
	d.warns = d.warns[:0]
	if rec.RecordID == "" && rec.IDType == "" && rec.IDNo == "" && rec.Statuses == nil && rec.Scans == nil {
		r.Reject("", errors.New("empty record (null or {})"))
		return
	}
	if rec.IDType == "" {
		r.Reject("idType", errors.New("missing document type"))
		return
	}
	docType, ok := idTypes[rec.IDType]
	if !ok {
		r.Reject("idType", fmt.Errorf("unknown document type %s", redact.Code(rec.IDType)))
		return
	}
	subject, err := d.subjects.Subject(docType, rec.IDNo)
	if err != nil {
		r.Reject("idNo", err)
		return
	}
	if len(rec.Statuses) == 0 && len(rec.Scans) == 0 {
		d.warns = append(d.warns, warning{"", errors.New("record carries no statuses and no scans")})
	}
	for j := range rec.Statuses {
		st, ferr := d.status(j, &rec.Statuses[j], subject)
		if ferr != nil {
			r.Reject(fmt.Sprintf("statuses[%d].%s", j, ferr.field), ferr.err)
			return
		}
		r.AddStatus(st)
	}
	for j := range rec.Scans {
		ev, ferr := d.scan(&rec.Scans[j], subject)
		if ferr != nil {
			r.Reject(fmt.Sprintf("scans[%d].%s", j, ferr.field), ferr.err)
			return
		}
		r.AddEvent(ev)
	}
	if r.Commit() {
		for _, w := range d.warns {
			d.b.Warn(i, rec.RecordID, w.field, w.err)
		}
	}
}

func (d *decoder) status(j int, cs *codeStatus, subject string) (schema.Status, *fieldError) {
	var st schema.Status
	if cs.CodeID == "" {
		return st, reject("codeId", errors.New("missing status ID"))
	}
	if cs.Color == "" {
		return st, reject("color", errors.New("missing colour"))
	}
	c, ok := colors[cs.Color]
	if !ok {
		return st, reject("color", fmt.Errorf("unknown colour %s (want GREEN, YELLOW or RED)", redact.Code(cs.Color)))
	}
	issued, err := epochMillis(cs.IssueTime, true)
	if err != nil {
		return st, reject("issueTime", err)
	}
	st = schema.Status{
		Subject:  subject,
		Region:   d.region,
		Color:    c.color,
		Reasons:  make([]string, 0, len(cs.Reasons)),
		Local:    &schema.Local{Label: c.label, Code: cs.Color},
		IssuedAt: issued,
		Source:   schema.Source{System: System, RecordID: cs.CodeID},
	}
	for _, reason := range cs.Reasons {
		code, ok := reasonCodes[reason]
		if !ok {
			d.warns = append(d.warns, warning{fmt.Sprintf("statuses[%d].reasons", j), fmt.Errorf("unknown reason %s left out", redact.Code(reason))})
			continue
		}
		st.Reasons = append(st.Reasons, code)
	}
	if st.ValidUntil, err = epochMillis(cs.ExpireTime, false); err != nil {
		return st, reject("expireTime", err)
	}
	if st.ValidUntil.Before(issued) && !st.ValidUntil.IsZero() {
		return st, reject("expireTime", errors.New("expiry time is before issueTime"))
	}
	if n := cs.NucleicAcid; n != nil {
		result, ok := natResults[n.Result]
		if !ok {
			if n.Result == "" {
				return st, reject("nucleicAcid.result", errors.New("missing test result"))
			}
			return st, reject("nucleicAcid.result", fmt.Errorf("unknown test result %s (want NEGATIVE, POSITIVE or TESTING)", redact.Code(n.Result)))
		}
		st.NAT = &schema.NAT{Result: result, Lab: n.Institution}
		if st.NAT.SampledAt, err = epochMillis(n.SampleTime, false); err != nil {
			return st, reject("nucleicAcid.sampleTime", err)
		}
	}
	if v := cs.Vaccine; v != nil {
		if v.Doses == nil {
			return st, reject("vaccine.doses", errors.New("missing dose count"))
		}
		if *v.Doses < 0 {
			return st, reject("vaccine.doses", fmt.Errorf("negative dose count %s", redact.Int(int64(*v.Doses))))
		}
		st.Vaccination = &schema.Vaccination{Doses: *v.Doses}
		last, err := epochMillis(v.LastDoseTime, false)
		if err != nil {
			return st, reject("vaccine.lastDoseTime", err)
		}
		if !last.IsZero() {
			st.Vaccination.LastDoseAt = last.Format(dateLayout)
		}
	}
	return st, nil
}

func (d *decoder) scan(sc *scan, subject string) (schema.Event, *fieldError) {
	var ev schema.Event
	switch {
	case sc.ScanID == "":
		return ev, reject("scanId", errors.New("missing scan ID"))
	case sc.PlaceCode == "":
		return ev, reject("placeCode", errors.New("missing venue code"))
	case sc.AreaCode == "":
		return ev, reject("areaCode", errors.New("missing area code"))
	case !codes.Region(sc.AreaCode):
		return ev, reject("areaCode", fmt.Errorf("area code %s is not a 6- or 9-digit GB/T 2260 code", redact.Code(sc.AreaCode)))
	case sc.Lat < -90 || sc.Lat > 90:
		return ev, reject("lat", fmt.Errorf("latitude %s out of range (lat and lon swapped?)", redact.Float(sc.Lat)))
	case sc.Lon < -180 || sc.Lon > 180:
		return ev, reject("lon", fmt.Errorf("longitude %s out of range", redact.Float(sc.Lon)))
	}
	start, err := epochMillis(sc.ScanTime, true)
	if err != nil {
		return ev, reject("scanTime", err)
	}
	end, err := epochMillis(sc.LeaveTime, false)
	if err != nil {
		return ev, reject("leaveTime", err)
	}
	if !end.IsZero() && end.Before(start) {
		return ev, reject("leaveTime", errors.New("leave time is before scanTime"))
	}
	return schema.Event{
		Subject: subject,
		Region:  d.region,
		Kind:    schema.KindVenueScan,
		Place: schema.Place{
			ID:     sc.PlaceCode,
			Name:   sc.PlaceName,
			Region: sc.AreaCode,
			Lat:    sc.Lat,
			Lon:    sc.Lon,
		},
		Start:  start,
		End:    end,
		Source: schema.Source{System: System, RecordID: sc.ScanID},
	}, nil
}

// epochMillis converts a native time; 0 is "not given", an error when the
// time is required.
func epochMillis(ms int64, required bool) (time.Time, error) {
	switch {
	case ms == 0 && required:
		return time.Time{}, errors.New("missing time")
	case ms == 0:
		return time.Time{}, nil
	case ms < minEpochMillis:
		return time.Time{}, fmt.Errorf("epoch milliseconds of %d digits fall before 2020 (epoch seconds?)", digits(ms))
	case ms >= maxEpochMillis:
		return time.Time{}, fmt.Errorf("epoch milliseconds of %d digits fall after 2100 (epoch microseconds?)", digits(ms))
	}
	return adapters.FromEpochMillis(ms), nil
}

// digits describes an out-of-range number by its width: a phone or
// document number put in a time field must not be repeated.
func digits(n int64) int {
	return len(strconv.FormatInt(n, 10))
}

// Encode implements adapters.Adapter.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	env := struct {
		RequestID  string        `json:"requestId,omitempty"`
		RegionCode string        `json:"regionCode"`
		Records    []namedRecord `json:"records"`
	}{Records: make([]namedRecord, 0, len(people))}
	if !opts.At.IsZero() {
		env.RequestID = System + "-" + opts.At.In(adapters.Beijing).Format("20060102150405")
	}
	region := func(r string) error {
		if !codes.Region(r) || !strings.HasPrefix(r, "33") {
			return fmt.Errorf("region %q is not in Zhejiang", r)
		}
		if env.RegionCode == "" {
			env.RegionCode = r
		} else if r != env.RegionCode {
			return fmt.Errorf("region %s differs from the batch region %s", r, env.RegionCode)
		}
		return nil
	}
	for pi, p := range people {
		idType, ok := codes.For(idTypes, p.DocType)
		if !ok {
			return nil, fmt.Errorf("zhejiang: person %d: document type %q has no idType", pi, p.DocType)
		}
		rec := namedRecord{Name: p.Name, record: record{RecordID: "P" + strconv.Itoa(pi+1), IDType: idType, IDNo: p.DocNumber}}
		for si := range p.Statuses {
			st := &p.Statuses[si]
			cs, err := encodeStatus(st)
			if err == nil {
				err = region(st.Region)
			}
			if err != nil {
				return nil, fmt.Errorf("zhejiang: person %d status %d: %w", pi, si, err)
			}
			rec.Statuses = append(rec.Statuses, cs)
		}
		for ei := range p.Events {
			ev := &p.Events[ei]
			sc, err := encodeEvent(ev)
			if err == nil {
				err = region(ev.Region)
			}
			if err != nil {
				return nil, fmt.Errorf("zhejiang: person %d event %d: %w", pi, ei, err)
			}
			rec.Scans = append(rec.Scans, sc)
		}
		env.Records = append(env.Records, rec)
	}
	if env.RegionCode == "" {
		env.RegionCode = "330100"
	}
	return json.Marshal(env)
}

func encodeStatus(st *schema.Status) (codeStatus, error) {
	var cs codeStatus
	if st.Source.RecordID == "" {
		return cs, errors.New("no record ID")
	}
	cs.CodeID = st.Source.RecordID
	var ok bool
	if cs.Color, ok = colorCode(st.Color); !ok {
		return cs, fmt.Errorf("colour %q has no enumeration", st.Color)
	}
	for _, reason := range st.Reasons {
		code, ok := codes.For(reasonCodes, reason)
		if !ok {
			return cs, fmt.Errorf("reason %q has no enumeration", reason)
		}
		cs.Reasons = append(cs.Reasons, code)
	}
	if st.IssuedAt.IsZero() {
		return cs, errors.New("no issue time")
	}
	var err error
	if cs.IssueTime, err = toMillis(st.IssuedAt); err != nil {
		return cs, fmt.Errorf("issued_at: %w", err)
	}
	if cs.ExpireTime, err = toMillis(st.ValidUntil); err != nil {
		return cs, fmt.Errorf("valid_until: %w", err)
	}
	if n := st.NAT; n != nil {
		cs.NucleicAcid = &nucleicAcid{Institution: n.Lab}
		if cs.NucleicAcid.Result, ok = codes.For(natResults, n.Result); !ok {
			return cs, fmt.Errorf("test result %q has no enumeration", n.Result)
		}
		if cs.NucleicAcid.SampleTime, err = toMillis(n.SampledAt); err != nil {
			return cs, fmt.Errorf("nat.sampled_at: %w", err)
		}
	}
	if v := st.Vaccination; v != nil {
		doses := v.Doses
		cs.Vaccine = &vaccine{Doses: &doses}
		if v.LastDoseAt != "" {
			day, err := time.ParseInLocation(dateLayout, v.LastDoseAt, adapters.Beijing)
			if err != nil {
				return cs, fmt.Errorf("vaccination.last_dose_at %q is not a date", v.LastDoseAt)
			}
			cs.Vaccine.LastDoseTime = day.UnixMilli()
		}
	}
	return cs, nil
}

func encodeEvent(ev *schema.Event) (scan, error) {
	var sc scan
	if ev.Kind != schema.KindVenueScan {
		return sc, fmt.Errorf("event kind %q cannot be written, only venue scans", ev.Kind)
	}
	if ev.Source.RecordID == "" {
		return sc, errors.New("no record ID")
	}
	if ev.Start.IsZero() {
		return sc, errors.New("no start time")
	}
	sc = scan{
		ScanID:    ev.Source.RecordID,
		PlaceCode: ev.Place.ID,
		PlaceName: ev.Place.Name,
		AreaCode:  ev.Place.Region,
		Lat:       ev.Place.Lat,
		Lon:       ev.Place.Lon,
	}
	var err error
	if sc.ScanTime, err = toMillis(ev.Start); err != nil {
		return sc, fmt.Errorf("start: %w", err)
	}
	if sc.LeaveTime, err = toMillis(ev.End); err != nil {
		return sc, fmt.Errorf("end: %w", err)
	}
	return sc, nil
}

// toMillis writes t as epoch milliseconds, 0 for the zero time.
func toMillis(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	if t.Nanosecond()%int(time.Millisecond) != 0 {
		return 0, errors.New("time is finer than a millisecond")
	}
	return t.UnixMilli(), nil
}

// indexField adds the element index to the path of a type error inside
// statuses or scans ("statuses.issueTime" becomes "statuses[1].issueTime"),
// which encoding/json leaves out. It decodes the record again, so it runs
// only for records already rejected.
func indexField(rec []byte, field string) string {
	var lists struct {
		Statuses []json.RawMessage `json:"statuses"`
		Scans    []json.RawMessage `json:"scans"`
	}
	if json.Unmarshal(rec, &lists) != nil {
		return field
	}
	find := func(name string, elems []json.RawMessage, v func() any) (string, bool) {
		rest, ok := strings.CutPrefix(field, name+".")
		if !ok {
			return "", false
		}
		for j, e := range elems {
			if json.Unmarshal(e, v()) != nil {
				return fmt.Sprintf("%s[%d].%s", name, j, rest), true
			}
		}
		return "", false
	}
	if f, ok := find("statuses", lists.Statuses, func() any { return new(codeStatus) }); ok {
		return f
	}
	if f, ok := find("scans", lists.Scans, func() any { return new(scan) }); ok {
		return f
	}
	return field
}

func colorCode(color string) (string, bool) {
	return codes.ForFunc(colors, func(c struct{ color, label string }) bool { return c.color == color })
}
