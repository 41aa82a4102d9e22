package charset

import "testing"

func TestChecks(t *testing.T) {
	gbk := []byte{0xc2, 0xcc, 0xc2, 0xeb} // 绿码 in GBK
	for _, tt := range []struct {
		b             []byte
		ascii, inUTF8 bool
	}{
		{nil, true, false},
		{[]byte("ID,2022-01-04"), true, false},
		{[]byte("绿码"), false, true},
		{gbk, false, false},
		{append([]byte("code "), gbk...), false, false},
	} {
		if got := ASCII(tt.b); got != tt.ascii {
			t.Errorf("ASCII(% x) = %v", tt.b, got)
		}
		if got := WrittenInUTF8(tt.b); got != tt.inUTF8 {
			t.Errorf("WrittenInUTF8(% x) = %v", tt.b, got)
		}
	}
}
