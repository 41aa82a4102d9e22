package gen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/codefed/codefed/schema"
)

// placeType says what a place is for, and so which event kind a visit
// there makes.
type placeType byte

const (
	venue      placeType = 'V' // shops, restaurants, offices: venue_scan
	station    placeType = 'T' // metro and bus stations: transit
	hotel      placeType = 'H' // overnight stays: stay
	checkpoint placeType = 'K' // railway stations, airports, highway exits: checkpoint
)

var typeNames = map[placeType][]string{
	venue:      {"超市", "餐厅", "商场", "写字楼", "菜市场", "医院", "学校", "药店", "健身房", "影院"},
	station:    {"地铁站", "公交枢纽"},
	hotel:      {"酒店"},
	checkpoint: {"火车站", "机场", "高速出口"},
}

// city is a prefecture-level city (or a municipality, a special
// administrative region, or a county-level city a province administers
// directly) with the places generated in it.
type city struct {
	div    schema.Division
	weight float64 // relative size, a rough stand-in for population
	system string  // Source.System of the records its region reports
	// Place indexes into world.places, by what they are used for. visitable
	// is in popularity order: the first is the most visited.
	visitable, hotels, checkpoints []int
	streets                        int
}

// world is everything shared by all subjects: cities, places and risk
// areas. Subjects are generated one at a time against it.
type world struct {
	cities    []*city
	cumPlaces []int // cumulative place counts, to draw a home city in proportion to its places
	places    []schema.Place
	placeType []placeType
	placeCity []int // index into cities
	travel    []int // cities a traveller can go to: they have a checkpoint and a hotel
	riskAreas []schema.RiskArea
}

// cityWeight ranks cities by rough size. The division table has no
// population, so municipalities, the two special administrative regions and
// provincial capitals (the prefecture at its province's seat) stand above
// ordinary prefectures; that is enough to give big cities more places and
// more people than small ones.
func cityWeight(d schema.Division, province schema.Division) float64 {
	switch d.Code {
	case "110000", "310000":
		return 12
	case "120000", "500000":
		return 8
	case "810000":
		return 4
	case "820000":
		return 1
	}
	if d.Level == schema.LevelCounty {
		return 0.5
	}
	if d.Lat == province.Lat && d.Lon == province.Lon {
		return 5
	}
	return 1.5
}

func newWorld(cfg *Config) (*world, error) {
	rng := rand.New(rand.NewPCG(mix(cfg.Seed, 0x776f726c64), 1)) // "world"
	provinces := map[string]schema.Division{}
	var cities []*city
	for _, d := range schema.Divisions() {
		if d.Level == schema.LevelProvince {
			provinces[d.Code] = d
		}
		if schema.Prefecture(d.Code) != d.Code {
			continue // provinces that are not cities, and Taiwan (no city-level table)
		}
		prov := d
		if d.Level != schema.LevelProvince {
			prov = provinces[d.Code[:2]+"0000"]
		}
		cities = append(cities, &city{div: d, weight: cityWeight(d, prov), system: "gen-" + d.Code[:2] + "0000"})
	}
	if len(cities) == 0 {
		return nil, fmt.Errorf("division table has no cities")
	}
	w := &world{}
	// Places go to cities in proportion to weight, by cumulative rounding so
	// the total is exact; cities left with none get no residents either.
	weights := make([]float64, len(cities))
	for i, c := range cities {
		weights[i] = c.weight
	}
	counts := apportion(cfg.Places, weights)
	for ci, c := range cities {
		n := counts[ci]
		if n == 0 {
			continue
		}
		idx := len(w.cities)
		w.cities = append(w.cities, c)
		c.streets = min(999, max(1, n/8))
		for j := range n {
			t := venue
			switch {
			case j == 0:
				// Every city has something to visit.
			case j == 1:
				// A city with a second place can be left and come back
				// to; with a third it can be stayed in.
				t = checkpoint
			case j == 2:
				t = hotel
			default:
				switch r := rng.Float64(); {
				case r < 0.82:
				case r < 0.92:
					t = station
				case r < 0.97:
					t = hotel
				default:
					t = checkpoint
				}
			}
			pi := len(w.places)
			names := typeNames[t]
			// Streets number the places in popularity order, so the busy
			// first places of a city share its first streets, as a
			// centre does.
			street := 1 + j*c.streets/n
			w.places = append(w.places, schema.Place{
				ID:     fmt.Sprintf("%s-%c-%06d", c.div.Code, t, pi),
				Name:   fmt.Sprintf("%s%s%d号", c.div.Short, names[rng.IntN(len(names))], j+1),
				Region: fmt.Sprintf("%s%03d", c.div.Code, street),
				Lat:    round4(c.div.Lat + (rng.Float64()-0.5)*0.24),
				Lon:    round4(c.div.Lon + (rng.Float64()-0.5)*0.24),
			})
			w.placeType = append(w.placeType, t)
			w.placeCity = append(w.placeCity, idx)
			switch t {
			case venue, station:
				c.visitable = append(c.visitable, pi)
			case hotel:
				c.hotels = append(c.hotels, pi)
			case checkpoint:
				c.checkpoints = append(c.checkpoints, pi)
			}
		}
		if len(c.hotels) > 0 && len(c.checkpoints) > 0 {
			w.travel = append(w.travel, idx)
		}
		prev := 0
		if len(w.cumPlaces) > 0 {
			prev = w.cumPlaces[len(w.cumPlaces)-1]
		}
		w.cumPlaces = append(w.cumPlaces, prev+n)
	}
	w.riskAreas = w.newRiskAreas(cfg, rng)
	return w, nil
}

