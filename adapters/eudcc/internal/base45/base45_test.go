package base45

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// The examples of RFC 9285, sections 4.3 and 4.4.
var rfcExamples = []struct{ raw, enc string }{
	{"AB", "BB8"},
	{"Hello!!", "%69 VD92EX0"},
	{"base-45", "UJCLQE7W581"},
	{"ietf!", "QED8WEX0"},
	{"", ""},
}

func TestRFCExamples(t *testing.T) {
	for _, ex := range rfcExamples {
		if got := Encode([]byte(ex.raw)); got != ex.enc {
			t.Errorf("Encode(%q) = %q, want %q", ex.raw, got, ex.enc)
		}
		got, err := Decode(ex.enc)
		if err != nil {
			t.Errorf("Decode(%q): %v", ex.enc, err)
			continue
		}
		if string(got) != ex.raw {
			t.Errorf("Decode(%q) = %q, want %q", ex.enc, got, ex.raw)
		}
	}
}

func TestBoundaries(t *testing.T) {
	for _, tc := range []struct {
		raw []byte
		enc string
	}{
		{[]byte{0x00}, "00"},
		{[]byte{0xFF}, "U5"}, // 255 = 30 + 5*45
		{[]byte{0x00, 0x00}, "000"},
		{[]byte{0xFF, 0xFF}, "FGW"}, // 65535 = 15 + 16*45 + 32*2025
	} {
		if got := Encode(tc.raw); got != tc.enc {
			t.Errorf("Encode(% x) = %q, want %q", tc.raw, got, tc.enc)
		}
		got, err := Decode(tc.enc)
		if err != nil || !bytes.Equal(got, tc.raw) {
			t.Errorf("Decode(%q) = % x, %v; want % x", tc.enc, got, err, tc.raw)
		}
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct {
		in     string
		offset int
	}{
		{"GGW", 0},        // 65536: one past the largest triple (RFC 9285 section 6)
		{"ZZZ", 0},        // 91124
		{"V5", 0},         // 256 in a trailing pair
		{"BB8A", 3},       // a single trailing character
		{"A", 0},          // a single character
		{"bb8", 1},        // lower case is not in the alphabet (digits are read last first)
		{"BB8B_8", 4},     // underscore
		{"BB8\nB8", 3},    // a line break inside the data
		{"BB8" + "é", 4},  // the second byte of a UTF-8 sequence
		{"BB8" + "éA", 4}, // non-ASCII bytes
	} {
		_, err := Decode(tc.in)
		var ce CorruptInputError
		if !errors.As(err, &ce) {
			t.Errorf("Decode(%q) error = %v, want CorruptInputError", tc.in, err)
			continue
		}
		if ce.Offset != tc.offset {
			t.Errorf("Decode(%q) offset = %d, want %d (%v)", tc.in, ce.Offset, tc.offset, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 300; n++ {
		src := make([]byte, n)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		enc := Encode(src)
		if len(enc) != EncodedLen(n) {
			t.Fatalf("len(Encode(%d bytes)) = %d, want %d", n, len(enc), EncodedLen(n))
		}
		if DecodedLen(len(enc)) != n {
			t.Fatalf("DecodedLen(%d) = %d, want %d", len(enc), DecodedLen(len(enc)), n)
		}
		got, err := Decode(enc)
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("round trip of %d bytes failed: %v", n, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, ex := range rfcExamples {
		f.Add(ex.enc)
	}
	f.Add("GGW")
	f.Fuzz(func(t *testing.T, s string) {
		b, err := Decode(s)
		if err != nil {
			return
		}
		// Every accepted string is the one canonical encoding of its bytes.
		if enc := Encode(b); enc != s {
			t.Fatalf("Decode(%q) = % x, which encodes to %q", s, b, enc)
		}
	})
}
