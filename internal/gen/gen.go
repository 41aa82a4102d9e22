// Package gen writes synthetic, reproducible data sets for load tests: a
// population of pseudonymous subjects, their health-code statuses and
// their itineraries over a window of days, as v1 batches in JSON lines
// files, and loads such a data set into a running hub.
//
// The same Config (seed included) always yields the same bytes from the
// same build. Subjects are generated one at a time from their own random
// stream, so a data set of any size is written in bounded memory: only the
// places, one pending batch per reporting province and the subjects sample
// are held.
//
// The population follows the shape of 2022 itinerary data: every subject
// lives in a prefecture-level city (real GB/T 2260 codes and seats from
// schema.Divisions) and mostly visits places there, a few favourite places
// and the city's busy ones; some (12% of those with events enough for it)
// make a trip to another city (checkpoint on arrival, nights in a hotel, the
// carrier's city record, a checkpoint back home); visits last minutes to
// hours in the daytime. Each
// subject has one status from its home region, and a handful of street-level
// risk areas is declared in the biggest cities.
package gen

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/codefed/codefed/schema"
)

// Limits and defaults of a data set.
const (
	// MaxBatchRecords is the largest batch written: big enough that posting
	// is cheap per record, small enough for the hub's body limit.
	MaxBatchRecords = 5000
	// maxEventsPerDay bounds the mean number of events a subject has per
	// day; beyond it, visits would no longer fit a waking day.
	maxEventsPerDay = 20

	ManifestFile = "manifest.json"
	SampleFile   = "subjects.txt"
	// FormatVersion identifies the layout of a data set directory.
	FormatVersion = "codefed-gen/1"
)

// Beijing is UTC+8, the zone of every generated time.
var Beijing = time.FixedZone("CST", 8*3600)

// Config describes a data set. Zero values take the defaults noted.
type Config struct {
	Subjects int // default 10,000
	Events   int // default 10 per subject
	Places   int // default one per 10 subjects
	Days     int // default 14
	Seed     uint64
	// End closes the window of the data set; events fall in the Days days
	// before it and statuses are issued on the last day. It is required:
	// a hub purges events older than its retention window at its own clock,
	// so a data set meant to be loaded must end near the time it is loaded.
	End time.Time
	// RiskAreas is the number of risk areas declared (default 5, -1 none).
	RiskAreas int
	// BatchRecords is the most records in one batch (default and maximum
	// MaxBatchRecords).
	BatchRecords int
	// BatchesPerFile is the most batches in one file (default 100).
	BatchesPerFile int
	// SampleSize is the number of subjects with events written to
	// subjects.txt (default 10,000, fewer when there are fewer).
	SampleSize int
	// Dir receives the data set; it must be absent or empty.
	Dir string
	// Progress, when set, is called now and then with the number of
	// subjects written so far.
	Progress func(subjects int)
}

func (c *Config) normalize() error {
	if c.Subjects == 0 {
		c.Subjects = 10_000
	}
	if c.Events == 0 {
		c.Events = 10 * c.Subjects
	}
	if c.Places == 0 {
		c.Places = max(1, c.Subjects/10)
	}
	if c.Days == 0 {
		c.Days = 14
	}
	switch {
	case c.RiskAreas == 0:
		c.RiskAreas = 5
	case c.RiskAreas < 0:
		c.RiskAreas = 0
	}
	if c.BatchRecords == 0 {
		c.BatchRecords = MaxBatchRecords
	}
	if c.BatchesPerFile == 0 {
		c.BatchesPerFile = 100
	}
	if c.SampleSize == 0 {
		c.SampleSize = 10_000
	}
	switch {
	case c.Subjects < 1:
		return errors.New("subjects: want at least 1")
	case c.Events < 0:
		return errors.New("events: want 0 or more")
	case c.Places < 1:
		return errors.New("places: want at least 1")
	case c.Days < 1 || c.Days > 28:
		return errors.New("days: want 1 to 28 (the hub's default retention)")
	case c.Events > c.Subjects*c.Days*maxEventsPerDay:
		return fmt.Errorf("events: at most %d a subject a day (%d in all)", maxEventsPerDay, c.Subjects*c.Days*maxEventsPerDay)
	case c.BatchRecords < 1 || c.BatchRecords > MaxBatchRecords:
		return fmt.Errorf("batch records: want 1 to %d", MaxBatchRecords)
	case c.BatchesPerFile < 1:
		return errors.New("batches per file: want at least 1")
	case c.SampleSize < 0:
		return errors.New("sample size: want 0 or more")
	case c.End.IsZero():
		return errors.New("end of the window is required")
	case c.Dir == "":
		return errors.New("output directory is required")
	}
	c.End = c.End.Truncate(time.Second).In(Beijing)
	return nil
}

