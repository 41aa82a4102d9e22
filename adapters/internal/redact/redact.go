// Package redact decides how much of a native value an error message may
// repeat. Rejections and warnings reach logs and API responses, and a value
// in the wrong field may be a document number, a phone number or a name, so
// a value is quoted only when it cannot be one and is otherwise described by
// its length.
//
// Formats choose between two rules: Code, for fields that hold short ASCII
// codes, where anything else is suspect; and UnlessID, for fields whose
// values may be free text, where only a run that could be a number is.
package redact

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Code quotes v when it cannot be personal data: short ASCII with few
// digits, as codes are. Anything else (which might be a name or a document
// number in the wrong field) is described by its length only.
func Code(v string) string {
	digits := 0
	for i := 0; i < len(v); i++ {
		if v[i] >= utf8.RuneSelf {
			return lengthOnly(v)
		}
		if v[i] >= '0' && v[i] <= '9' {
			digits++
		}
	}
	if len(v) > 16 || digits > 5 {
		return lengthOnly(v)
	}
	return strconv.Quote(v)
}

// UnlessID quotes v unless it could be a document or phone number put in
// the wrong field: a value with a run of seven or more ASCII letters and
// digits, four of them digits, is described by its length only.
func UnlessID(v string) string {
	run, nums := 0, 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case c >= '0' && c <= '9':
			run, nums = run+1, nums+1
		case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
			run++
		default:
			run, nums = 0, 0
		}
		if run >= 7 && nums >= 4 {
			return lengthOnly(v)
		}
	}
	return strconv.Quote(v)
}

func lengthOnly(v string) string {
	if n := utf8.RuneCountInString(v); n != 1 {
		return fmt.Sprintf("(%d characters, not shown)", n)
	}
	return "(1 character, not shown)"
}

// Message hides every run of ASCII letters and digits that holds six digits
// or more in free text from outside, such as an upstream platform's error
// message: it may quote the document or phone number it failed on.
func Message(msg string) string {
	var out strings.Builder
	for len(msg) > 0 {
		i := strings.IndexFunc(msg, isAlnum)
		if i < 0 {
			out.WriteString(msg)
			break
		}
		out.WriteString(msg[:i])
		msg = msg[i:]
		j := strings.IndexFunc(msg, func(r rune) bool { return !isAlnum(r) })
		if j < 0 {
			j = len(msg)
		}
		if word := msg[:j]; digitCount(word) >= 6 {
			out.WriteString("***")
		} else {
			out.WriteString(word)
		}
		msg = msg[j:]
	}
	return out.String()
}

func isAlnum(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
}

func digitCount(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		}
	}
	return n
}

// Clip keeps a message bounded when a field holds garbage: it cuts s to n
// characters and marks the cut with an ellipsis.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
