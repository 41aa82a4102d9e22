// Package codes checks the shape of native codes and looks them up by the
// v1 value they stand for. Adapters decode through tables from native code
// to v1 value; Encode goes the other way through the same tables, so that
// the two directions cannot drift apart.
//
// A table that maps two codes to one value yields either of them, in map
// order: tables an adapter encodes through should map one code to a value.
package codes

// Digits reports whether s holds ASCII digits only ("" does).
func Digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ID reports whether s can be an identifier in v1 (a record, place or
// batch ID): 1 to 128 printable ASCII characters.
func ID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// Region reports whether s has the shape of a GB/T 2260 division code: six
// digits, or nine for a township. It does not look the code up.
func Region(s string) bool {
	return (len(s) == 6 || len(s) == 9) && Digits(s)
}

// For returns a key that m maps to v.
func For[K, V comparable](m map[K]V, v V) (K, bool) {
	for k, mv := range m {
		if mv == v {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// ForFunc returns a key whose value in m satisfies match, for tables whose
// values carry more than the v1 value.
func ForFunc[K comparable, V any](m map[K]V, match func(V) bool) (K, bool) {
	for k, mv := range m {
		if match(mv) {
			return k, true
		}
	}
	var zero K
	return zero, false
}

// Invert returns a table from m's values to its keys, for an adapter that
// encodes through m often enough to want the lookup at hand.
func Invert[K, V comparable](m map[K]V) map[V]K {
	out := make(map[V]K, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}
