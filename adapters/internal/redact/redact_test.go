package redact

import "testing"

func TestCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"01", `"01"`},
		{"PLACE", `"PLACE"`},
		{"", `""`},
		{"A12345", `"A12345"`},
		{"A123456", "(7 characters, not shown)"}, // six digits: could be part of a number
		{"ABCDEFGHIJKLMNOPQ", "(17 characters, not shown)"}, // too long for a code
		{"绿", "(1 character, not shown)"},                   // not ASCII: could be a name
		{"张三", "(2 characters, not shown)"},
		{"110105198503170028", "(18 characters, not shown)"},
	}
	for _, tt := range tests {
		if got := Code(tt.in); got != tt.want {
			t.Errorf("Code(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2022-01-04 10:00:00", `"2022-01-04 10:00:00"`},
		{"20220104", `"20220104"`},
		{"2022-13-01", `"2022-13-01"`}, // wrong but harmless
		{"", `""`},
		{"202201041000", `"202201041000"`},     // yyyyMMddHHmm
		{"20220132090000", `"20220132090000"`}, // yyyyMMddHHmmss
		{"2022010410", "(10 characters, not shown)"},
		{"1641258000000", "(13 characters, not shown)"},
		{"20220104100000000", "(17 characters, not shown)"},
		{"19912345678", "(11 characters, not shown)"},
		{"610105198503170028", "(18 characters, not shown)"},
		{"13800138000", "(11 characters, not shown)"},
		{"110105198503170028", "(18 characters, not shown)"},
		{"张三", "(2 characters, not shown)"},
		{"E12345678", "(9 characters, not shown)"},
		{"yesterday", "(9 characters, not shown)"},
	}
	for _, tt := range tests {
		if got := Time(tt.in); got != tt.want {
			t.Errorf("Time(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{4, "4"},
		{-1, "-1"},
		{99999, "99999"},
		{-99999, "-99999"},
		{13800138000, "(11 digits, not shown)"},
		{-110105198503170028, "(18 digits, not shown)"},
	}
	for _, tt := range tests {
		if got := Int(tt.in); got != tt.want {
			t.Errorf("Int(%d) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{117.2, "117.2"},
		{-39.125, "-39.125"},
		{999.5, "999.5"},
		{13800138000, "(a number of 1000 or more, not shown)"},
		{-1000, "(a number of 1000 or more, not shown)"},
	}
	for _, tt := range tests {
		if got := Float(tt.in); got != tt.want {
			t.Errorf("Float(%g) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestUnlessID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"990", `"990"`},
		{"和平区", `"和平区"`},
		{"2022-01-04 10:00", `"2022-01-04 10:00"`}, // runs are cut by separators
		{"ABCDEFGHIJ", `"ABCDEFGHIJ"`},             // letters only
		{"ABC1234", "(7 characters, not shown)"},
		{"13800138000", "(11 characters, not shown)"},
		{"身份证110105198503170028", "(21 characters, not shown)"},
		{"123456", `"123456"`}, // shorter than any document number
	}
	for _, tt := range tests {
		if got := UnlessID(tt.in); got != tt.want {
			t.Errorf("UnlessID(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMessage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"system busy", "system busy"},
		{"证件号110105198503170028查询失败", "证件号***查询失败"},
		{"phone 13800138000, retry 3 times", "phone ***, retry 3 times"},
		{"code E12345 at 12:00", "code E12345 at 12:00"},
		{"ID A1B2C3D4E5F6", "ID ***"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Message(tt.in); got != tt.want {
			t.Errorf("Message(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClip(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 24, "short"},
		{"abcdef", 6, "abcdef"},
		{"abcdefg", 6, "abcdef…"},
		{"绿码黄码红码", 4, "绿码黄码…"},
	}
	for _, tt := range tests {
		if got := Clip(tt.in, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
