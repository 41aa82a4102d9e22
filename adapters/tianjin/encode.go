package tianjin

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/internal/codes"
	"github.com/codefed/codefed/schema"
)

// docCodes is docTypes reversed, for Encode.
var docCodes = codes.Invert(docTypes)

// colorCodes is colors reversed, for Encode.
var colorCodes = func() map[string]string {
	m := make(map[string]string, len(colors))
	for code, c := range colors {
		m[c.color] = code
	}
	return m
}()

type export struct {
	Pch  string   `json:"pch,omitempty"`
	Dcsj string   `json:"dcsj,omitempty"`
	Jls  int      `json:"jls"`
	Smjl []record `json:"smjl"`
}

// Encode implements adapters.Adapter. Each event becomes one entry scan,
// carrying the exit time lcsj when the event has an end, so that Decode
// folds nothing. The colour written is the one the app would have shown at
// the scan: that of the person's latest status in a Tianjin region in force
// at the scan time, if any. Statuses themselves are not written: the log
// holds scans, not health-code verdicts. Events must be venue scans at
// places with IDs "<district>-V-<6 digits>"; opts.At, when set, stamps the
// export's batch number and time.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	out := export{Smjl: []record{}}
	if !opts.At.IsZero() {
		at := opts.At.In(adapters.Beijing)
		out.Pch = "JMZY-CSM-" + at.Format("20060102150405")
		out.Dcsj = at.Format(timeLayout)
	}
	for i, p := range people {
		zjlx, ok := docCodes[p.DocType]
		if !ok {
			return nil, fmt.Errorf("tianjin: person %d: document type %s cannot be written (the format has 111, 414, 511 and 513)", i, p.DocType)
		}
		for j, e := range p.Events {
			rec, err := encodeScan(&p, e)
			if err != nil {
				return nil, fmt.Errorf("tianjin: person %d, event %d: %w", i, j, err)
			}
			rec.Zjlx, rec.Zjhm, rec.Xm = zjlx, p.DocNumber, p.Name
			if rec.Smid == "" {
				rec.Smid = fmt.Sprintf("CSM-%06d-%03d", i, j)
			}
			out.Smjl = append(out.Smjl, rec)
		}
	}
	out.Jls = len(out.Smjl)
	return json.Marshal(out)
}

func encodeScan(p *adapters.Person, e schema.Event) (record, error) {
	if e.Kind != schema.KindVenueScan {
		return record{}, fmt.Errorf("kind %s cannot be written (the format has venue scans only)", e.Kind)
	}
	district, serial, ok := strings.Cut(e.Place.ID, "-V-")
	if _, known := districts[district]; !ok || !known || len(serial) != 6 || !codes.Digits(serial) {
		return record{}, fmt.Errorf("place ID %q is not a Tianjin venue (<district>-V-<6 digits>)", e.Place.ID)
	}
	rec := record{
		Smid: e.Source.RecordID,
		Csbm: district + serial,
		Csmc: e.Place.Name,
		Qxdm: district,
		Smfx: "1",
	}
	switch {
	case e.Place.Region == district:
	case len(e.Place.Region) == 9 && strings.HasPrefix(e.Place.Region, district):
		rec.Jddm = e.Place.Region
	default:
		return record{}, fmt.Errorf("place region %s is not district %s or one of its streets", e.Place.Region, district)
	}
	switch {
	case e.Place.Lat == 0 && e.Place.Lon == 0:
	case e.Place.Lat == 0 || e.Place.Lon == 0:
		return record{}, errors.New("place has only one of latitude and longitude")
	default:
		lat, lon := e.Place.Lat, e.Place.Lon
		rec.Jd, rec.Wd = &lon, &lat
	}
	if e.Start.IsZero() {
		return record{}, errors.New("event has no start")
	}
	if e.Start.Nanosecond() != 0 || e.End.Nanosecond() != 0 {
		return record{}, errors.New("the format carries whole seconds only")
	}
	rec.Smsj = e.Start.In(adapters.Beijing).Format(timeLayout)
	if !e.End.IsZero() {
		rec.Lcsj = e.End.In(adapters.Beijing).Format(timeLayout)
	}
	if st := statusAt(p.Statuses, e); st != nil {
		code, ok := colorCodes[st.Color]
		if !ok {
			return record{}, fmt.Errorf("colour %q cannot be written", st.Color)
		}
		rec.Mys = code
	}
	return rec, nil
}

// statusAt returns the latest Tianjin status in force at the event's start.
func statusAt(sts []schema.Status, e schema.Event) *schema.Status {
	var best *schema.Status
	for i := range sts {
		st := &sts[i]
		if schema.Province(st.Region) != Region || st.IssuedAt.After(e.Start) {
			continue
		}
		if !st.ValidUntil.IsZero() && !e.Start.Before(st.ValidUntil) {
			continue
		}
		if best == nil || st.IssuedAt.After(best.IssuedAt) {
			best = st
		}
	}
	return best
}
