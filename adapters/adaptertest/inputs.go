package adaptertest

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
)

// GoldenInputs keeps each testdata/golden/NAME.in of a format whose payloads
// are not UTF-8 equal to its readable source testdata/src/NAME.txt, encoded
// by encodings[""]. A source NAME.X.txt is encoded by encodings[".X"]
// instead, and NAME.utf8.txt is copied as UTF-8. In a source, \xNN stands
// for the raw byte NN, \r for a carriage return and \\ for a backslash.
// With -update the .in files are rewritten.
func GoldenInputs(t *testing.T, encodings map[string]encoding.Encoding) {
	t.Helper()
	srcs, err := filepath.Glob("testdata/src/*.txt")
	if err != nil || len(srcs) == 0 {
		t.Fatalf("no golden sources: %v", err)
	}
	for _, src := range srcs {
		name := strings.TrimSuffix(filepath.Base(src), ".txt")
		ext := filepath.Ext(name)
		name = strings.TrimSuffix(name, ext)
		var enc encoding.Encoding
		if ext != ".utf8" {
			var ok bool
			if enc, ok = encodings[ext]; !ok {
				t.Errorf("%s: no encoding for %q sources", src, ext)
				continue
			}
		}
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		want, err := EncodeSource(string(text), enc)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		in := filepath.Join("testdata/golden", name+".in")
		if *update {
			if err := os.WriteFile(in, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(in)
		if err != nil {
			t.Fatalf("%v (run with -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not %s encoded (run with -update)", in, src)
		}
	}
}

// EncodeSource writes the text of a source, as GoldenInputs reads it, in
// enc (as it is when enc is nil), and its escapes as the bytes they stand
// for.
func EncodeSource(s string, enc encoding.Encoding) ([]byte, error) {
	var e *encoding.Encoder
	if enc != nil {
		e = enc.NewEncoder()
	}
	var out, text []byte
	flush := func() error {
		if e != nil && len(text) > 0 {
			b, err := e.Bytes(text)
			if err != nil {
				return fmt.Errorf("%q: %w", text, err)
			}
			out = append(out, b...)
		} else {
			out = append(out, text...)
		}
		text = text[:0]
		return nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			text = append(text, s[i])
			continue
		}
		switch s[i+1] {
		case 'r':
			text = append(text, '\r')
			i++
		case '\\':
			text = append(text, '\\')
			i++
		case 'x':
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad escape at %d: %w", i, err)
			}
			if err := flush(); err != nil {
				return nil, err
			}
			out = append(out, byte(v))
			i += 3
		default:
			text = append(text, s[i])
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return out, nil
}
