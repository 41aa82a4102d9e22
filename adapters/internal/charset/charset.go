// Package charset holds the byte checks shared by adapters of formats
// written in a national legacy encoding (GB18030, GBK, Big5) rather than
// UTF-8.
package charset

import "unicode/utf8"

// ASCII reports whether b is plain ASCII, which reads the same in every
// encoding these formats use, so it needs no decoding.
func ASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// WrittenInUTF8 reports whether b, meant to be in a legacy encoding, was
// written in UTF-8 instead: it is valid UTF-8 and not plain ASCII. Chinese
// text in GB18030, GBK or Big5 is almost never valid UTF-8.
func WrittenInUTF8(b []byte) bool {
	return utf8.Valid(b) && !ASCII(b)
}
