// Package adaptertest holds the shared test harness for adapters: golden
// files and the readable sources of binary ones, the encode/decode round
// trip, sampler checks, privacy checks on messages, fuzzing and benchmarks.
// Every adapter package uses it so that every format is held to the same
// contract.
//
// Golden files live in the adapter's testdata/golden/ directory, one case per
// base name:
//
//	NAME.in         the native payload, byte for byte (GBK, Big5, ...)
//	NAME.want.json  the expected decode: {"batch": v1 batch, "rejected": [...]}
//	NAME.err        or: a fragment of the expected payload-level error
//
// Each rejected entry in NAME.want.json has index, optional ref, field and
// stage, and "error", a fragment of the message. Run
// `go test ./adapters/... -update` to rewrite .want.json files from the
// current output, then review the diff.
package adaptertest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/schema"
)

var update = flag.Bool("update", false, "rewrite golden .want.json files from current output")

// Key is the federation key of every golden file. It is a fixed test value so
// that pseudonyms in golden files are stable; it protects nothing.
var Key = []byte("codefed-golden-test-key-v1")

// Subjects returns a Pseudonymizer over Key.
func Subjects(t testing.TB) *schema.Pseudonymizer {
	t.Helper()
	p, err := schema.NewPseudonymizer(Key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Rejection is the golden form of a RecordError.
type Rejection struct {
	Index int    `json:"index"`
	Ref   string `json:"ref,omitempty"`
	Field string `json:"field,omitempty"`
	Stage string `json:"stage,omitempty"`
	Error string `json:"error"`
}

// Want is the content of a .want.json file.
type Want struct {
	Batch    schema.Batch `json:"batch"`
	Rejected []Rejection  `json:"rejected"`
}

// Golden runs every case in dir (usually "testdata/golden") as a subtest.
// opts.Subjects defaults to Subjects(t).
func Golden(t *testing.T, a adapters.Adapter, dir string, opts adapters.DecodeOptions) {
	t.Helper()
	if opts.Subjects == nil {
		opts.Subjects = Subjects(t)
	}
	inputs, err := filepath.Glob(filepath.Join(dir, "*.in"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatalf("no golden cases in %s", dir)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			base := strings.TrimSuffix(in, ".in")
			res, derr := a.Decode(raw, opts)
			if frag, err := os.ReadFile(base + ".err"); err == nil {
				want := strings.TrimSpace(string(frag))
				if derr == nil {
					t.Fatalf("decode succeeded, want error containing %q", want)
				}
				if !strings.Contains(derr.Error(), want) {
					t.Fatalf("error %q does not contain %q", derr, want)
				}
				return
			}
			if derr != nil {
				t.Fatalf("decode: %v", derr)
			}
			got := Want{Batch: res.Batch, Rejected: rejections(res.Rejected)}
			wantPath := base + ".want.json"
			if *update {
				b, err := json.MarshalIndent(got, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(wantPath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wb, err := os.ReadFile(wantPath)
			if err != nil {
				t.Fatalf("read %s (run with -update to create it): %v", wantPath, err)
			}
			var want Want
			if err := json.Unmarshal(wb, &want); err != nil {
				t.Fatalf("parse %s: %v", wantPath, err)
			}
			CompareBatch(t, &want.Batch, &res.Batch)
			compareRejections(t, want.Rejected, got.Rejected)
			for _, st := range res.Batch.Statuses {
				AssertNoPII(t, raw, st)
			}
		})
	}
}

func rejections(errs []adapters.RecordError) []Rejection {
	out := make([]Rejection, len(errs))
	for i, e := range errs {
		out[i] = Rejection{Index: e.Index, Ref: e.Ref, Field: e.Field, Stage: e.Stage, Error: e.Err.Error()}
	}
	return out
}

func compareRejections(t *testing.T, want, got []Rejection) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("%d rejected records, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Index != g.Index || w.Ref != g.Ref || w.Field != g.Field || w.Stage != g.Stage || !strings.Contains(g.Error, w.Error) {
			t.Errorf("rejected[%d] = %+v, want %+v (error as a fragment)", i, g, w)
		}
	}
}

// CompareBatch fails the test unless got equals want as JSON, with records
// compared in order.
func CompareBatch(t testing.TB, want, got *schema.Batch) {
	t.Helper()
	wb, gb := canonical(t, want), canonical(t, got)
	if !bytes.Equal(wb, gb) {
		t.Fatalf("batch differs\n got: %s\nwant: %s", gb, wb)
	}
}

func canonical(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// Round-trip through a generic value so that key order and empty/nil
	// slices compare equal.
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	g = dropEmpty(g)
	b, err = json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func dropEmpty(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			if a, ok := e.([]any); ok && len(a) == 0 {
				delete(x, k)
				continue
			}
			x[k] = dropEmpty(e)
		}
	case []any:
		for i := range x {
			x[i] = dropEmpty(x[i])
		}
	}
	return v
}

// Expected returns the statuses and events that decoding people should
// yield: the people's own records with Subject set to their pseudonym.
// Adapters adjust the result for what their format cannot carry.
func Expected(t testing.TB, subjects *schema.Pseudonymizer, people []adapters.Person) ([]schema.Status, []schema.Event) {
	t.Helper()
	var sts []schema.Status
	var evs []schema.Event
	for _, p := range people {
		subj, err := subjects.Subject(p.DocType, p.DocNumber)
		if err != nil {
			t.Fatalf("person %s: %v", p.Name, err)
		}
		for _, s := range p.Statuses {
			s.Subject = subj
			sts = append(sts, s)
		}
		for _, e := range p.Events {
			e.Subject = subj
			evs = append(evs, e)
		}
	}
	return sts, evs
}

// RoundTrip encodes people, decodes the payload, and checks that nothing was
// rejected and that the statuses and events equal want (compared as sets, in
// canonical JSON).
func RoundTrip(t testing.TB, a adapters.Adapter, people []adapters.Person, eopts adapters.EncodeOptions, dopts adapters.DecodeOptions, wantStatuses []schema.Status, wantEvents []schema.Event) {
	t.Helper()
	raw, err := a.Encode(people, eopts)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	if dopts.Subjects == nil {
		dopts.Subjects = Subjects(t)
	}
	res, err := a.Decode(raw, dopts)
	if err != nil {
		t.Fatalf("decode of encoded payload: %v", err)
	}
	for _, r := range res.Rejected {
		t.Errorf("encoded record rejected: %v", r)
	}
	equalSets(t, "statuses", toJSONSet(t, wantStatuses), toJSONSet(t, res.Batch.Statuses))
	equalSets(t, "events", toJSONSet(t, wantEvents), toJSONSet(t, res.Batch.Events))
	decoded := canonical(t, res.Batch)
	for _, p := range people {
		if p.DocNumber != "" && bytes.Contains(decoded, []byte(p.DocNumber)) {
			t.Errorf("decoded batch contains a raw document number")
		}
		if p.Name != "" && bytes.Contains(decoded, []byte(p.Name)) {
			t.Errorf("decoded batch contains a person's name")
		}
	}
}

func toJSONSet[T any](t testing.TB, xs []T) []string {
	t.Helper()
	out := make([]string, len(xs))
	for i := range xs {
		out[i] = string(canonical(t, xs[i]))
	}
	sort.Strings(out)
	return out
}

func equalSets(t testing.TB, what string, want, got []string) {
	t.Helper()
	if len(want) != len(got) {
		t.Errorf("%s: got %d records, want %d", what, len(got), len(want))
	}
	for i := 0; i < len(want) && i < len(got); i++ {
		if want[i] != got[i] {
			t.Errorf("%s differ:\n got: %s\nwant: %s", what, got[i], want[i])
			return
		}
	}
}

// AssertNoPII fails if a status carries a raw resident ID found in the
// native payload: an 18-character run that is a valid GB 11643 number (so a
// long record number is not mistaken for one).
func AssertNoPII(t testing.TB, raw []byte, st schema.Status) {
	t.Helper()
	b := canonical(t, st)
	for _, id := range residentIDsIn(raw) {
		if bytes.Contains(b, []byte(id)) {
			t.Errorf("decoded status carries a raw resident ID")
		}
	}
}

func residentIDsIn(raw []byte) []string {
	var out []string
	run := 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && (raw[i] >= '0' && raw[i] <= '9' || raw[i] == 'X' && run == 17) {
			run++
			continue
		}
		if run == 18 {
			id := string(raw[i-18 : i])
			if _, err := schema.NormalizeDocument(schema.DocResidentID, id); err == nil {
				out = append(out, id)
			}
		}
		run = 0
	}
	return out
}

