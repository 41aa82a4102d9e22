package schema

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"
)

// Document types a subject can be derived from.
const (
	DocResidentID    = "resident_id"     // 居民身份证, GB 11643, 18 characters
	DocPassport      = "passport"        // any country's passport
	DocHKMacauPermit = "hk_macau_permit" // 往来港澳通行证
	DocTaiwanPermit  = "taiwan_permit"   // 台湾居民来往大陆通行证
	DocHKID          = "hk_id"           // Hong Kong identity card
	DocMacauID       = "macau_id"        // 澳門居民身份證
	// DocHomeReturnPermit is 港澳居民来往内地通行证, the permit Hong Kong
	// and Macau residents use on the mainland: H or M and 8 digits (10 on
	// cards issued before 2013).
	DocHomeReturnPermit = "home_return_permit"
	// DocForeignPermanentResident is 外国人永久居留身份证: three letters
	// and 12 digits (cards before 2023).
	DocForeignPermanentResident = "foreign_permanent_resident_id"
	// DocDCCHolder identifies the holder of an EU Digital COVID Certificate,
	// which carries no document number: the normalised form is the ICAO 9303
	// transliterated surname and given names and the date of birth,
	// "SURNAME<<GIVEN/1990-01-31".
	DocDCCHolder = "dcc_holder"
)

// DocTypes lists the accepted document types in a stable order.
var DocTypes = []string{DocResidentID, DocPassport, DocHKMacauPermit, DocTaiwanPermit, DocHKID, DocMacauID,
	DocHomeReturnPermit, DocForeignPermanentResident, DocDCCHolder}

var (
	// ErrUnknownDocType is returned for a document type not in DocTypes.
	ErrUnknownDocType = errors.New("unknown document type")
	// ErrInvalidDocument is returned for a number that is not a valid
	// document of its type.
	ErrInvalidDocument = errors.New("invalid document number")
)

// DocumentError says why a document was refused. It never contains the
// document number itself, so it is safe to log and to store in quarantine.
type DocumentError struct {
	DocType string
	Reason  string
	Err     error // ErrUnknownDocType or ErrInvalidDocument
}

func (e *DocumentError) Error() string {
	if errors.Is(e.Err, ErrUnknownDocType) {
		return fmt.Sprintf("unknown document type %q", e.DocType)
	}
	return fmt.Sprintf("invalid %s: %s", e.DocType, e.Reason)
}

func (e *DocumentError) Unwrap() error { return e.Err }

func invalid(docType, format string, args ...any) error {
	return &DocumentError{DocType: docType, Reason: fmt.Sprintf(format, args...), Err: ErrInvalidDocument}
}

// Pseudonymizer turns documents into subjects:
// hex(HMAC-SHA256(key, doc_type + ":" + normalised number)).
// It is safe for concurrent use.
type Pseudonymizer struct {
	pool sync.Pool
}

// NewPseudonymizer returns a Pseudonymizer for the federation key. The key
// must be at least 16 bytes; every member of a federation uses the same key,
// so a person gets the same subject in every region.
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < 16 {
		return nil, fmt.Errorf("federation key is %d bytes, need at least 16", len(key))
	}
	k := append([]byte(nil), key...)
	p := &Pseudonymizer{}
	p.pool.New = func() any { return hmac.New(sha256.New, k) }
	return p, nil
}

// Subject validates and normalises the document and returns its pseudonym.
func (p *Pseudonymizer) Subject(docType, number string) (string, error) {
	norm, err := NormalizeDocument(docType, number)
	if err != nil {
		return "", err
	}
	return p.subjectOf(docType, norm), nil
}

func (p *Pseudonymizer) subjectOf(docType, norm string) string {
	h := p.pool.Get().(hash.Hash)
	h.Reset()
	var buf [96]byte
	msg := append(append(append(buf[:0], docType...), ':'), norm...)
	h.Write(msg)
	var sum [sha256.Size]byte
	out := hex.EncodeToString(h.Sum(sum[:0]))
	p.pool.Put(h)
	return out
}

// NormalizeDocument checks a document number for its type and returns the
// canonical spelling that is hashed: upper case, no spaces, brackets or
// hyphens; 15-digit first-generation resident IDs are upgraded to 18 digits.
func NormalizeDocument(docType, number string) (string, error) {
	if docType == DocDCCHolder {
		return normalizeDCCHolder(number)
	}
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '-', '(', ')', '（', '）':
			return -1
		}
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, number)
	if n == "" {
		if !knownDocType(docType) {
			return "", &DocumentError{DocType: docType, Err: ErrUnknownDocType}
		}
		return "", invalid(docType, "empty")
	}
	switch docType {
	case DocResidentID:
		return normalizeResidentID(n)
	case DocPassport:
		if !alnum(n) || len(n) < 5 || len(n) > 20 {
			return "", invalid(docType, "want 5 to 20 letters or digits, got %d characters", len(n))
		}
	case DocHKMacauPermit:
		if len(n) != 9 || !isUpper(n[0]) || !alnum(n) {
			return "", invalid(docType, "want a letter and 8 letters or digits, got %d characters", len(n))
		}
	case DocTaiwanPermit:
		if (len(n) != 8 && len(n) != 10) || !alnum(n) {
			return "", invalid(docType, "want 8 or 10 letters or digits, got %d characters", len(n))
		}
	case DocHKID:
		if err := checkHKID(n); err != nil {
			return "", err
		}
	case DocHomeReturnPermit:
		if (len(n) != 9 && len(n) != 11) || (n[0] != 'H' && n[0] != 'M') || !digits(n[1:]) {
			return "", invalid(docType, "want H or M and 8 or 10 digits")
		}
	case DocForeignPermanentResident:
		if len(n) != 15 || !isUpper(n[0]) || !isUpper(n[1]) || !isUpper(n[2]) || !digits(n[3:]) {
			return "", invalid(docType, "want 3 letters and 12 digits")
		}
	case DocMacauID:
		if len(n) != 8 || !digits(n) || !strings.ContainsRune("157", rune(n[0])) {
			return "", invalid(docType, "want 8 digits starting with 1, 5 or 7")
		}
	default:
		return "", &DocumentError{DocType: docType, Err: ErrUnknownDocType}
	}
	return n, nil
}

