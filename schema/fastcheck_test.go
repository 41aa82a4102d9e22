package schema

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// pick returns one of the candidate values, valid and invalid mixed, so
// that generated records probe every constraint of the schemas.
func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

var (
	subjects  = []string{hexSubject, strings.ToUpper(hexSubject), hexSubject[:63], hexSubject + "0", "11010519491231002X", ""}
	regions   = []string{"610100", "610113001", "61010", "6101000", "61011300a", "", "1234567890"}
	texts     = []string{"", "x", "绿码", strings.Repeat("字", 64), strings.Repeat("字", 65), strings.Repeat("a", 128), strings.Repeat("a", 129), strings.Repeat("b", 256), strings.Repeat("b", 257)}
	reasonSet = []string{"nat_negative_48h", "a", "a_1", "1abc", "Close", "a-b", "", strings.Repeat("r", 64), strings.Repeat("r", 65)}
	times     = []time.Time{{}, time.Date(2022, 1, 4, 9, 0, 0, 0, cst), time.Date(2022, 1, 4, 1, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2022, 1, 4, 9, 0, 0, 123456789, time.FixedZone("LMT", 8*3600+343))}
)

func randomStatus(rng *rand.Rand) Status {
	s := Status{
		Subject: pick(rng, subjects...), Region: pick(rng, regions...),
		Color:    pick(rng, "green", "yellow", "red", "blue", "", "GREEN"),
		IssuedAt: pick(rng, times...), ValidUntil: pick(rng, times...),
		Source: Source{System: pick(rng, texts...), RecordID: pick(rng, texts...)},
	}
	if rng.IntN(6) > 0 {
		s.Reasons = []string{}
		for i := rng.IntN(18); i > 0; i-- {
			s.Reasons = append(s.Reasons, pick(rng, reasonSet...))
		}
	}
	if rng.IntN(2) == 0 {
		s.Local = &Local{Label: pick(rng, texts...), Code: pick(rng, texts...)}
	}
	if rng.IntN(2) == 0 {
		s.NAT = &NAT{Result: pick(rng, "negative", "positive", "pending", "阴性", ""), SampledAt: pick(rng, times...), Lab: pick(rng, texts...)}
	}
	if rng.IntN(2) == 0 {
		s.Vaccination = &Vaccination{Doses: pick(rng, 0, 3, 20, 21, -1), LastDoseAt: pick(rng, "", "2021-11-02", "2021/11/02", "21-11-02", "2021-1-02", "abcd-ef-gh")}
	}
	return s
}

func randomEvent(rng *rand.Rand) Event {
	return Event{
		Subject: pick(rng, subjects...), Region: pick(rng, regions...),
		Kind: pick(rng, "venue_scan", "transit", "checkpoint", "carrier_city", "stay", "teleport", ""),
		Place: Place{ID: pick(rng, texts...), Name: pick(rng, texts...), Region: pick(rng, regions...),
			Lat: pick(rng, 0, 34.2, -90, 90, 90.0001, -91), Lon: pick(rng, 0, 108.9, 180, -180, 180.5, -181)},
		Start: pick(rng, times...), End: pick(rng, times...),
		Source: Source{System: pick(rng, texts...), RecordID: pick(rng, texts...)},
	}
}

func randomRiskArea(rng *rand.Rand) RiskArea {
	return RiskArea{ID: pick(rng, texts...), Region: pick(rng, regions...), Name: pick(rng, texts...),
		Level: pick(rng, "low", "medium", "high", "extreme", ""), From: pick(rng, times...), Until: pick(rng, times...)}
}

// blend starts from a valid record and takes each field from a random one
// with probability 1/4, so that valid and invalid records both come up often
// and most invalid ones are wrong in a single field.
func blendStatus(rng *rand.Rand) Status {
	s, r := goodStatus(), randomStatus(rng)
	take := func() bool { return rng.IntN(4) == 0 }
	if take() {
		s.Subject = r.Subject
	}
	if take() {
		s.Region = r.Region
	}
	if take() {
		s.Color = r.Color
	}
	if take() {
		s.Reasons = r.Reasons
	}
	if take() {
		s.Local = r.Local
	}
	if take() {
		s.IssuedAt = r.IssuedAt
	}
	if take() {
		s.ValidUntil = r.ValidUntil
	}
	if take() {
		s.NAT = r.NAT
	}
	if take() {
		s.Vaccination = r.Vaccination
	}
	if take() {
		s.Source = r.Source
	}
	return s
}

