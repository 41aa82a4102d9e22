package regionsim

import (
	"fmt"
	"strings"
)

// Defect is a deliberate departure from RIS/1 that a simulator can be told
// to make, so that the conformance suite can be shown to catch it.
type Defect string

// The defects a simulator can make, and the requirement each breaks.
const (
	// WrongTimezone writes every time as the UTC wall clock labelled as
	// local time: values shifted by the region's offset (RIS-DATA-02).
	WrongTimezone Defect = "wrong-timezone"
	// MissingField leaves the document number out of some persons' records,
	// so that the format's adapter rejects them (RIS-FEED-01).
	MissingField Defect = "missing-field"
	// BadColourCode writes the code of another colour for some persons,
	// fixture persons included (RIS-DATA-03).
	BadColourCode Defect = "bad-colour-code"
	// DuplicateRecords makes each next page repeat the last person of the
	// page before (RIS-FEED-02).
	DuplicateRecords Defect = "duplicate-records"
	// CursorGap makes each next cursor skip a person (RIS-FEED-03).
	CursorGap Defect = "cursor-gap"
	// UnstableOrder returns the persons of a page in a different order on
	// each request for the same cursor (RIS-FEED-04).
	UnstableOrder Defect = "unstable-order"
	// Slow answers every feed and status request after 1.5 times the
	// latency objective (RIS-LOAD-01).
	Slow Defect = "slow"
	// Overload answers 503 without Retry-After above twice the declared
	// peak rate instead of 429 (RIS-LOAD-02).
	Overload Defect = "overload"
	// NoAuth serves every endpoint without checking the token
	// (RIS-AUTH-01, RIS-AUTH-02).
	NoAuth Defect = "no-auth"
)

var defects = []struct {
	d    Defect
	desc string
}{
	{WrongTimezone, "times written as the UTC wall clock labelled as local time (breaks RIS-DATA-02)"},
	{MissingField, "some persons' records lack their document number, so decoding rejects them (breaks RIS-FEED-01)"},
	{BadColourCode, "some persons, fixture persons included, carry the code of another colour (breaks RIS-DATA-03)"},
	{DuplicateRecords, "each next page repeats the last person of the page before (breaks RIS-FEED-02)"},
	{CursorGap, "each next cursor skips a person (breaks RIS-FEED-03)"},
	{UnstableOrder, "the same cursor returns its persons in a different order each time (breaks RIS-FEED-04)"},
	{Slow, "feed and status answers take 1.5x the latency objective (breaks RIS-LOAD-01)"},
	{Overload, "above 2x the declared peak rate, answers 503 instead of 429 (breaks RIS-LOAD-02)"},
	{NoAuth, "no bearer token is checked (breaks RIS-AUTH-01 and RIS-AUTH-02)"},
}

// Defects lists every defect in a stable order.
func Defects() []Defect {
	out := make([]Defect, len(defects))
	for i, d := range defects {
		out[i] = d.d
	}
	return out
}

// Describe is one line on what a defect does and the requirement it breaks,
// or "" for an unknown defect.
func (d Defect) Describe() string {
	for _, x := range defects {
		if x.d == d {
			return x.desc
		}
	}
	return ""
}

// ParseDefect returns the defect named s.
func ParseDefect(s string) (Defect, error) {
	d := Defect(strings.TrimSpace(s))
	if d.Describe() == "" {
		names := make([]string, len(defects))
		for i, x := range defects {
			names[i] = string(x.d)
		}
		return "", fmt.Errorf("unknown defect %q (want one of %s)", s, strings.Join(names, ", "))
	}
	return d, nil
}
