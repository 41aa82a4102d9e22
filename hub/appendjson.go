package hub

import (
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/codefed/codefed/schema"
)

// Hand-written JSON encoders for the hottest answers (statuses,
// trajectories, contacts). encoding/json spends most of a trajectory request reflecting
// over structs and re-validating time.Time's marshalled bytes; these append
// the same bytes directly. TestAppendJSONMatchesEncodingJSON holds them to
// byte-for-byte equality with encoding/json (HTML escaping off, as
// writeJSON does) on generated values, so a field added to a type without
// being added here fails the test.

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendFloat writes f as encoding/json does.
func appendFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

func appendPlace(b []byte, p *schema.Place) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	if p.Name != "" {
		b = append(b, `,"name":`...)
		b = appendString(b, p.Name)
	}
	b = append(b, `,"region":`...)
	b = appendString(b, p.Region)
	if p.Lat != 0 {
		b = append(b, `,"lat":`...)
		b = appendFloat(b, p.Lat)
	}
	if p.Lon != 0 {
		b = append(b, `,"lon":`...)
		b = appendFloat(b, p.Lon)
	}
	return append(b, '}')
}

func appendEvent(b []byte, e *schema.Event) []byte {
	b = append(b, `{"subject":`...)
	b = appendString(b, e.Subject)
	b = append(b, `,"region":`...)
	b = appendString(b, e.Region)
	b = append(b, `,"kind":`...)
	b = appendString(b, e.Kind)
	b = append(b, `,"place":`...)
	b = appendPlace(b, &e.Place)
	if !e.Start.IsZero() {
		b = append(b, `,"start":`...)
		b = appendTime(b, e.Start)
	}
	if !e.End.IsZero() {
		b = append(b, `,"end":`...)
		b = appendTime(b, e.End)
	}
	b = append(b, `,"source":{"system":`...)
	b = appendString(b, e.Source.System)
	b = append(b, `,"record_id":`...)
	b = appendString(b, e.Source.RecordID)
	return append(b, `}}`...)
}

// AppendJSON appends the trajectory as encoding/json would, plus newline.
func (tr *Trajectory) AppendJSON(b []byte) []byte {
	b = append(b, `{"subject":`...)
	b = appendString(b, tr.Subject)
	b = append(b, `,"events":[`...)
	for i := range tr.Events {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEvent(b, &tr.Events[i])
	}
	b = append(b, `],"cities":[`...)
	for i := range tr.Cities {
		c := &tr.Cities[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"region":`...)
		b = appendString(b, c.Region)
		if c.Name != "" {
			b = append(b, `,"name":`...)
			b = appendString(b, c.Name)
		}
		b = append(b, `,"first":`...)
		b = appendTime(b, c.First)
		b = append(b, `,"last":`...)
		b = appendTime(b, c.Last)
		b = append(b, '}')
	}
	b = append(b, `],"index":`...)
	b = strconv.AppendUint(b, tr.Index, 10)
	return append(b, "}\n"...)
}

// AppendJSON appends the contacts as encoding/json would, plus newline.
func (cs *Contacts) AppendJSON(b []byte) []byte {
	b = append(b, `{"subject":`...)
	b = appendString(b, cs.Subject)
	b = append(b, `,"min_overlap_seconds":`...)
	b = strconv.AppendInt(b, cs.MinOverlapSeconds, 10)
	b = append(b, `,"contacts":[`...)
	for i := range cs.Contacts {
		c := &cs.Contacts[i]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"subject":`...)
		b = appendString(b, c.Subject)
		b = append(b, `,"place":`...)
		b = appendPlace(b, &c.Place)
		b = append(b, `,"start":`...)
		b = appendTime(b, c.Start)
		b = append(b, `,"end":`...)
		b = appendTime(b, c.End)
		b = append(b, `,"overlap_seconds":`...)
		b = strconv.AppendInt(b, c.OverlapSeconds, 10)
		b = append(b, `,"kind":`...)
		b = appendString(b, c.Kind)
		b = append(b, '}')
	}
	b = append(b, `],"index":`...)
	b = strconv.AppendUint(b, cs.Index, 10)
	return append(b, "}\n"...)
}

func appendStrings(b []byte, ss []string) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendStatus(b []byte, st *schema.Status) []byte {
	b = append(b, `{"subject":`...)
	b = appendString(b, st.Subject)
	b = append(b, `,"region":`...)
	b = appendString(b, st.Region)
	b = append(b, `,"color":`...)
	b = appendString(b, st.Color)
	b = append(b, `,"reasons":`...)
	b = appendStrings(b, st.Reasons)
	if st.Local != nil {
		b = append(b, `,"local":{"label":`...)
		b = appendString(b, st.Local.Label)
		b = append(b, `,"code":`...)
		b = appendString(b, st.Local.Code)
		b = append(b, '}')
	}
	if !st.IssuedAt.IsZero() {
		b = append(b, `,"issued_at":`...)
		b = appendTime(b, st.IssuedAt)
	}
	if !st.ValidUntil.IsZero() {
		b = append(b, `,"valid_until":`...)
		b = appendTime(b, st.ValidUntil)
	}
	if n := st.NAT; n != nil {
		b = append(b, `,"nat":{"result":`...)
		b = appendString(b, n.Result)
		if !n.SampledAt.IsZero() {
			b = append(b, `,"sampled_at":`...)
			b = appendTime(b, n.SampledAt)
		}
		if n.Lab != "" {
			b = append(b, `,"lab":`...)
			b = appendString(b, n.Lab)
		}
		b = append(b, '}')
	}
	if v := st.Vaccination; v != nil {
		b = append(b, `,"vaccination":{"doses":`...)
		b = strconv.AppendInt(b, int64(v.Doses), 10)
		if v.LastDoseAt != "" {
			b = append(b, `,"last_dose_at":`...)
			b = appendString(b, v.LastDoseAt)
		}
		b = append(b, '}')
	}
	b = append(b, `,"source":{"system":`...)
	b = appendString(b, st.Source.System)
	b = append(b, `,"record_id":`...)
	b = appendString(b, st.Source.RecordID)
	return append(b, `}}`...)
}

// AppendJSON appends the federated status as encoding/json would (map
// keys sorted), plus newline.
func (fs *FederatedStatus) AppendJSON(b []byte) []byte {
	b = append(b, `{"subject":`...)
	b = appendString(b, fs.Subject)
	b = append(b, `,"color":`...)
	b = appendString(b, fs.Color)
	b = append(b, `,"reasons":`...)
	if fs.Reasons == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range fs.Reasons {
			r := &fs.Reasons[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = appendString(b, r.Code)
			b = append(b, `,"region":`...)
			b = appendString(b, r.Region)
			b = append(b, `,"at":`...)
			b = appendTime(b, r.At)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"regions":`...)
	if fs.Regions == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(fs.Regions))
		for k := range fs.Regions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			st := fs.Regions[k]
			b = appendStatus(b, &st)
		}
		b = append(b, '}')
	}
	b = append(b, `,"as_of":`...)
	b = appendTime(b, fs.AsOf)
	b = append(b, `,"index":`...)
	b = strconv.AppendUint(b, fs.Index, 10)
	return append(b, "}\n"...)
}
