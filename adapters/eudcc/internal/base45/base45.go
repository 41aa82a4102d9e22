// Package base45 implements the Base45 data encoding of RFC 9285, the
// encoding EU Digital COVID Certificates use to fit binary data into the
// alphanumeric mode of a QR code.
//
// Two bytes become three characters of the 45-character alphabet
// "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", least significant digit
// first; a trailing single byte becomes two characters. Decode is strict:
// it rejects characters outside the alphabet (lower-case letters included),
// a trailing single character, and triples or pairs whose value does not
// fit the bytes they stand for.
package base45

import (
	"strconv"
	"strings"
)

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// decodeMap maps a character to its value, or 0xFF for a character outside
// the alphabet.
var decodeMap = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xFF
	}
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// CorruptInputError reports the offset of the character group at which
// the input stops being valid Base45.
type CorruptInputError struct {
	Offset int
	Reason string
}

func (e CorruptInputError) Error() string {
	return "illegal base45 data at input byte " + strconv.Itoa(e.Offset) + ": " + e.Reason
}

// EncodedLen returns the length of the Base45 encoding of n bytes.
func EncodedLen(n int) int { return n/2*3 + n%2*2 }

// DecodedLen returns the number of bytes that n characters decode to, or -1
// when no valid Base45 string has length n.
func DecodedLen(n int) int {
	if n%3 == 1 {
		return -1
	}
	return n/3*2 + n%3/2
}

// Encode returns the Base45 encoding of src.
func Encode(src []byte) string {
	var b strings.Builder
	b.Grow(EncodedLen(len(src)))
	for len(src) >= 2 {
		n := int(src[0])<<8 | int(src[1])
		b.WriteByte(alphabet[n%45])
		b.WriteByte(alphabet[n/45%45])
		b.WriteByte(alphabet[n/(45*45)])
		src = src[2:]
	}
	if len(src) == 1 {
		n := int(src[0])
		b.WriteByte(alphabet[n%45])
		b.WriteByte(alphabet[n/45])
	}
	return b.String()
}

// Decode returns the bytes that the Base45 string s represents.
func Decode(s string) ([]byte, error) {
	if DecodedLen(len(s)) < 0 {
		return nil, CorruptInputError{len(s) - 1, "a single trailing character encodes nothing"}
	}
	out := make([]byte, 0, DecodedLen(len(s)))
	for i := 0; i < len(s); i += 3 {
		group := s[i:min(i+3, len(s))]
		n := 0
		for j := len(group) - 1; j >= 0; j-- {
			d := decodeMap[group[j]]
			if d == 0xFF {
				return nil, CorruptInputError{i + j, "character outside the base45 alphabet"}
			}
			n = n*45 + int(d)
		}
		if len(group) == 3 {
			if n > 0xFFFF {
				return nil, CorruptInputError{i, "triple exceeds 65535"}
			}
			out = append(out, byte(n>>8), byte(n))
		} else {
			if n > 0xFF {
				return nil, CorruptInputError{i, "pair exceeds 255"}
			}
			out = append(out, byte(n))
		}
	}
	return out, nil
}
