package schema

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

var testKey = []byte("schema-test-federation-key")

func newP(t *testing.T) *Pseudonymizer {
	t.Helper()
	p, err := NewPseudonymizer(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSubjectIsHMACOfTypeAndNormalisedNumber(t *testing.T) {
	p := newP(t)
	cases := []struct {
		docType, number, norm string
	}{
		{DocResidentID, "11010519491231002X", "11010519491231002X"},
		{DocResidentID, "110105 19491231 002x", "11010519491231002X"},
		{DocPassport, "e1234 5678", "E12345678"},
		{DocHKMacauPermit, "c12345678", "C12345678"},
		{DocTaiwanPermit, "12345678", "12345678"},
		{DocHKID, "A123456(3)", "A1234563"},
		{DocMacauID, "1234567(8)", "12345678"},
		{DocHomeReturnPermit, "h12345678", "H12345678"},
		{DocHomeReturnPermit, "M1234567890", "M1234567890"},
		{DocForeignPermanentResident, "USA 1234 5678 9012", "USA123456789012"},
		{DocDCCHolder, "musterfrau<goessinger<<gabriele/1998-02-26", "MUSTERFRAU<GOESSINGER<<GABRIELE/1998-02-26"},
	}
	for _, c := range cases {
		t.Run(c.docType, func(t *testing.T) {
			got, err := p.Subject(c.docType, c.number)
			if err != nil {
				t.Fatal(err)
			}
			m := hmac.New(sha256.New, testKey)
			m.Write([]byte(c.docType + ":" + c.norm))
			if want := hex.EncodeToString(m.Sum(nil)); got != want {
				t.Fatalf("subject = %s, want %s", got, want)
			}
		})
	}
}

func TestSubjectDependsOnKeyAndType(t *testing.T) {
	p := newP(t)
	q, err := NewPseudonymizer([]byte("another-federation-key"))
	if err != nil {
		t.Fatal(err)
	}
	a, _ := p.Subject(DocPassport, "E12345678")
	b, _ := q.Subject(DocPassport, "E12345678")
	c, _ := p.Subject(DocHKMacauPermit, "E12345678")
	if a == b || a == c {
		t.Fatalf("subjects collide across keys or document types: %s %s %s", a, b, c)
	}
}

func TestFirstGenerationResidentIDUpgrades(t *testing.T) {
	// 110105491231002 is the 15-digit form of 11010519491231002X.
	p := newP(t)
	old, err := p.Subject(DocResidentID, "110105491231002")
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := p.Subject(DocResidentID, "11010519491231002X")
	if old != cur {
		t.Fatal("15-digit and 18-digit forms of one ID give different subjects")
	}
}

func TestInvalidDocuments(t *testing.T) {
	p := newP(t)
	cases := []struct {
		docType, number, frag string
		sentinel              error
	}{
		{DocResidentID, "110105194912310021", "check digit", ErrInvalidDocument},
		{DocResidentID, "110105194902300028", "birth date", ErrInvalidDocument},
		{DocResidentID, "11010519491231002", "18 characters", ErrInvalidDocument},
		{DocResidentID, "1101051949123100X2", "17 digits", ErrInvalidDocument},
		{DocResidentID, "", "empty", ErrInvalidDocument},
		{DocHKID, "A123456(4)", "check character", ErrInvalidDocument},
		{DocMacauID, "2234567(8)", "8 digits", ErrInvalidDocument},
		{DocPassport, "E1*2345", "letters or digits", ErrInvalidDocument},
		{DocHomeReturnPermit, "C12345678", "H or M", ErrInvalidDocument},
		{DocForeignPermanentResident, "US1234567890123", "3 letters", ErrInvalidDocument},
		{DocDCCHolder, "MÜLLER<<HANS/1990-01-01", "transliterated", ErrInvalidDocument},
		{DocDCCHolder, "MULLER<<HANS/1990-1-1", "date of birth", ErrInvalidDocument},
		{"driving_licence", "123456", "unknown document type", ErrUnknownDocType},
	}
	for _, c := range cases {
		t.Run(c.docType+"/"+c.frag, func(t *testing.T) {
			_, err := p.Subject(c.docType, c.number)
			if err == nil {
				t.Fatal("accepted an invalid document")
			}
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v is not %v", err, c.sentinel)
			}
			if !strings.Contains(err.Error(), c.frag) {
				t.Fatalf("error %q does not say %q", err, c.frag)
			}
			if c.number != "" && strings.Contains(err.Error(), c.number) {
				t.Fatalf("error %q leaks the document number", err)
			}
		})
	}
}

func TestResidentIDCheckDigit(t *testing.T) {
	// Published GB 11643 examples.
	for _, id := range []string{"11010519491231002X", "440524188001010014"} {
		if got := ResidentIDCheckDigit(id[:17]); got != id[17] {
			t.Errorf("check digit of %s = %c, want %c", id[:17], got, id[17])
		}
	}
}

func TestShortKeyRefused(t *testing.T) {
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Fatal("accepted a 5-byte federation key")
	}
}

func BenchmarkSubject(b *testing.B) {
	p, _ := NewPseudonymizer(testKey)
	for b.Loop() {
		if _, err := p.Subject(DocResidentID, "11010519491231002X"); err != nil {
			b.Fatal(err)
		}
	}
}