func knownDocType(t string) bool {
	for _, d := range DocTypes {
		if d == t {
			return true
		}
	}
	return false
}

var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const residentCheck = "10X98765432"

// ResidentIDCheckDigit computes the GB 11643 (ISO 7064 MOD 11-2) check
// character of the first 17 digits of a resident ID.
func ResidentIDCheckDigit(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * residentWeights[i]
	}
	return residentCheck[sum%11]
}

func normalizeResidentID(n string) (string, error) {
	const t = DocResidentID
	if len(n) == 15 && digits(n) {
		// First-generation card: 6-digit region, YYMMDD, 3-digit sequence, no check digit.
		n = n[:6] + "19" + n[6:]
		n += string(ResidentIDCheckDigit(n))
	}
	if len(n) != 18 {
		return "", invalid(t, "want 18 characters, got %d", len(n))
	}
	if !digits(n[:17]) || !(n[17] >= '0' && n[17] <= '9' || n[17] == 'X') {
		return "", invalid(t, "want 17 digits and a digit or X")
	}
	if n[0] < '1' || n[0] > '9' {
		return "", invalid(t, "region code cannot start with %c", n[0])
	}
	birth, err := time.Parse("20060102", n[6:14])
	if err != nil {
		return "", invalid(t, "birth date is not a calendar date")
	}
	if birth.Year() < 1880 || birth.Year() > 2100 {
		return "", invalid(t, "birth year %d out of range", birth.Year())
	}
	if want := ResidentIDCheckDigit(n[:17]); n[17] != want {
		return "", invalid(t, "check digit does not match (GB 11643)")
	}
	return n, nil
}

// checkHKID verifies an HKID: one or two letters, six digits and a check
// character (0-9 or A), the brackets around it already removed.
func checkHKID(n string) error {
	const t = DocHKID
	if len(n) != 8 && len(n) != 9 {
		return invalid(t, "want 1-2 letters, 6 digits and a check character")
	}
	letters := len(n) - 7
	for i := 0; i < letters; i++ {
		if !isUpper(n[i]) {
			return invalid(t, "want 1-2 letters, 6 digits and a check character")
		}
	}
	if !digits(n[letters : letters+6]) {
		return invalid(t, "want 1-2 letters, 6 digits and a check character")
	}
	sum := 0
	if letters == 1 {
		sum += 36 * 9 // a single letter is preceded by a space, worth 36
		sum += int(n[0]-'A'+10) * 8
	} else {
		sum += int(n[0]-'A'+10) * 9
		sum += int(n[1]-'A'+10) * 8
	}
	for i := 0; i < 6; i++ {
		sum += int(n[letters+i]-'0') * (7 - i)
	}
	c := (11 - sum%11) % 11
	want := byte('0' + c)
	if c == 10 {
		want = 'A'
	}
	if n[len(n)-1] != want {
		return invalid(t, "check character does not match")
	}
	return nil
}

func normalizeDCCHolder(s string) (string, error) {
	const t = DocDCCHolder
	s = strings.ToUpper(strings.TrimSpace(s))
	names, dob, ok := strings.Cut(s, "/")
	if !ok || names == "" {
		return "", invalid(t, "want SURNAME<<GIVEN/YYYY-MM-DD")
	}
	for _, r := range names {
		if !(r >= 'A' && r <= 'Z' || r == '<') {
			return "", invalid(t, "names must be ICAO 9303 transliterated (A-Z and <)")
		}
	}
	// A DCC date of birth may be YYYY, YYYY-MM or YYYY-MM-DD.
	switch len(dob) {
	case 4, 7, 10:
	default:
		return "", invalid(t, "date of birth must be YYYY, YYYY-MM or YYYY-MM-DD")
	}
	for i := 0; i < len(dob); i++ {
		c := dob[i]
		if (i == 4 || i == 7) && c != '-' || (i != 4 && i != 7) && (c < '0' || c > '9') {
			return "", invalid(t, "date of birth must be YYYY, YYYY-MM or YYYY-MM-DD")
		}
	}
	return names + "/" + dob, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isUpper(s[i]) && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

// DevKey is the federation key of local development clusters (`codefed dev`)
// and of the CLI when no key is configured. It is public and protects nothing:
// production federations configure their own.
var DevKey = []byte("codefed-development-federation-key")

// ParseKey reads a federation key from a key file's content: 32 or more hex
// digits are decoded, anything else is taken as raw bytes. Surrounding
// whitespace is ignored.
func ParseKey(data []byte) ([]byte, error) {
	s := strings.TrimSpace(string(data))
	if len(s) >= 32 && len(s)%2 == 0 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	if len(s) < 16 {
		return nil, fmt.Errorf("federation key is %d bytes, need at least 16", len(s))
	}
	return []byte(s), nil
}
