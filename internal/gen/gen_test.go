package gen

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

var testEnd = time.Date(2022, 1, 15, 0, 0, 0, 0, Beijing)

func smallConfig(dir string) Config {
	return Config{
		Subjects: 2000, Events: 24000, Places: 1000, Days: 14, Seed: 7, End: testEnd,
		BatchRecords: 700, BatchesPerFile: 9, SampleSize: 500, Dir: dir,
	}
}

func generate(t *testing.T, cfg Config) *Manifest {
	t.Helper()
	m, err := Generate(cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return m
}

// readBatches decodes every batch of a data set.
func readDataSet(t *testing.T, dir string, m *Manifest) []schema.Batch {
	t.Helper()
	var out []schema.Batch
	for _, fi := range m.Files {
		f, err := os.Open(filepath.Join(dir, fi.Name))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 64<<20)
		n := 0
		for sc.Scan() {
			var b schema.Batch
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&b); err != nil {
				t.Fatalf("%s line %d: %v", fi.Name, n+1, err)
			}
			out = append(out, b)
			n++
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if n != fi.Batches {
			t.Errorf("%s: %d batches, manifest says %d", fi.Name, n, fi.Batches)
		}
	}
	return out
}

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	root := t.TempDir()
	dirs := []string{filepath.Join(root, "a"), filepath.Join(root, "b"), filepath.Join(root, "c")}
	for i, dir := range dirs {
		cfg := smallConfig(dir)
		if i == 2 {
			cfg.Seed++
		}
		generate(t, cfg)
	}
	files := func(dir string) map[string][]byte {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string][]byte{}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = b
		}
		return out
	}
	a, b, c := files(dirs[0]), files(dirs[1]), files(dirs[2])
	if len(a) != len(b) {
		t.Fatalf("same seed wrote %d and %d files", len(a), len(b))
	}
	for name, content := range a {
		if !bytes.Equal(content, b[name]) {
			t.Errorf("same seed, %s differs", name)
		}
	}
	if bytes.Equal(a["batches-0001.jsonl"], c["batches-0001.jsonl"]) || bytes.Equal(a[SampleFile], c[SampleFile]) {
		t.Error("another seed wrote the same data")
	}
}

