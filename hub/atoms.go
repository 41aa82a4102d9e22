package hub

import "github.com/codefed/codefed/schema"

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
