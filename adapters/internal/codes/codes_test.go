package codes

import "testing"

func TestFor(t *testing.T) {
	docTypes := map[string]string{"01": "resident_id", "02": "passport"}
	if code, ok := For(docTypes, "passport"); !ok || code != "02" {
		t.Errorf("For(passport) = %q, %v", code, ok)
	}
	if code, ok := For(docTypes, "hkid"); ok || code != "" {
		t.Errorf("For(hkid) = %q, %v, want no code", code, ok)
	}
	byte0 := map[byte]int{'1': 1, '2': 2}
	if code, ok := For(byte0, 2); !ok || code != '2' {
		t.Errorf("For(2) = %q, %v", code, ok)
	}
}

func TestForFunc(t *testing.T) {
	type color struct{ color, label string }
	colors := map[string]color{"0": {"green", "绿码"}, "2": {"red", "红码"}}
	red := func(c color) bool { return c.color == "red" }
	if code, ok := ForFunc(colors, red); !ok || code != "2" {
		t.Errorf("ForFunc(red) = %q, %v", code, ok)
	}
	yellow := func(c color) bool { return c.color == "yellow" }
	if code, ok := ForFunc(colors, yellow); ok || code != "" {
		t.Errorf("ForFunc(yellow) = %q, %v, want no code", code, ok)
	}
}

func TestInvert(t *testing.T) {
	got := Invert(map[string]string{"01": "resident_id", "02": "passport"})
	if len(got) != 2 || got["resident_id"] != "01" || got["passport"] != "02" {
		t.Errorf("Invert = %v", got)
	}
}

func TestDigitsAndRegion(t *testing.T) {
	for _, tt := range []struct {
		s              string
		digits, region bool
	}{
		{"", true, false},
		{"610100", true, true},
		{"610113001", true, true},
		{"6101", true, false},
		{"6101000", true, false},
		{"61010x", false, false},
		{"６１０１００", false, false}, // full-width digits are not ASCII
	} {
		if got := Digits(tt.s); got != tt.digits {
			t.Errorf("Digits(%q) = %v", tt.s, got)
		}
		if got := Region(tt.s); got != tt.region {
			t.Errorf("Region(%q) = %v", tt.s, got)
		}
	}
}

func TestID(t *testing.T) {
	long := make([]byte, 129)
	for i := range long {
		long[i] = 'a'
	}
	for _, tt := range []struct {
		s  string
		ok bool
	}{
		{"R1", true},
		{"JKB-2022/01#7~", true},
		{"", false},
		{"R 1", false},
		{"R\t1", false},
		{"记录1", false},
		{string(long[:128]), true},
		{string(long), false},
	} {
		if got := ID(tt.s); got != tt.ok {
			t.Errorf("ID(%q) = %v", tt.s, got)
		}
	}
}