// newRiskAreas declares a handful of street-level risk areas in the
// biggest cities, as cities did during an outbreak: most high or medium
// (they turn visitors yellow), some low.
func (w *world) newRiskAreas(cfg *Config, rng *rand.Rand) []schema.RiskArea {
	order := make([]int, len(w.cities))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return w.cities[order[a]].weight > w.cities[order[b]].weight })
	levels := []string{schema.RiskHigh, schema.RiskMedium, schema.RiskMedium, schema.RiskLow}
	var out []schema.RiskArea
	for k := 0; k < cfg.RiskAreas && len(order) > 0; k++ {
		c := w.cities[order[k%len(order)]]
		street := 1 + rng.IntN(c.streets)
		from := cfg.End.Add(-time.Duration(1+rng.IntN(min(cfg.Days, 7))) * 24 * time.Hour).Add(time.Duration(8+rng.IntN(12)) * time.Hour)
		a := schema.RiskArea{
			ID:     fmt.Sprintf("gen-%d-risk-%03d", cfg.Seed, k+1),
			Region: fmt.Sprintf("%s%03d", c.div.Code, street),
			Name:   fmt.Sprintf("%s第%d街道", c.div.Name, street),
			Level:  levels[k%len(levels)],
			From:   from,
		}
		if k%3 != 0 {
			// Most areas have a planned end; the others stay until lifted.
			a.Until = cfg.End.Add(time.Duration(3+rng.IntN(7)) * 24 * time.Hour)
		}
		out = append(out, a)
	}
	return out
}

// homeCity draws a city in proportion to its number of places, so every
// place serves about the same number of residents.
func (w *world) homeCity(rng *rand.Rand) int {
	total := w.cumPlaces[len(w.cumPlaces)-1]
	r := rng.IntN(total)
	return sort.SearchInts(w.cumPlaces, r+1)
}

// apportion splits total into len(weights) integer parts proportional to
// the weights, summing exactly to total.
func apportion(total int, weights []float64) []int {
	sum := 0.0
	for _, x := range weights {
		sum += x
	}
	out := make([]int, len(weights))
	acc, prev := 0.0, 0
	for i, x := range weights {
		acc += x
		next := int(math.Floor(float64(total) * acc / sum))
		if i == len(weights)-1 {
			next = total
		}
		out[i] = next - prev
		prev = next
	}
	return out
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// mix derives an independent 64-bit seed from a seed and a stream number
// (splitmix64), so that neighbouring subjects get unrelated generators.
func mix(seed, stream uint64) uint64 {
	z := seed + 0x9e3779b97f4a7c15*(stream+1)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