func TestGenerateWritesWhatWasAskedAndAllOfItIsValid(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(dir)
	m := generate(t, cfg)
	batches := readDataSet(t, dir, m)

	statuses := map[string]int{}
	places := map[string]bool{}
	withEvents := map[string]bool{}
	var events, riskAreas, records int
	for i := range batches {
		b := &batches[i]
		if errs := schema.ValidateBatch(b); len(errs) > 0 {
			t.Fatalf("batch %s: %d invalid records, first: %v", b.BatchID, len(errs), errs[0])
		}
		n := len(b.Statuses) + len(b.Events) + len(b.RiskAreas)
		if n == 0 || n > cfg.BatchRecords {
			t.Errorf("batch %s has %d records, want 1 to %d", b.BatchID, n, cfg.BatchRecords)
		}
		records += n
		for _, s := range b.Statuses {
			statuses[s.Subject]++
			if schema.Province(s.Region) != b.Region {
				t.Errorf("batch of %s carries a status of %s", b.Region, s.Region)
			}
		}
		for _, e := range b.Events {
			events++
			withEvents[e.Subject] = true
			if e.Kind != schema.KindCarrierCity {
				places[e.Place.ID] = true
			}
		}
		riskAreas += len(b.RiskAreas)
	}
	if len(statuses) != cfg.Subjects {
		t.Errorf("%d subjects have a status, want %d", len(statuses), cfg.Subjects)
	}
	for s, n := range statuses {
		if n != 1 {
			t.Errorf("subject %s has %d statuses, want 1", s, n)
		}
	}
	if events != cfg.Events {
		t.Errorf("%d events, want %d", events, cfg.Events)
	}
	if riskAreas != 5 {
		t.Errorf("%d risk areas, want the default 5", riskAreas)
	}
	if len(places) > cfg.Places || m.Places != cfg.Places {
		t.Errorf("events use %d places, manifest says %d, want at most %d", len(places), m.Places, cfg.Places)
	}
	if m.Subjects != cfg.Subjects || m.Statuses != cfg.Subjects || m.Events != cfg.Events || m.Records != records || m.Batches != len(batches) {
		t.Errorf("manifest %+v disagrees with the files (%d records in %d batches)", m, records, len(batches))
	}

	sample, err := os.ReadFile(filepath.Join(dir, SampleFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(sample))
	if len(lines) != cfg.SampleSize || m.SampleSize != cfg.SampleSize {
		t.Errorf("sample has %d subjects (manifest %d), want %d", len(lines), m.SampleSize, cfg.SampleSize)
	}
	seen := map[string]bool{}
	for _, s := range lines {
		if !withEvents[s] || seen[s] {
			t.Errorf("sample subject %s: has events %v, repeated %v", s, withEvents[s], seen[s])
		}
		seen[s] = true
	}
}

func TestEventIntervalsAreSane(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(dir)
	m := generate(t, cfg)
	maxDur := map[string]time.Duration{
		schema.KindVenueScan:   4 * time.Hour,
		schema.KindTransit:     40 * time.Minute,
		schema.KindCheckpoint:  20 * time.Minute,
		schema.KindStay:        10 * time.Hour,
		schema.KindCarrierCity: maxTripDays * 24 * time.Hour,
	}
	bySubject := map[string][]schema.Event{}
	for _, b := range readDataSet(t, dir, m) {
		for _, e := range b.Events {
			d := e.End.Sub(e.Start)
			if d <= 0 || d > maxDur[e.Kind] {
				t.Errorf("%s %s lasts %v, want (0, %v]", e.Kind, e.Source.RecordID, d, maxDur[e.Kind])
			}
			if e.Start.Before(m.From) || e.End.After(m.To) {
				t.Errorf("%s %s..%s is outside the window %s..%s", e.Source.RecordID, e.Start, e.End, m.From, m.To)
			}
			if e.Kind != schema.KindCarrierCity {
				bySubject[e.Subject] = append(bySubject[e.Subject], e)
			}
		}
	}
	// A person is in one place at a time; the carrier's city record spans
	// a whole trip and is left out.
	for s, evs := range bySubject {
		sort.Slice(evs, func(i, j int) bool { return evs[i].Start.Before(evs[j].Start) })
		for i := 1; i < len(evs); i++ {
			if evs[i].Start.Before(evs[i-1].End) {
				t.Errorf("subject %s: %s starts at %s before %s ends at %s", s[:8],
					evs[i].Source.RecordID, evs[i].Start, evs[i-1].Source.RecordID, evs[i-1].End)
				break
			}
		}
	}
}

func TestPeopleMostlyStayInTheirHomeCity(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(dir)
	m := generate(t, cfg)
	home := map[string]string{}
	cities := map[string]map[string]bool{}
	var atHome, visits int
	batches := readDataSet(t, dir, m)
	for _, b := range batches {
		for _, s := range b.Statuses {
			home[s.Subject] = s.Region
		}
	}
	for _, b := range batches {
		for _, e := range b.Events {
			c := schema.Prefecture(e.Place.Region)
			if cities[e.Subject] == nil {
				cities[e.Subject] = map[string]bool{}
			}
			cities[e.Subject][c] = true
			visits++
			if c == home[e.Subject] {
				atHome++
			}
		}
		for _, a := range b.RiskAreas {
			if len(a.Region) != 9 || schema.Prefecture(a.Region) == "" {
				t.Errorf("risk area %s covers %s, want a street of a known city", a.ID, a.Region)
			}
		}
	}
	if share := float64(atHome) / float64(visits); share < 0.85 || share > 0.99 {
		t.Errorf("%.1f%% of events are in the home city, want most but not all", 100*share)
	}
	travellers := 0
	for _, cs := range cities {
		if len(cs) > 1 {
			travellers++
		}
	}
	if travellers != m.Travellers {
		t.Errorf("%d subjects were in several cities, manifest says %d travellers", travellers, m.Travellers)
	}
	if share := float64(travellers) / float64(len(cities)); share < 0.03 || share > 0.2 {
		t.Errorf("%.1f%% of subjects with events travelled, want some", 100*share)
	}
}

func TestGenerateRefusesBadConfigs(t *testing.T) {
	base := func() Config { return Config{Subjects: 10, Events: 10, Places: 5, End: testEnd, Dir: t.TempDir()} }
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"no end", func(c *Config) { c.End = time.Time{} }, "end"},
		{"no dir", func(c *Config) { c.Dir = "" }, "directory"},
		{"too many events", func(c *Config) { c.Events = 10 * 14 * 21 }, "events"},
		{"huge batches", func(c *Config) { c.BatchRecords = MaxBatchRecords + 1 }, "batch records"},
		{"long window", func(c *Config) { c.Days = 60 }, "days"},
		{"negative subjects", func(c *Config) { c.Subjects = -1 }, "subjects"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.change(&cfg)
			if _, err := Generate(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Generate = %v, want an error about %s", err, tc.want)
			}
		})
	}
	t.Run("non-empty directory", func(t *testing.T) {
		cfg := base()
		os.WriteFile(filepath.Join(cfg.Dir, "x"), nil, 0o644)
		if _, err := Generate(cfg); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("Generate = %v, want a refusal to write into a non-empty directory", err)
		}
	})
}

func TestShareSplitsExactlyWithoutOverflow(t *testing.T) {
	const total = 10_000_000_000
	weights := []uint64{math.MaxUint32, 1, 20000, 50, math.MaxUint32 / 3}
	var sum uint64
	for _, w := range weights {
		sum += w
	}
	var cum, got uint64
	for _, w := range weights {
		lo := share(total, cum, sum)
		cum += w
		got += share(total, cum, sum) - lo
	}
	if got != total {
		t.Errorf("shares sum to %d, want %d", got, total)
	}
}
