package schema

import (
	"math"
	"time"
	"unicode/utf8"
)

// The fast checks below restate, in Go, the constraints of the embedded JSON
// Schemas for records that are already Go values. gojsonschema remains the
// reference: a record the fast check does not pass is validated by
// gojsonschema, which decides and reports the offending fields, so the fast
// path can only make validation cheaper, never more lenient than the check
// it mirrors. TestFastCheckAgreesWithJSONSchema and FuzzFastCheck hold the two
// in agreement on generated and mutated records; a constraint added to a
// schema file must be added here too, or those tests fail.
//
// Why: gojsonschema walks a generic tree and allocates per node (and parses
// every number with math/big); at 15-40 µs per record it alone would cap an
// adapter below 40,000 records/s on one core. The fast path costs well under
// a microsecond.

func fastStatus(s *Status) bool {
	if !IsSubject(s.Subject) || !fastRegion(s.Region) || !fastSource(s.Source) {
		return false
	}
	switch s.Color {
	case Green, Yellow, Red:
	default:
		return false
	}
	if s.Reasons == nil || len(s.Reasons) > 16 {
		return false
	}
	for _, r := range s.Reasons {
		if !fastReason(r) {
			return false
		}
	}
	if s.Local != nil && (runes(s.Local.Label) > 64 || runes(s.Local.Code) > 32) {
		return false
	}
	if !fastTime(s.IssuedAt, true) || !fastTime(s.ValidUntil, false) {
		return false
	}
	if n := s.NAT; n != nil {
		switch n.Result {
		case NATNegative, NATPositive, NATPending:
		default:
			return false
		}
		if !fastTime(n.SampledAt, false) || runes(n.Lab) > 128 {
			return false
		}
	}
	if v := s.Vaccination; v != nil {
		if v.Doses < 0 || v.Doses > 20 {
			return false
		}
		if v.LastDoseAt != "" && !fastDate(v.LastDoseAt) {
			return false
		}
	}
	return true
}

func fastEvent(e *Event) bool {
	if !IsSubject(e.Subject) || !fastRegion(e.Region) || !fastSource(e.Source) {
		return false
	}
	switch e.Kind {
	case KindVenueScan, KindTransit, KindCheckpoint, KindCarrierCity, KindStay:
	default:
		return false
	}
	p := &e.Place
	if n := runes(p.ID); n < 1 || n > 128 || runes(p.Name) > 256 || !fastRegion(p.Region) {
		return false
	}
	if p.Lat < -90 || p.Lat > 90 || p.Lon < -180 || p.Lon > 180 {
		return false
	}
	return fastTime(e.Start, true) && fastTime(e.End, false)
}

func fastRiskArea(r *RiskArea) bool {
	if n := runes(r.ID); n < 1 || n > 128 || runes(r.Name) > 256 || !fastRegion(r.Region) {
		return false
	}
	switch r.Level {
	case RiskLow, RiskMedium, RiskHigh:
	default:
		return false
	}
	return fastTime(r.From, true) && fastTime(r.Until, false)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

// IsSubject reports whether s has the form of a subject: 64 lowercase hex
// digits, as status.json's subject pattern states.
func IsSubject(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func fastRegion(s string) bool {
	return (len(s) == 6 || len(s) == 9) && digits(s)
}

func fastReason(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func fastSource(s Source) bool {
	n, m := runes(s.System), runes(s.RecordID)
	return n >= 1 && n <= 64 && m >= 1 && m <= 128
}

// fastTime accepts what encodes as an RFC 3339 date-time: a non-zero time
// (required when present is true) in years 0 to 9999.
func fastTime(t time.Time, required bool) bool {
	if t.IsZero() {
		return !required
	}
	y := t.Year()
	return y >= 0 && y <= 9999
}

func fastDate(s string) bool {
	return len(s) == 10 && digits(s[:4]) && s[4] == '-' && digits(s[5:7]) && s[7] == '-' && digits(s[8:])
}

// finite reports whether a coordinate can be written as JSON at all.
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
