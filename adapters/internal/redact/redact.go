// Package redact decides how much of a native value an error message may
// repeat. Rejections and warnings reach logs and API responses, and a value
// in the wrong field may be a document number, a phone number or a name, so
// a value is quoted only when it cannot be one and is otherwise described by
// its length.
//
// Formats choose among these rules: Code, for fields that hold short ASCII
// codes or labels, where anything else is suspect; Time, for fields that
// hold a date or time; Int and Float, for numbers; and UnlessID, for free
// text from outside where only a run that could be a number is suspect.
// UnlessID lets names through, so a field whose value is a code, label,
// time or number uses one of the others: a name or document put in the
// wrong field must not be repeated. A field that holds names of places has
// no rule: a person's name may stand in it, or inside a place name (陕西省
// 张伟市), so it is described with Length.
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

// Time quotes v when it can only be a date or time: ASCII digits and the
// separators layouts use (- : / . space T Z +), each run of digits either
// at most eight long (yyyyMMdd) or a compact yyyyMMddHHmm[ss] of 12 or 14
// digits starting with 20, which neither a resident ID number (whose
// division code never starts 20) nor a phone number does. Any other run
// could be a phone or document number, and letters or Chinese characters
// could be a name, so such a value is described by its length; so is one
// of more than 32 bytes.
func Time(v string) string {
	if len(v) > 32 {
		return lengthOnly(v)
	}
	for rest := v; rest != ""; {
		i := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if i < 0 {
			i = len(rest)
		}
		if run := rest[:i]; len(run) > 8 && !((len(run) == 12 || len(run) == 14) && strings.HasPrefix(run, "20")) {
			return lengthOnly(v)
		}
		rest = rest[i:]
		if rest != "" {
			if strings.IndexByte("-:/. TZ+", rest[0]) < 0 {
				return lengthOnly(v)
			}
			rest = rest[1:]
		}
	}
	return strconv.Quote(v)
}

// Int prints n when it has at most five digits, as codes and counts do;
// a longer number, which could be a phone or document number written as a
// JSON number, is described by its width.
func Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	if d := len(strings.TrimPrefix(s, "-")); d > 5 {
		return fmt.Sprintf("(%d digits, not shown)", d)
	}
	return s
}

// Float prints v when it is below 1000 in magnitude, as coordinates are; a
// larger number, which could be a phone or document number written where
// a coordinate belongs, is not shown.
func Float(v float64) string {
	if v > -1000 && v < 1000 {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "(a number of 1000 or more, not shown)"
}

// Length describes v by its length only.
func Length(v string) string { return lengthOnly(v) }

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