// Manifest describes a written data set; it is written last, so its
// presence means the data set is complete.
type Manifest struct {
	Format    string    `json:"format"`
	Seed      uint64    `json:"seed"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Days      int       `json:"days"`
	Subjects  int       `json:"subjects"`
	Statuses  int       `json:"statuses"`
	Events    int       `json:"events"`
	Places    int       `json:"places"`
	Cities    int       `json:"cities"`
	RiskAreas int       `json:"risk_areas"`
	// Travellers is the number of subjects who made a trip to another city.
	Travellers int        `json:"travellers"`
	Records    int        `json:"records"`
	Batches    int        `json:"batches"`
	Bytes      int64      `json:"bytes"`
	Files      []FileInfo `json:"files"`
	Sample     string     `json:"sample"`
	SampleSize int        `json:"sample_size"`
}

// FileInfo is one batches file of a data set.
type FileInfo struct {
	Name    string `json:"name"`
	Batches int    `json:"batches"`
	Records int    `json:"records"`
	Bytes   int64  `json:"bytes"`
}

// ReadManifest reads the manifest of the data set in dir.
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read data set manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", ManifestFile, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: format %q, want %q", ManifestFile, m.Format, FormatVersion)
	}
	return &m, nil
}

// Generate writes the data set cfg describes and returns its manifest.
func Generate(cfg Config) (*Manifest, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	if err := prepareDir(cfg.Dir); err != nil {
		return nil, err
	}
	w, err := newWorld(&cfg)
	if err != nil {
		return nil, err
	}
	g := &generator{cfg: &cfg, world: w, from: cfg.End.Add(-time.Duration(cfg.Days) * 24 * time.Hour)}
	g.subjectKey = subjectKey(cfg.Seed)
	g.out = &batchWriter{dir: cfg.Dir, perFile: cfg.BatchesPerFile, maxRecords: cfg.BatchRecords, seed: cfg.Seed,
		pending: map[string]*schema.Batch{}}
	m := &Manifest{
		Format: FormatVersion, Seed: cfg.Seed, From: g.from, To: cfg.End, Days: cfg.Days,
		Subjects: cfg.Subjects, Places: len(w.places), Cities: len(w.cities), RiskAreas: len(w.riskAreas),
		Sample: SampleFile,
	}
	if err := g.out.riskAreas(w.riskAreas); err != nil {
		return nil, err
	}
	// The event count of each subject is its share of the total by
	// activity weight, by cumulative rounding so the sum is exact. That
	// needs the total weight first: one cheap pass over the subjects.
	var totalWeight uint64
	for i := range cfg.Subjects {
		totalWeight += g.profile(i).weight
	}
	sample := newReservoir(cfg.SampleSize, mix(cfg.Seed, 0x73616d706c65)) // "sample"
	var cum uint64
	for i := range cfg.Subjects {
		p := g.profile(i)
		lo := share(uint64(cfg.Events), cum, totalWeight)
		cum += p.weight
		n := int(share(uint64(cfg.Events), cum, totalWeight) - lo)
		travelled, err := g.subject(i, p, n)
		if err != nil {
			return nil, err
		}
		if travelled {
			m.Travellers++
		}
		if n > 0 {
			sample.add(g.pseudonym(i))
		}
		if cfg.Progress != nil && (i+1)%1000 == 0 {
			cfg.Progress(i + 1)
		}
	}
	if err := g.out.close(); err != nil {
		return nil, err
	}
	if cfg.Progress != nil {
		cfg.Progress(cfg.Subjects)
	}
	m.Statuses, m.Events = g.statuses, g.events
	m.Records, m.Batches, m.Files = g.out.records, g.out.batches, g.out.files
	for _, f := range m.Files {
		m.Bytes += f.Bytes
	}
	if err := writeSample(filepath.Join(cfg.Dir, SampleFile), sample.items); err != nil {
		return nil, err
	}
	m.SampleSize = len(sample.items)
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(cfg.Dir, ManifestFile), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

func prepareDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create output directory: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read output directory: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("output directory %s is not empty", dir)
	}
	return nil
}

// share is floor(total*cum/sum) without overflowing: the cumulative
// weights of millions of subjects times millions of events exceed 64 bits.
func share(total, cum, sum uint64) uint64 {
	if sum == 0 {
		return 0
	}
	hi, lo := bits.Mul64(total, cum)
	q, _ := bits.Div64(hi, lo, sum)
	return q
}

// subjectKey derives the key that turns subject numbers into pseudonyms;
// it depends on the seed, so data sets of different seeds share no subject.
func subjectKey(seed uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], seed)
	h := sha256.Sum256(append([]byte("codefed gen subjects "), b[:]...))
	return h[:]
}

// reservoir keeps a uniform sample of fixed size from a stream whose
// length is unknown in advance (algorithm R).
type reservoir struct {
	items []string
	size  int
	seen  int
	rng   *rand.Rand
}

func newReservoir(size int, seed uint64) *reservoir {
	return &reservoir{size: size, rng: rand.New(rand.NewPCG(seed, 2))}
}

func (r *reservoir) add(s string) {
	r.seen++
	if len(r.items) < r.size {
		r.items = append(r.items, s)
		return
	}
	if j := r.rng.IntN(r.seen); j < r.size {
		r.items[j] = s
	}
}

func writeSample(path string, subjects []string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write subjects sample: %w", err)
	}
	bw := bufio.NewWriter(f)
	for _, s := range subjects {
		bw.WriteString(s)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write subjects sample: %w", err)
	}
	return f.Close()
}

// generator holds the state of one Generate call.
type generator struct {
	cfg        *Config
	world      *world
	from       time.Time
	subjectKey []byte
	out        *batchWriter

	statuses, events int
}

// profile is what is known of a subject before its events: drawn first
// from its own stream, so the weight pass and the writing pass agree.
type profile struct {
	weight uint64
	home   int
	rng    *rand.Rand
}

func (g *generator) profile(i int) profile {
	rng := rand.New(rand.NewPCG(mix(g.cfg.Seed, uint64(i)), mix(g.cfg.Seed^0x5eed, uint64(i))))
	// Activity is log-normal: most people scan a few places a day, a few
	// (couriers, sales staff) scan many.
	w := math.Exp(rng.NormFloat64()*0.7) * 1000
	return profile{weight: uint64(min(20000, max(50, w))), home: g.world.homeCity(rng), rng: rng}
}

// pseudonym is subject i's 64-hex subject, an HMAC like the ones adapters
// derive from documents, of a number instead of a document.
func (g *generator) pseudonym(i int) string {
	mac := hmac.New(sha256.New, g.subjectKey)
	mac.Write([]byte("synthetic:" + strconv.Itoa(i)))
	return hex.EncodeToString(mac.Sum(nil))
}