// Fuzz decodes arbitrary input and checks the contract holds: no panic, a
// payload error or a result, and every kept record schema-valid.
func Fuzz(t *testing.T, a adapters.Adapter, opts adapters.DecodeOptions, raw []byte) {
	if opts.Subjects == nil {
		opts.Subjects = Subjects(t)
	}
	res, err := a.Decode(raw, opts)
	if err != nil {
		if res != nil {
			t.Fatalf("decode returned both a result and error %v", err)
		}
		return
	}
	for _, e := range schema.ValidateBatch(&res.Batch) {
		t.Fatalf("decode kept an invalid record: %v", e)
	}
	for _, r := range res.Rejected {
		if r.Err == nil {
			t.Fatalf("rejection without an error: %+v", r)
		}
	}
}

// FuzzGolden fuzzes a's Decode (see Fuzz), seeded with the golden inputs
// in dir.
func FuzzGolden(f *testing.F, a adapters.Adapter, dir string, opts adapters.DecodeOptions) {
	SeedCorpus(f, dir)
	f.Fuzz(func(t *testing.T, b []byte) {
		Fuzz(t, a, opts, b)
	})
}

// SeedCorpus adds every golden input in dir to f.
func SeedCorpus(f *testing.F, dir string) {
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.in"))
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// Registered fails unless an adapter of a's type is registered under a's
// ID, and returns it.
func Registered(t *testing.T, a adapters.Adapter) adapters.Adapter {
	t.Helper()
	got, ok := adapters.Lookup(a.ID())
	if !ok {
		t.Fatalf("%s is not registered", a.ID())
	}
	if reflect.TypeOf(got) != reflect.TypeOf(a) {
		t.Fatalf("registered adapter is %T, want %T", got, a)
	}
	return got
}
