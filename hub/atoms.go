package hub

import (
	"encoding/binary"

	"github.com/codefed/codefed/schema"
)

// atoms interns a small vocabulary (source systems, reporting regions) as
// uint32 codes, so that each of millions of events stores 4 bytes instead of
// a 16-byte string header. Codes are private to a replica: one restored from
// a snapshot numbers them in its own order, so codes never leave the state
// and never decide an order; the digest, snapshots, sorting and answers all
// use the strings.
type atoms struct {
	codes map[string]uint32
	names []string // append-only: a snapshot may keep reading an old prefix
}

func newAtoms() *atoms { return &atoms{codes: map[string]uint32{}} }

func (a *atoms) code(s string) uint32 {
	if c, ok := a.codes[s]; ok {
		return c
	}
	c := uint32(len(a.names))
	a.names = append(a.names, s)
	a.codes[s] = c
	return c
}

func (a *atoms) name(c uint32) string { return a.names[c] }

// source is the pair an event's provenance is interned as.
type source struct{ system, region string }

// sources interns (source system, reporting region) pairs the same way.
type sources struct {
	codes map[source]uint32
	names []source // append-only
}

func newSources() *sources { return &sources{codes: map[source]uint32{}} }

func (a *sources) code(system, region string) uint32 {
	k := source{system, region}
	if c, ok := a.codes[k]; ok {
		return c
	}
	c := uint32(len(a.names))
	a.names = append(a.names, k)
	a.codes[k] = c
	return c
}

func (a *sources) system(c uint32) string { return a.names[c].system }
func (a *sources) region(c uint32) string { return a.names[c].region }

// lists interns string lists (a status's reasons); code 0 is the nil list,
// so an absent list and an empty one stay distinct. The interned slices are
// shared by every status that uses them and must not be modified.
type lists struct {
	codes map[string]uint32
	lists [][]string // append-only
}

func newLists() *lists { return &lists{codes: map[string]uint32{}, lists: [][]string{nil}} }

func (l *lists) code(v []string) uint32 {
	if v == nil {
		return 0
	}
	key := make([]byte, 0, 32)
	key = binary.AppendUvarint(key, uint64(len(v))) // [] is not [""]
	for _, x := range v {
		key = binary.AppendUvarint(key, uint64(len(x)))
		key = append(key, x...)
	}
	if c, ok := l.codes[string(key)]; ok {
		return c
	}
	c := uint32(len(l.lists))
	l.lists = append(l.lists, append([]string{}, v...))
	l.codes[string(key)] = c
	return c
}

func (l *lists) list(c uint32) []string { return l.lists[c] }

// locals interns a status's local label and code; code 0 is nil. The
// interned values are shared and must not be modified.
type locals struct {
	codes map[schema.Local]uint32
	vals  []*schema.Local // append-only
}

func newLocals() *locals {
	return &locals{codes: map[schema.Local]uint32{}, vals: []*schema.Local{nil}}
}

func (l *locals) code(v *schema.Local) uint32 {
	if v == nil {
		return 0
	}
	if c, ok := l.codes[*v]; ok {
		return c
	}
	c := uint32(len(l.vals))
	cp := *v
	l.vals = append(l.vals, &cp)
	l.codes[cp] = c
	return c
}

func (l *locals) local(c uint32) *schema.Local { return l.vals[c] }

// Event kinds are a closed set (the schema admits five), coded in a byte.
var kindNames = []string{schema.KindVenueScan, schema.KindTransit, schema.KindCheckpoint, schema.KindCarrierCity, schema.KindStay}

const kindCarrierCity = 3

func kindCode(kind string) (uint8, bool) {
	for i, k := range kindNames {
		if k == kind {
			return uint8(i), true
		}
	}
	return 0, false
}

// insertAt inserts v at index i. When the slice is full it grows by an
// eighth rather than doubling: these slices (a subject's events, a place's
// visits) are many and long-lived, and doubling would leave up to half of
// each unused.
func insertAt[T any](s []T, i int, v T) []T {
	if len(s) == cap(s) {
		grown := make([]T, len(s), len(s)+len(s)/8+1)
		copy(grown, s)
		s = grown
	}
	s = s[:len(s)+1]
	copy(s[i+1:], s[i:])
	s[i] = v
	return s
}
