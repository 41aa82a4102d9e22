package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/codefed/codefed/schema"
)

// Shape of a subject's days.
const (
	// travelShare is the share of subjects (among those with enough
	// events to make one) who make a trip to another city in the window.
	travelShare = 0.12
	// minTravelEvents is the fewest events a trip needs: two checkpoints,
	// up to three nights, the carrier's city record and a visit or two.
	minTravelEvents = 8
	maxTripDays     = 4
	// Visits happen between wakeUp and wakeUp+awake after the start of a
	// day; nights in a hotel fill the rest.
	wakeUp = 7 * time.Hour
	awake  = 14*time.Hour + 30*time.Minute
	// favouriteShare is how often a visit at home is to one of the
	// subject's own places (shop, office, school) rather than one of the
	// city's busy ones.
	favouriteShare = 0.55
	// zipfS skews visits towards a city's first places: a few very busy
	// places, a long tail of quiet ones.
	zipfS = 1.1
)

// trip is a subject's stay in another city: dest is a city index, the trip
// covers days [day0, day0+days).
type trip struct {
	dest, day0, days int
}

// subject writes subject i's status and its n events, and reports whether
// it travelled.
func (g *generator) subject(i int, p profile, n int) (bool, error) {
	rng := p.rng
	w := g.world
	home := w.cities[p.home]
	subject := g.pseudonym(i)
	if err := g.out.addStatus(home.div.Code, g.status(i, subject, home, rng)); err != nil {
		return false, err
	}
	g.statuses++
	if n == 0 {
		return false, nil
	}
	tr, travels := g.planTrip(p.home, n, rng)
	reserved := 0
	if travels {
		reserved = 2 + (tr.days - 1) + 1
	}
	dayWeights := make([]float64, g.cfg.Days)
	for d := range dayWeights {
		dayWeights[d] = 0.5 + rng.Float64()
	}
	perDay := apportion(n-reserved, dayWeights)
	favourites := make([]int, 2+rng.IntN(5))
	for k := range favourites {
		favourites[k] = home.visitable[rng.IntN(len(home.visitable))]
	}
	var hotelAt int
	if travels {
		dest := w.cities[tr.dest]
		hotelAt = dest.hotels[rng.IntN(len(dest.hotels))]
	}
	e := &eventMaker{g: g, subject: subject, i: i}
	var arrival, back schema.Event
	for d := range g.cfg.Days {
		dayStart := g.from.Add(time.Duration(d) * 24 * time.Hour)
		inTrip := travels && d >= tr.day0 && d < tr.day0+tr.days
		c := home
		if inTrip {
			c = w.cities[tr.dest]
		}
		arrives := inTrip && d == tr.day0
		leaves := inTrip && d == tr.day0+tr.days-1
		slots := perDay[d]
		if arrives {
			slots++
		}
		if leaves {
			slots++
		}
		span := int64(awake / time.Second)
		for j := range slots {
			lo := int64(j) * span / int64(slots)
			hi := int64(j+1) * span / int64(slots)
			start := dayStart.Add(wakeUp + time.Duration(lo)*time.Second)
			var err error
			switch {
			case arrives && j == 0:
				arrival, err = e.emit(c.checkpoints[rng.IntN(len(c.checkpoints))], start, hi-lo, rng)
			case leaves && j == slots-1:
				// The trip ends at the home city's checkpoint.
				back, err = e.emit(home.checkpoints[rng.IntN(len(home.checkpoints))], start, hi-lo, rng)
			default:
				_, err = e.emit(g.visitPlace(c, inTrip, favourites, rng), start, hi-lo, rng)
			}
			if err != nil {
				return false, err
			}
		}
		if inTrip && !leaves {
			start := dayStart.Add(21*time.Hour + 30*time.Minute + time.Duration(rng.IntN(3600))*time.Second)
			end := dayStart.Add(30*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
			if err := e.add(hotelAt, schema.KindStay, start, end); err != nil {
				return false, err
			}
		}
	}
	if travels {
		if err := e.carrierCity(w.cities[tr.dest], arrival.Start, back.End); err != nil {
			return false, err
		}
	}
	if e.k != n {
		return false, fmt.Errorf("subject %d: made %d events, want %d", i, e.k, n)
	}
	return travels, nil
}

// planTrip decides whether the subject leaves home during the window, where
// to and when. Destinations are drawn by city size: people travel to big
// cities more than to small ones.
func (g *generator) planTrip(home, n int, rng *rand.Rand) (trip, bool) {
	w := g.world
	if n < minTravelEvents || len(w.travel) == 0 || len(w.cities[home].checkpoints) == 0 || rng.Float64() >= travelShare {
		return trip{}, false
	}
	total := 0.0
	for _, ci := range w.travel {
		total += w.cities[ci].weight
	}
	for range 8 {
		r := rng.Float64() * total
		dest := w.travel[len(w.travel)-1]
		for _, ci := range w.travel {
			if r -= w.cities[ci].weight; r < 0 {
				dest = ci
				break
			}
		}
		if dest == home {
			continue
		}
		days := 1 + rng.IntN(min(maxTripDays, g.cfg.Days))
		return trip{dest: dest, days: days, day0: rng.IntN(g.cfg.Days - days + 1)}, true
	}
	return trip{}, false
}

// visitPlace picks where a visit happens: at home often one of the
// subject's favourites, otherwise a place drawn by popularity.
func (g *generator) visitPlace(c *city, away bool, favourites []int, rng *rand.Rand) int {
	if !away && rng.Float64() < favouriteShare {
		return favourites[rng.IntN(len(favourites))]
	}
	if len(c.visitable) == 1 {
		return c.visitable[0]
	}
	z := rand.NewZipf(rng, zipfS, 1, uint64(len(c.visitable)-1))
	return c.visitable[z.Uint64()]
}

// eventMaker numbers and writes one subject's events.
type eventMaker struct {
	g       *generator
	subject string
	i, k    int
}

// emit writes a visit at place starting within the slot of slotSeconds
// that begins at slotStart, lasting what such a visit lasts but never
// beyond the slot, so a subject is in one place at a time.
func (e *eventMaker) emit(place int, slotStart time.Time, slotSeconds int64, rng *rand.Rand) (schema.Event, error) {
	var kind string
	var dur float64 // seconds
	switch e.g.world.placeType[place] {
	case station:
		kind, dur = schema.KindTransit, float64(300+rng.IntN(2100))
	case checkpoint:
		kind, dur = schema.KindCheckpoint, float64(120+rng.IntN(1080))
	default:
		// Log-normal around 35 minutes: a quick errand to an afternoon
		// at the office or a long meal.
		kind, dur = schema.KindVenueScan, min(4*3600, max(300, math.Exp(rng.NormFloat64()*0.8)*35*60))
	}
	d := min(int64(dur), slotSeconds*3/4)
	d = max(1, d)
	var offset int64
	if slack := slotSeconds - d; slack > 0 {
		offset = rng.Int64N(slack)
	}
	start := slotStart.Add(time.Duration(offset) * time.Second)
	ev := e.event(place, kind, start, start.Add(time.Duration(d)*time.Second))
	return ev, e.write(ev)
}

func (e *eventMaker) add(place int, kind string, start, end time.Time) error {
	return e.write(e.event(place, kind, start, end))
}

func (e *eventMaker) event(place int, kind string, start, end time.Time) schema.Event {
	w := e.g.world
	c := w.cities[w.placeCity[place]]
	return schema.Event{
		Subject: e.subject, Region: c.div.Code, Kind: kind, Place: w.places[place],
		Start: start, End: end,
		Source: schema.Source{System: c.system, RecordID: e.recordID()},
	}
}

// carrierCity writes the telecom carrier's record of the subject's stay
// in a city (the 通信大数据行程卡): coarse, city-level, spanning the trip.
func (e *eventMaker) carrierCity(c *city, start, end time.Time) error {
	return e.write(schema.Event{
		Subject: e.subject, Region: c.div.Code, Kind: schema.KindCarrierCity,
		Place: schema.Place{ID: c.div.Code + "-CITY", Name: c.div.Name, Region: c.div.Code, Lat: c.div.Lat, Lon: c.div.Lon},
		Start: start, End: end,
		Source: schema.Source{System: "gen-carrier", RecordID: e.recordID()},
	})
}

func (e *eventMaker) recordID() string {
	return "e" + strconv.Itoa(e.i) + "-" + strconv.Itoa(e.k)
}

func (e *eventMaker) write(ev schema.Event) error {
	e.k++
	e.g.events++
	return e.g.out.addEvent(ev.Region, ev)
}

// Status shares: 2022 health codes were overwhelmingly green.
const (
	redShare    = 0.005
	yellowShare = 0.03
)

var (
	greenReasons  = [][]string{{schema.ReasonNATNegative48h}, {schema.ReasonNATNegative72h}, {schema.ReasonNoAbnormality}}
	yellowReasons = [][]string{{schema.ReasonHomeQuarantine}, {schema.ReasonFromRiskArea}, {schema.ReasonNATOverdue}, {schema.ReasonSecondaryContact}}
	redReasons    = [][]string{{schema.ReasonCloseContact}, {schema.ReasonConfirmedCase}, {schema.ReasonCentralQuarantine}}
)

// status is the home region's verdict on the subject, issued on the last
// day of the window and valid for a day.
func (g *generator) status(i int, subject string, home *city, rng *rand.Rand) schema.Status {
	issued := g.cfg.End.Add(-time.Duration(1+rng.IntN(24*3600)) * time.Second)
	st := schema.Status{
		Subject: subject, Region: home.div.Code,
		IssuedAt: issued, ValidUntil: issued.Add(24 * time.Hour),
		Source: schema.Source{System: home.system, RecordID: "s" + strconv.Itoa(i)},
	}
	nat := &schema.NAT{Result: schema.NATNegative, SampledAt: issued.Add(-time.Duration(2*3600+rng.IntN(44*3600)) * time.Second),
		Lab: fmt.Sprintf("%s核酸检测点%d", home.div.Short, 1+rng.IntN(40))}
	switch r := rng.Float64(); {
	case r < redShare:
		st.Color, st.Local = schema.Red, &schema.Local{Label: "红码", Code: "2"}
		st.Reasons = redReasons[rng.IntN(len(redReasons))]
		nat.Result = schema.NATPositive
		if st.Reasons[0] != schema.ReasonConfirmedCase {
			nat.Result = schema.NATPending
		}
	case r < redShare+yellowShare:
		st.Color, st.Local = schema.Yellow, &schema.Local{Label: "黄码", Code: "1"}
		st.Reasons = yellowReasons[rng.IntN(len(yellowReasons))]
	default:
		st.Color, st.Local = schema.Green, &schema.Local{Label: "绿码", Code: "0"}
		st.Reasons = greenReasons[rng.IntN(len(greenReasons))]
	}
	st.NAT = nat
	// Most adults had two or three doses by early 2022.
	v := &schema.Vaccination{}
	switch r := rng.Float64(); {
	case r < 0.07:
	case r < 0.10:
		v.Doses = 1
	case r < 0.30:
		v.Doses = 2
	default:
		v.Doses = 3
	}
	if v.Doses > 0 {
		v.LastDoseAt = g.cfg.End.AddDate(0, 0, -30-rng.IntN(300)).Format(time.DateOnly)
	}
	st.Vaccination = v
	return st
}
