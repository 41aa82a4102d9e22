package tianjin

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
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
const System = "tj-jmzy"

// Region is the batch region: the format is Tianjin's own.
const Region = "120000"

const timeLayout = "2006-01-02 15:04:05"

// Scans of one person at one venue are folded into one visit by these rules
// (see the package documentation).
const (
	// RepeatWindow: an entry scan this soon after the previous scan of an
	// open visit repeats it rather than starting a new visit.
	RepeatWindow = 30 * time.Minute
	// ExitWindow: an exit scan closes an open visit that started at most
	// this long before it.
	ExitWindow = 12 * time.Hour
	// ObservedColorValidity is how long a colour seen at a scan counts as
	// Tianjin's verdict.
	ObservedColorValidity = 24 * time.Hour
)

// Tianjin's bounding box, a little generous, for checking venue coordinates.
const (
	minLat, maxLat = 38.5, 40.3
	minLon, maxLon = 116.6, 118.1
)

func init() { adapters.Register(Adapter{}) }

// Adapter is the "tianjin" format: venue place-code scan logs of 津门战疫.
type Adapter struct{}

var _ adapters.Adapter = Adapter{}

// ID implements adapters.Adapter.
func (Adapter) ID() string { return "tianjin" }

// Regions implements adapters.Adapter.
func (Adapter) Regions() []string { return []string{Region} }

// Description implements adapters.Adapter.
func (Adapter) Description() string {
	return "Tianjin 津门战疫 (tj-jmzy): venue place-code scan logs, pinyin-keyed JSON, Beijing time without zone"
}

// districts are Tianjin's county-level divisions as of 2016-2022, when the
// last counties became districts; venue codes are issued per district.
var districts = map[string]string{
	"120101": "和平区", "120102": "河东区", "120103": "河西区", "120104": "南开区",
	"120105": "河北区", "120106": "红桥区", "120110": "东丽区", "120111": "西青区",
	"120112": "津南区", "120113": "北辰区", "120114": "武清区", "120115": "宝坻区",
	"120116": "滨海新区", "120117": "宁河区", "120118": "静海区", "120119": "蓟州区",
}

// docTypes maps zjlx, the Ministry of Public Security's document type
// codes, to schema document types. 516 (港澳居民来往内地通行证, the home
// return permit of Hong Kong and Macau residents) has no v1 type.
var docTypes = map[string]string{
	"111": schema.DocResidentID,
	"414": schema.DocPassport,
	"511": schema.DocTaiwanPermit,
	"513": schema.DocHKMacauPermit,
}

// unsupportedDocs are codes the system knew but v1 cannot pseudonymise.
var unsupportedDocs = map[string]string{
	"516": "港澳居民来往内地通行证",
	"990": "其他证件",
}

// colors maps mys, the colour the app showed at the scan, to schema colours.
var colors = map[string]struct{ color, label, reason string }{
	"0": {schema.Green, "绿码", schema.ReasonNoAbnormality},
	"1": {schema.Yellow, "黄码", schema.ReasonRiskGroup},
	"2": {schema.Red, "红码", schema.ReasonRiskGroup},
}

// record is one scan as exported.
type record struct {
	Smid string   `json:"smid"`
	Csbm string   `json:"csbm"`
	Csmc string   `json:"csmc,omitempty"`
	Qxdm string   `json:"qxdm"`
	Jddm string   `json:"jddm,omitempty"`
	Jd   *float64 `json:"jd,omitempty"`
	Wd   *float64 `json:"wd,omitempty"`
	Smsj string   `json:"smsj"`
	Smfx string   `json:"smfx,omitempty"`
	Lcsj string   `json:"lcsj,omitempty"`
	Zjlx string   `json:"zjlx"`
	Zjhm string   `json:"zjhm"`
	Xm   string   `json:"xm,omitempty"`
	Sjhm string   `json:"sjhm,omitempty"`
	Mys  string   `json:"mys,omitempty"`
}

// envelope is the export around the scans.
type envelope struct {
	Pch  string
	Jls  *int
	Smjl []jsonstream.Item[record] // nil when the payload has no smjl
}

// scan is a record that passed every per-record check, waiting to be
// folded into a visit.
type scan struct {
	index   int
	subject string
	place   schema.Place
	at      time.Time
	exit    bool
	leave   time.Time // lcsj, zero when absent
	status  *schema.Status
	head    bool      // whether this scan starts a visit and carries its event
	end     time.Time // the visit's end, set on the head
}