func blendEvent(rng *rand.Rand) Event {
	e, r := goodEvent(), randomEvent(rng)
	take := func() bool { return rng.IntN(4) == 0 }
	if take() {
		e.Subject = r.Subject
	}
	if take() {
		e.Region = r.Region
	}
	if take() {
		e.Kind = r.Kind
	}
	if take() {
		e.Place.ID, e.Place.Name = r.Place.ID, r.Place.Name
	}
	if take() {
		e.Place.Region = r.Place.Region
	}
	if take() {
		e.Place.Lat, e.Place.Lon = r.Place.Lat, r.Place.Lon
	}
	if take() {
		e.Start, e.End = r.Start, r.End
	}
	if take() {
		e.Source = r.Source
	}
	return e
}

// TestFastCheckAgreesWithJSONSchema compares the fast path with gojsonschema
// on records whose every field is drawn from valid and invalid values.
func TestFastCheckAgreesWithJSONSchema(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 13))
	valid := [3]int{}
	for i := 0; i < 20000; i++ {
		s := blendStatus(rng)
		if fast, ref := fastStatus(&s), check(schemas().status, statusValue(&s)) == nil; fast != ref {
			t.Fatalf("status: fast %v, gojsonschema %v: %+v (%v)", fast, ref, s, check(schemas().status, statusValue(&s)))
		} else if ref {
			valid[0]++
		}
		e := blendEvent(rng)
		if fast, ref := fastEvent(&e), check(schemas().event, eventValue(&e)) == nil; fast != ref {
			t.Fatalf("event: fast %v, gojsonschema %v: %+v (%v)", fast, ref, e, check(schemas().event, eventValue(&e)))
		} else if ref {
			valid[1]++
		}
		r := randomRiskArea(rng)
		if fast, ref := fastRiskArea(&r), check(schemas().riskArea, riskAreaValue(&r)) == nil; fast != ref {
			t.Fatalf("risk area: fast %v, gojsonschema %v: %+v (%v)", fast, ref, r, check(schemas().riskArea, riskAreaValue(&r)))
		} else if ref {
			valid[2]++
		}
	}
	// Both outcomes must be exercised, or the comparison proves nothing.
	for i, n := range valid {
		if n == 0 || n == 20000 {
			t.Fatalf("kind %d: %d of 20000 generated records valid", i, n)
		}
	}
	t.Logf("valid: %d statuses, %d events, %d risk areas of 20000 each", valid[0], valid[1], valid[2])
}

func FuzzFastCheck(f *testing.F) {
	f.Add(uint64(1), "green", "nat_negative_48h", "610100", "r1", 34.2, 3)
	f.Fuzz(func(t *testing.T, seed uint64, color, reason, region, recordID string, lat float64, doses int) {
		rng := rand.New(rand.NewPCG(seed, seed))
		s := randomStatus(rng)
		s.Color, s.Region, s.Source.RecordID = color, region, recordID
		s.Reasons = []string{reason}
		s.Vaccination = &Vaccination{Doses: doses}
		if fast, ref := fastStatus(&s), check(schemas().status, statusValue(&s)) == nil; fast != ref {
			t.Fatalf("status: fast %v, gojsonschema %v: %+v", fast, ref, s)
		}
		e := randomEvent(rng)
		e.Place.Lat, e.Region, e.Source.RecordID = lat, region, recordID
		if !finite(lat) {
			return
		}
		if fast, ref := fastEvent(&e), check(schemas().event, eventValue(&e)) == nil; fast != ref {
			t.Fatalf("event: fast %v, gojsonschema %v: %+v", fast, ref, e)
		}
	})
}