// Decode implements adapters.Adapter.
func (Adapter) Decode(raw []byte, opts adapters.DecodeOptions) (*adapters.Result, error) {
	if opts.Subjects == nil {
		return nil, errors.New("tianjin: decode options carry no pseudonymizer")
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // exports saved on Windows start with a BOM
	if !utf8.Valid(raw) {
		return nil, errors.New("tianjin: payload is not valid utf-8")
	}
	env, err := readEnvelope(raw)
	if err != nil {
		return nil, fmt.Errorf("tianjin: read envelope: %w", err)
	}
	if env.Smjl == nil {
		return nil, errors.New("tianjin: envelope has no smjl scan list")
	}
	batchID := opts.BatchID
	if batchID == "" {
		batchID = env.Pch
	}
	if batchID == "" {
		batchID = adapters.PayloadBatchID("tianjin", raw)
	}
	b := adapters.NewBuilder(Region, batchID)
	if env.Jls != nil && *env.Jls != len(env.Smjl) {
		b.Warn(-1, "", "jls", fmt.Errorf("jls says %d scans, smjl holds %d", *env.Jls, len(env.Smjl)))
	}

	scans := make([]scan, len(env.Smjl))
	rejected := make([]adapters.RecordError, len(env.Smjl))
	var good []int
	for i := range env.Smjl {
		p := &env.Smjl[i]
		if p.Bad != nil {
			rejected[i] = adapters.RecordError{Field: p.Bad.Field, Err: p.Bad.Err}
			continue
		}
		field, err := readScan(&scans[i], i, &p.Rec, opts.Subjects)
		if err != nil {
			rejected[i] = adapters.RecordError{Field: field, Err: err}
			continue
		}
		good = append(good, i)
	}
	pairVisits(scans, good)

	for i := range env.Smjl {
		r := b.Record(i, env.Smjl[i].Rec.Smid)
		if rejected[i].Err != nil {
			r.Reject(rejected[i].Field, rejected[i].Err)
			continue
		}
		s := &scans[i]
		if s.head {
			r.AddEvent(schema.Event{
				Subject: s.subject,
				Region:  Region,
				Kind:    schema.KindVenueScan,
				Place:   s.place,
				Start:   s.at,
				End:     s.end,
				Source:  schema.Source{System: System, RecordID: env.Smjl[i].Rec.Smid},
			})
		}
		if s.status != nil {
			r.AddStatus(*s.status)
		}
		r.Commit()
	}
	return b.Result(), nil
}

// readScan checks one record and fills s. On failure it returns the native
// field at fault. Everything the schema could refuse later is checked here,
// so that a visit's head never fails after scans were folded into it.
func readScan(s *scan, i int, rec *record, subjects *schema.Pseudonymizer) (string, error) {
	s.index = i
	switch {
	case rec.Smid == "":
		return "smid", errors.New("missing scan record ID")
	case utf8.RuneCountInString(rec.Smid) > 128:
		return "smid", errors.New("scan record ID longer than 128 characters")
	case rec.Zjlx == "":
		return "zjlx", errors.New("missing document type")
	}
	docType, ok := docTypes[rec.Zjlx]
	if !ok {
		if name, known := unsupportedDocs[rec.Zjlx]; known {
			return "zjlx", fmt.Errorf("document type %s (%s) has no v1 document type", rec.Zjlx, name)
		}
		return "zjlx", fmt.Errorf("unknown document type code %s", redact.Code(rec.Zjlx))
	}
	subject, err := subjects.Subject(docType, rec.Zjhm)
	if err != nil {
		return "zjhm", err
	}
	s.subject = subject

	if rec.Qxdm == "" {
		return "qxdm", errors.New("missing district code")
	}
	if _, ok := districts[rec.Qxdm]; !ok {
		return "qxdm", fmt.Errorf("district code %s is not one of Tianjin's (120101-120119)", redact.Code(rec.Qxdm))
	}
	if rec.Csbm == "" {
		return "csbm", errors.New("missing venue code")
	}
	if len(rec.Csbm) != 12 || !codes.Digits(rec.Csbm) {
		return "csbm", fmt.Errorf("venue code %s is not 12 digits", redact.Code(rec.Csbm))
	}
	if rec.Csbm[:6] != rec.Qxdm {
		return "csbm", fmt.Errorf("venue code was issued in district %s, record says %s", rec.Csbm[:6], rec.Qxdm)
	}
	if utf8.RuneCountInString(rec.Csmc) > 256 {
		return "csmc", errors.New("venue name longer than 256 characters")
	}
	s.place = schema.Place{
		ID:     rec.Qxdm + "-V-" + rec.Csbm[6:],
		Name:   strings.TrimSpace(rec.Csmc),
		Region: rec.Qxdm,
	}
	if rec.Jddm != "" {
		if len(rec.Jddm) != 9 || !codes.Digits(rec.Jddm) || !strings.HasPrefix(rec.Jddm, rec.Qxdm) {
			return "jddm", fmt.Errorf("street code %s is not a 9-digit code within district %s", redact.Code(rec.Jddm), rec.Qxdm)
		}
		s.place.Region = rec.Jddm
	}
	switch {
	case rec.Jd == nil && rec.Wd == nil:
	case rec.Jd == nil || rec.Wd == nil:
		return "jd", errors.New("venue has only one of longitude jd and latitude wd")
	default:
		lon, lat := *rec.Jd, *rec.Wd
		if inTianjin(lat, lon) {
			s.place.Lat, s.place.Lon = lat, lon
			break
		}
		if inTianjin(lon, lat) {
			return "jd", fmt.Errorf("venue coordinates jd %g, wd %g are swapped", lon, lat)
		}
		return "jd", fmt.Errorf("venue coordinates jd %s, wd %s lie outside Tianjin", redact.Float(lon), redact.Float(lat))
	}

	if rec.Smsj == "" {
		return "smsj", errors.New("missing scan time")
	}
	if s.at, err = parseTime(rec.Smsj); err != nil {
		return "smsj", err
	}
	switch rec.Smfx {
	case "", "1":
	case "2":
		s.exit = true
	default:
		return "smfx", fmt.Errorf("unknown scan direction %s (want 1 entry or 2 exit)", redact.Code(rec.Smfx))
	}
	if rec.Lcsj != "" {
		if s.exit {
			return "lcsj", errors.New("exit time on an exit scan")
		}
		if s.leave, err = parseTime(rec.Lcsj); err != nil {
			return "lcsj", err
		}
		if s.leave.Before(s.at) {
			return "lcsj", errors.New("exit time is before the scan time smsj")
		}
	}

	if rec.Mys != "" {
		c, ok := colors[rec.Mys]
		if !ok {
			return "mys", fmt.Errorf("unknown colour code %s (want 0, 1 or 2)", redact.Code(rec.Mys))
		}
		s.status = &schema.Status{
			Subject:    subject,
			Region:     Region,
			Color:      c.color,
			Reasons:    []string{c.reason},
			Local:      &schema.Local{Label: c.label, Code: rec.Mys},
			IssuedAt:   s.at,
			ValidUntil: s.at.Add(ObservedColorValidity),
			Source:     schema.Source{System: System, RecordID: rec.Smid},
		}
	}
	return "", nil
}

// pairVisits folds the scans of one person at one venue into visits: it
// marks each visit's first scan as its head and sets the visit's end on it.
// good lists the indexes of the scans that passed their checks.
func pairVisits(scans []scan, good []int) {
	sort.Slice(good, func(a, b int) bool {
		x, y := &scans[good[a]], &scans[good[b]]
		if x.subject != y.subject {
			return x.subject < y.subject
		}
		if x.place.ID != y.place.ID {
			return x.place.ID < y.place.ID
		}
		if !x.at.Equal(y.at) {
			return x.at.Before(y.at)
		}
		if x.exit != y.exit {
			return !x.exit // an entry and an exit in the same second: entry first
		}
		return x.index < y.index
	})
	var open *scan // head of the open visit of the current group, if any
	var last time.Time
	for k, i := range good {
		s := &scans[i]
		if k > 0 {
			prev := &scans[good[k-1]]
			if prev.subject != s.subject || prev.place.ID != s.place.ID {
				open = nil
			}
		}
		switch {
		case s.exit:
			if open != nil && s.at.Sub(open.at) <= ExitWindow {
				open.end = s.at
			} else {
				s.head = true // an exit nobody saw enter: present at that moment
			}
			open = nil
		case !s.leave.IsZero():
			s.head, s.end = true, s.leave
			open = nil
		default:
			if open != nil && s.at.Sub(last) <= RepeatWindow {
				open.end, last = s.at, s.at
				continue
			}
			s.head = true
			open, last = s, s.at
		}
	}
}

// parseTime reads a zoneless Beijing time.
func parseTime(v string) (time.Time, error) {
	t, err := time.ParseInLocation(timeLayout, v, adapters.Beijing)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %s is not yyyy-MM-dd HH:mm:ss", redact.Time(v))
	}
	return t, nil
}

func inTianjin(lat, lon float64) bool {
	return lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon
}

// envelopePayload is how messages speak of the payload; a syntax error
// says no offset.
var envelopePayload = jsonstream.Payload{
	Ends:     jsonstream.Envelope.Ends,
	Trailing: jsonstream.Envelope.Trailing,
}

func readEnvelope(raw []byte) (*envelope, error) {
	env := &envelope{}
	dec := jsonstream.NewDecoder(raw)
	err := dec.Top(envelopePayload, func(key string) error {
		switch key {
		case "pch":
			return dec.Field(key, &env.Pch)
		case "jls":
			return dec.Field(key, &env.Jls)
		case "smjl":
			var err error
			env.Smjl, err = jsonstream.Items[record](dec, key, len(raw)/350)
			return err
		}
		return dec.Skip()
	})
	if err != nil {
		return nil, err
	}
	return env, nil
}
