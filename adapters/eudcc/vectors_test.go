// Test signers of some issuers have negative serial numbers, which
// crypto/x509 refuses by default since Go 1.23; the serial plays no part
// in DCC verification.
//go:debug x509negativeserial=1

package eudcc

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/eudcc/internal/base45"
	"github.com/codefed/codefed/schema"
)

// The expected-result flags of the public DCC test corpus
// (eu-digital-green-certificates/dgc-testdata), in pipeline order. See its
// README: an absent flag is not tested, true must succeed, false must fail.
var vectorFlags = []string{
	"EXPECTEDPICTUREDECODE",
	"EXPECTEDUNPREFIX",
	"EXPECTEDB45DECODE",
	"EXPECTEDCOMPRESSION",
	"EXPECTEDDECODE",
	"EXPECTEDVALIDJSON",
	"EXPECTEDVERIFY",
	"EXPECTEDKEYUSAGE",
	"EXPECTEDEXPIRATIONCHECK",
	"EXPECTEDSCHEMAVALIDATION",
	"EXPECTEDVALIDOBJECT",
	"EXPECTEDENCODE",
}

// flagStages are the decoding stages each flag vouches for: a vector whose
// flag is true must not fail there, one whose flag is false must fail there
// (or at a stage no flag of the vector speaks for).
var flagStages = map[string][]string{
	"EXPECTEDUNPREFIX":         {StagePrefix},
	"EXPECTEDB45DECODE":        {StageBase45},
	"EXPECTEDCOMPRESSION":      {StageZlib},
	"EXPECTEDDECODE":           {StageCOSE, StageCBOR},
	"EXPECTEDVALIDJSON":        {StagePrefix, StageBase45, StageZlib, StageCOSE, StageCBOR},
	"EXPECTEDVERIFY":           {StageCOSE, StageCBOR, StageSignature},
	"EXPECTEDKEYUSAGE":         {StageKeyUsage},
	"EXPECTEDEXPIRATIONCHECK":  {StageExpired},
	"EXPECTEDSCHEMAVALIDATION": {StageSchema},
}

// knownIssueFlags maps the test names of the corpus's own runner, which
// known_issues.csv uses, to the flags they check.
var knownIssueFlags = map[string][]string{
	"test_cose_schema":        {"EXPECTEDSCHEMAVALIDATION"},
	"test_cose_json":          {"EXPECTEDDECODE"},
	"test_cose_cbor":          {"EXPECTEDDECODE"},
	"test_cbor_json":          {"EXPECTEDVALIDJSON", "EXPECTEDDECODE"},
	"test_verification_check": {"EXPECTEDVERIFY"},
	"test_expiration_check":   {"EXPECTEDEXPIRATIONCHECK"},
	"test_expected_key_usage": {"EXPECTEDKEYUSAGE"},
	"test_b45decode":          {"EXPECTEDB45DECODE"},
	"test_un_prefix":          {"EXPECTEDUNPREFIX"},
	"test_compression":        {"EXPECTEDCOMPRESSION"},
	"test_picture_decode":     {"EXPECTEDPICTUREDECODE"},
}

type vector struct {
	JSON       json.RawMessage `json:"JSON"`
	CBOR       *string         `json:"CBOR"`
	COSE       *string         `json:"COSE"`
	COMPRESSED *string         `json:"COMPRESSED"`
	BASE45     *string         `json:"BASE45"`
	PREFIX     *string         `json:"PREFIX"`
	TESTCTX    struct {
		CERTIFICATE     string `json:"CERTIFICATE"`
		VALIDATIONCLOCK string `json:"VALIDATIONCLOCK"`
		DESCRIPTION     string `json:"DESCRIPTION"`
	} `json:"TESTCTX"`
	EXPECTEDRESULTS map[string]any `json:"EXPECTEDRESULTS"`
}

// vectorCase is one corpus file prepared for checking.
type vectorCase struct {
	v        vector
	json     any // the JSON field decoded with numbers kept, nil when absent
	cert     *x509.Certificate
	certErr  error
	trust    *TrustList
	clock    time.Time
	hasClock bool
	notes    []string // what was read leniently, for the log
}

var errNotVector = errors.New("not a test vector")

// flagValue reads an expected result; a few files write "true" as a string.
func flagValue(v any) (bool, bool) {
	switch x := v.(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(x) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// errSkip marks a flag that the file gives no data to check.
type errSkip string

func (e errSkip) Error() string { return string(e) }

type flagTally struct{ pass, fail, excepted, exceptedPassing, skipped int }

func vectorRoot(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("CODEFED_DCC_TESTDATA"); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("CODEFED_DCC_TESTDATA: %v", err)
		}
		return dir
	}
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "eu-dcc")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("DCC test vectors missing at %s (set CODEFED_DCC_TESTDATA): %v", dir, err)
		}
		t.Skipf("DCC test vectors not found at %s; set CODEFED_DCC_TESTDATA to run them", dir)
	}
	return dir
}

// TestVectors runs every file of the DCC test corpus against the stage of
// this package that each expected flag names, with the file's certificate
// as the only trusted one and its validation clock as the clock, then runs
// the whole chain on the QR text and checks that it stops where the flags
// say. Flags listed in known_issues.csv are excepted: checked, and a
// failure is logged with the corpus's reason instead of failing the test.
func TestVectors(t *testing.T) {
	root := vectorRoot(t)
	known := loadKnownIssues(t, root)
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".json") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no test vectors under %s", root)
	}
	tally := map[string]*flagTally{}
	for _, f := range append([]string{"PIPELINE"}, vectorFlags...) {
		tally[f] = &flagTally{}
	}
	var unknownFlags []string
	var report []string
	for _, path := range files {
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		t.Run(rel, func(t *testing.T) {
			vc, err := loadVector(path)
			if errors.Is(err, errNotVector) {
				report = append(report, fmt.Sprintf("%-40s not a test vector (no EXPECTEDRESULTS)", rel))
				t.Skip("not a test vector: no EXPECTEDRESULTS")
			}
			if err != nil {
				t.Fatalf("unreadable vector: %v", err)
			}
			for _, note := range vc.notes {
				t.Log(note)
			}
			issues := known.lookup(rel)
			var line []string
			outcome := func(flag string, err error) {
				reason, excepted := issues[flag]
				tl := tally[flag]
				var sk errSkip
				switch {
				case errors.As(err, &sk):
					tl.skipped++
					line = append(line, short(flag)+" skipped")
					t.Logf("%s skipped: %s", flag, sk)
				case err == nil && excepted:
					tl.exceptedPassing++
					line = append(line, short(flag)+" ok (listed as known issue)")
					t.Logf("%s passes although known_issues.csv lists it (%s)", flag, reason)
				case err == nil:
					tl.pass++
					line = append(line, short(flag)+" ok")
				case excepted:
					tl.excepted++
					line = append(line, short(flag)+" EXCEPTED")
					t.Logf("%s excepted, known issue %s: %v", flag, reason, err)
				default:
					tl.fail++
					line = append(line, short(flag)+" FAIL")
					t.Errorf("%s: %v", flag, err)
				}
			}
			for key := range vc.v.EXPECTEDRESULTS {
				if !slices.Contains(vectorFlags, key) {
					unknownFlags = append(unknownFlags, rel+":"+key)
					t.Logf("flag %s is not known to this test; not checked", key)
				}
			}
			for _, flag := range vectorFlags {
				raw, present := vc.v.EXPECTEDRESULTS[flag]
				if !present {
					continue
				}
				want, ok := flagValue(raw)
				if !ok {
					outcome(flag, fmt.Errorf("expected value %v is not a boolean", raw))
					continue
				}
				outcome(flag, vc.check(flag, want))
			}
			pipeline, err := vc.checkPipeline()
			if len(issues) > 0 && err != nil {
				issues["PIPELINE"] = "a flag of this vector is a known issue"
			}
			outcome("PIPELINE", err)
			report = append(report, fmt.Sprintf("%-40s %s | chain: %s", rel, strings.Join(line, ", "), pipeline))
		})
	}
	var sum strings.Builder
	fmt.Fprintf(&sum, "%d vector files under %s\n", len(files), root)
	fmt.Fprintf(&sum, "%-26s %6s %6s %9s %17s %8s\n", "flag", "pass", "fail", "excepted", "excepted-passing", "skipped")
	for _, f := range append([]string{"PIPELINE"}, vectorFlags...) {
		tl := tally[f]
		fmt.Fprintf(&sum, "%-26s %6d %6d %9d %17d %8d\n", f, tl.pass, tl.fail, tl.excepted, tl.exceptedPassing, tl.skipped)
	}
	if len(unknownFlags) > 0 {
		fmt.Fprintf(&sum, "flags not checked (unknown): %s\n", strings.Join(unknownFlags, ", "))
	}
	sort.Strings(report)
	t.Logf("summary\n%s\n%s", sum.String(), strings.Join(report, "\n"))
}

func short(flag string) string { return strings.TrimPrefix(flag, "EXPECTED") }

type knownIssues map[[3]string]string

func loadKnownIssues(t *testing.T, root string) knownIssues {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "known_issues.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("known_issues.csv: %v", err)
	}
	k := knownIssues{}
	for i, row := range rows {
		if i == 0 || len(row) < 4 {
			continue // header
		}
		k[[3]string{row[0], strings.ToUpper(row[1]), row[2]}] = row[3]
	}
	return k
}

// lookup returns the excepted flags of the vector at rel (country folder
// first, test set = file name) with their reasons, matching the way the
// corpus's runner does: a row with an empty test name or test set covers
// them all.
func (k knownIssues) lookup(rel string) map[string]string {
	out := map[string]string{}
	parts := strings.Split(rel, "/")
	country := strings.ToUpper(parts[0])
	set := strings.TrimSuffix(parts[len(parts)-1], ".json")
	for key, reason := range k {
		if key[1] != country || key[2] != "" && key[2] != set {
			continue
		}
		flags, ok := knownIssueFlags[key[0]]
		if key[0] == "" || !ok {
			flags = vectorFlags
		}
		for _, f := range flags {
			out[f] = reason
		}
	}
	return out
}

func loadVector(path string) (*vectorCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	vc := &vectorCase{}
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, err
	}
	if probe["EXPECTEDRESULTS"] == nil {
		return nil, errNotVector
	}
	if err := json.Unmarshal(b, &vc.v); err != nil {
		return nil, err
	}
	if raw := vc.v.JSON; len(raw) > 0 && string(raw) != "null" {
		var text string
		if json.Unmarshal(raw, &text) == nil {
			raw = json.RawMessage(text) // JSON given as a string of JSON
			vc.notes = append(vc.notes, "JSON field is a string; read as JSON text")
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&vc.json); err != nil {
			return nil, fmt.Errorf("JSON field: %w", err)
		}
	}
	if c := vc.v.TESTCTX.CERTIFICATE; c != "" {
		cert, note, err := parseVectorCertificate(c)
		if note != "" {
			vc.notes = append(vc.notes, note)
		}
		if err != nil {
			vc.certErr = err
		} else {
			vc.cert = cert
			vc.trust = NewTrustList([]*x509.Certificate{cert})
		}
	} else {
		vc.certErr = errors.New("no TESTCTX.CERTIFICATE")
	}
	if s := vc.v.TESTCTX.VALIDATIONCLOCK; s != "" {
		at, err := parseClock(s)
		if err != nil {
			vc.notes = append(vc.notes, fmt.Sprintf("VALIDATIONCLOCK %q unreadable, taken as absent", s))
		} else {
			vc.clock, vc.hasClock = at, true
		}
	}
	return vc, nil
}

// parseVectorCertificate reads TESTCTX.CERTIFICATE (base64 DER or PEM). A
// certificate that crypto/x509 refuses for reasons that do not matter to
// DCC verification (an extension it finds malformed, a duplicate
// extension) is read with the few fields verification uses, and a note
// says so.
func parseVectorCertificate(s string) (*x509.Certificate, string, error) {
	certs, err := adapters.ParseCertificates([]byte(s))
	if err == nil {
		return certs[0], "", nil
	}
	der, derr := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
	if derr != nil {
		return nil, "", err
	}
	cert, lerr := minimalCertificate(der)
	if lerr != nil {
		return nil, "", fmt.Errorf("%v; minimal reading: %v", err, lerr)
	}
	return cert, fmt.Sprintf("crypto/x509 refuses the certificate (%v); read minimally", err), nil
}

// minimalCertificate reads the key, the validity and the extended key
// usage of a DER certificate.
func minimalCertificate(der []byte) (*x509.Certificate, error) {
	var c struct {
		TBS struct {
			Version    int `asn1:"optional,explicit,default:0,tag:0"`
			Serial     asn1.RawValue
			Signature  asn1.RawValue
			Issuer     asn1.RawValue
			Validity   struct{ NotBefore, NotAfter time.Time }
			Subject    asn1.RawValue
			SPKI       asn1.RawValue
			IssuerUID  asn1.BitString `asn1:"optional,tag:1"`
			SubjectUID asn1.BitString `asn1:"optional,tag:2"`
			Extensions []struct {
				ID       asn1.ObjectIdentifier
				Critical bool `asn1:"optional"`
				Value    []byte
			} `asn1:"optional,explicit,tag:3"`
		}
		SignatureAlgorithm asn1.RawValue
		Signature          asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &c); err != nil {
		return nil, err
	}
	cert := &x509.Certificate{
		Raw:                     der,
		RawSubjectPublicKeyInfo: c.TBS.SPKI.FullBytes,
		NotBefore:               c.TBS.Validity.NotBefore,
		NotAfter:                c.TBS.Validity.NotAfter,
	}
	if pub, err := x509.ParsePKIXPublicKey(cert.RawSubjectPublicKeyInfo); err == nil {
		cert.PublicKey = pub
	}
	for _, ext := range c.TBS.Extensions {
		if ext.ID.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			var oids []asn1.ObjectIdentifier
			if _, err := asn1.Unmarshal(ext.Value, &oids); err != nil {
				return nil, fmt.Errorf("extended key usage: %w", err)
			}
			cert.UnknownExtKeyUsage = oids
		}
	}
	return cert, nil
}

func parseClock(s string) (time.Time, error) {
	if t, err := parseDateTime(s, "clock"); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

func unhex(field string, s *string) ([]byte, error) {
	b, err := hex.DecodeString(strings.Join(strings.Fields(*s), ""))
	if err != nil {
		return nil, fmt.Errorf("%s is not hex: %w", field, err)
	}
	return b, nil
}

// expect turns the outcome of a stage into the verdict on a flag: ok is
// whether the stage succeeded and matched the file's next stage, detail
// what happened.
func expect(want, ok bool, detail string) error {
	switch {
	case want && !ok:
		return fmt.Errorf("want success, got: %s", detail)
	case !want && ok:
		return fmt.Errorf("want failure, but it succeeded (%s)", detail)
	}
	return nil
}

func (vc *vectorCase) check(flag string, want bool) error {
	v := &vc.v
	switch flag {
	case "EXPECTEDPICTUREDECODE":
		return errSkip("the corpus copy has no QR images")

	case "EXPECTEDUNPREFIX":
		if v.PREFIX == nil {
			return errSkip("no PREFIX")
		}
		got, err := unprefix(*v.PREFIX)
		if err != nil {
			return expect(want, false, err.Error())
		}
		if v.BASE45 != nil && got != *v.BASE45 {
			return expect(want, false, "text after the prefix differs from BASE45")
		}
		return expect(want, true, "prefix removed")

	case "EXPECTEDB45DECODE":
		if v.BASE45 == nil {
			return errSkip("no BASE45")
		}
		got, err := base45.Decode(*v.BASE45)
		if err != nil {
			return expect(want, false, err.Error())
		}
		if v.COMPRESSED != nil {
			compressed, err := unhex("COMPRESSED", v.COMPRESSED)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, compressed) {
				return expect(want, false, "decoded bytes differ from COMPRESSED")
			}
		}
		return expect(want, true, "decoded")

	case "EXPECTEDCOMPRESSION":
		if v.COMPRESSED == nil {
			return errSkip("no COMPRESSED")
		}
		compressed, err := unhex("COMPRESSED", v.COMPRESSED)
		if err != nil {
			return err
		}
		got, err := inflate(compressed)
		if err != nil {
			return expect(want, false, err.Error())
		}
		if v.COSE != nil {
			coseBytes, err := unhex("COSE", v.COSE)
			if err != nil {
				return err
			}
			if !bytes.Equal(got, coseBytes) {
				return expect(want, false, "decompressed bytes differ from COSE")
			}
		}
		return expect(want, true, "decompressed")

	case "EXPECTEDDECODE":
		return vc.checkDecode(want)

	case "EXPECTEDVALIDJSON":
		if v.PREFIX == nil || vc.json == nil {
			return errSkip("no PREFIX or no JSON")
		}
		c, err := Parse(*v.PREFIX)
		if err != nil {
			return expect(want, false, err.Error())
		}
		if d := diff(c.DGC, vc.json, "dgc"); d != "" {
			return expect(want, false, "decoded DGC differs from JSON: "+d)
		}
		return expect(want, true, "whole chain decoded to JSON")

	case "EXPECTEDVERIFY":
		if vc.v.TESTCTX.CERTIFICATE == "" {
			return errSkip("no TESTCTX.CERTIFICATE")
		}
		c, err := vc.message()
		if errors.As(err, new(errSkip)) {
			return err
		}
		if err != nil {
			return expect(want, false, err.Error())
		}
		if vc.cert == nil {
			return expect(want, false, "certificate: "+vc.certErr.Error())
		}
		if _, err := c.verifySignature(vc.trust); err != nil {
			return expect(want, false, err.Error())
		}
		return expect(want, true, "signature verified")

	case "EXPECTEDKEYUSAGE":
		if vc.v.TESTCTX.CERTIFICATE == "" {
			return errSkip("no TESTCTX.CERTIFICATE")
		}
		c, err := vc.message()
		if errors.As(err, new(errSkip)) {
			return err
		}
		if err != nil {
			return expect(want, false, err.Error())
		}
		if vc.cert == nil {
			return expect(want, false, "certificate: "+vc.certErr.Error())
		}
		if c.Type() == "" {
			return expect(want, false, "DGC holds no single v, t or r group")
		}
		if err := checkKeyUsage(vc.cert, c.DGC); err != nil {
			return expect(want, false, err.Error())
		}
		return expect(want, true, "key usage allows "+c.Type())

	case "EXPECTEDEXPIRATIONCHECK":
		if vc.v.TESTCTX.CERTIFICATE == "" {
			return errSkip("no TESTCTX.CERTIFICATE")
		}
		c, err := vc.message()
		if errors.As(err, new(errSkip)) {
			return err
		}
		if err != nil {
			return expect(want, false, err.Error())
		}
		if vc.cert == nil {
			return expect(want, false, "certificate: "+vc.certErr.Error())
		}
		at := vc.clock
		if !vc.hasClock && !want {
			// Without a clock the corpus's runner checks against the
			// present, when every certificate of 2021 has expired.
			at = time.Now()
		}
		if err := c.checkTime(vc.cert, at); err != nil {
			return expect(want, false, err.Error())
		}
		return expect(want, true, "valid at the clock")

	case "EXPECTEDSCHEMAVALIDATION":
		dgc, err := vc.dgc()
		if errors.As(err, new(errSkip)) {
			return err
		}
		if err != nil {
			return expect(want, false, err.Error())
		}
		if err := ValidateDGC(dgc); err != nil {
			return expect(want, false, err.Error())
		}
		return expect(want, true, "schema valid")

	case "EXPECTEDVALIDOBJECT":
		m, ok := vc.json.(map[string]any)
		if !ok {
			return errSkip("no JSON object")
		}
		if err := ValidateDGC(m); err != nil {
			return expect(want, false, err.Error())
		}
		return expect(want, true, "JSON is schema valid")

	case "EXPECTEDENCODE":
		m, ok := vc.json.(map[string]any)
		if !ok || v.CBOR == nil {
			return errSkip("no JSON object or no CBOR")
		}
		enc, err := encodeDGC(m)
		if err != nil {
			return expect(want, false, err.Error())
		}
		ours, err := DecodeDGC(enc)
		if err != nil {
			return expect(want, false, err.Error())
		}
		theirs, err := vc.cborField()
		if err != nil {
			return expect(want, false, err.Error())
		}
		if d := diff(ours, theirs, "dgc"); d != "" {
			return expect(want, false, "our encoding of JSON differs from CBOR: "+d)
		}
		return expect(want, true, "JSON encodes to CBOR")
	}
	return fmt.Errorf("no check for %s", flag)
}

// checkDecode compares the DGC inside COSE with the JSON and CBOR fields,
// or, without COSE, the CBOR field with the JSON.
func (vc *vectorCase) checkDecode(want bool) error {
	v := &vc.v
	switch {
	case v.COSE != nil:
		coseBytes, err := unhex("COSE", v.COSE)
		if err != nil {
			return err
		}
		c, err := parseCOSE(coseBytes)
		if err != nil {
			return expect(want, false, err.Error())
		}
		if vc.json != nil {
			if d := diff(c.DGC, vc.json, "dgc"); d != "" {
				return expect(want, false, "DGC in COSE differs from JSON: "+d)
			}
		}
		if v.CBOR != nil {
			other, err := vc.cborField()
			if err != nil {
				return expect(want, false, err.Error())
			}
			if d := diff(c.DGC, other, "dgc"); d != "" {
				return expect(want, false, "DGC in COSE differs from CBOR: "+d)
			}
		}
		return expect(want, true, "COSE decoded")
	case v.CBOR != nil:
		dgc, err := vc.cborField()
		if err != nil {
			return expect(want, false, err.Error())
		}
		if vc.json != nil {
			if d := diff(dgc, vc.json, "dgc"); d != "" {
				return expect(want, false, "CBOR differs from JSON: "+d)
			}
		}
		return expect(want, true, "CBOR decoded")
	}
	return errSkip("no COSE and no CBOR")
}

// cborField decodes the CBOR field: the DGC, or in some files the whole
// CWT claims map around it.
func (vc *vectorCase) cborField() (map[string]any, error) {
	b, err := unhex("CBOR", vc.v.CBOR)
	if err != nil {
		return nil, err
	}
	var claims map[any]cbor.RawMessage
	if claimsMode.Unmarshal(b, &claims) == nil {
		if raw, ok := claims[int64(claimHcert)]; ok {
			var hcert map[any]cbor.RawMessage
			if err := claimsMode.Unmarshal(raw, &hcert); err != nil {
				return nil, fmt.Errorf("CBOR hcert claim: %w", err)
			}
			b = hcert[int64(hcertDGCv1)]
		}
	}
	return DecodeDGC(b)
}

// message parses the COSE field, or the whole chain from PREFIX when the
// file has no COSE.
func (vc *vectorCase) message() (*Certificate, error) {
	switch {
	case vc.v.COSE != nil:
		b, err := unhex("COSE", vc.v.COSE)
		if err != nil {
			return nil, err
		}
		return parseCOSE(b)
	case vc.v.PREFIX != nil:
		return Parse(*vc.v.PREFIX)
	}
	return nil, errSkip("no COSE and no PREFIX")
}

// dgc returns the DGC from the most direct source the file has.
func (vc *vectorCase) dgc() (map[string]any, error) {
	if vc.v.COSE != nil || vc.v.CBOR == nil {
		c, err := vc.message()
		if err != nil {
			return nil, err
		}
		return c.DGC, nil
	}
	return vc.cborField()
}

// checkPipeline reads PREFIX through every stage, trusting only the file's
// certificate at its clock, and checks where it stops against the flags.
// It returns a short account of the outcome for the summary.
func (vc *vectorCase) checkPipeline() (string, error) {
	if vc.v.PREFIX == nil {
		return "no PREFIX", errSkip("no PREFIX")
	}
	var trust *TrustList
	if vc.cert != nil {
		trust = vc.trust
	}
	at := vc.clock
	if want, ok := flagValue(vc.v.EXPECTEDRESULTS["EXPECTEDEXPIRATIONCHECK"]); ok && !want && !vc.hasClock {
		at = time.Now() // as the corpus's runner does without a clock
	}
	stage, account := "", "verified"
	c, err := Parse(*vc.v.PREFIX)
	if err == nil {
		_, err = c.Verify(trust, at)
	}
	var se *StageError
	if errors.As(err, &se) {
		stage, account = se.Stage, "stops at "+se.Error()
	} else if err != nil {
		return "error " + err.Error(), fmt.Errorf("error without a stage: %v", err)
	}
	if stage == "" {
		account += ", " + vc.adapterOutcome()
	}
	covered, failing, anyFalse := map[string]bool{}, map[string]bool{}, false
	for flag, raw := range vc.v.EXPECTEDRESULTS {
		want, ok := flagValue(raw)
		if !ok {
			continue
		}
		for _, s := range flagStages[flag] {
			covered[s] = covered[s] || want
			if !want {
				failing[s], anyFalse = true, true
			}
		}
	}
	switch {
	case stage != "" && covered[stage] && !failing[stage]:
		return account, fmt.Errorf("chain stops at stage %s, which a true flag vouches for: %v", stage, err)
	case anyFalse && stage == "":
		// A flag speaks of one field, which a file may have altered while
		// leaving PREFIX whole; worth a note, not a failure.
		return account + " (though a flag is false: its field differs from PREFIX)", nil
	}
	return account, nil
}

// adapterOutcome decodes PREFIX with the adapter and says what became of it.
func (vc *vectorCase) adapterOutcome() string {
	subjects, err := schema.NewPseudonymizer(adaptertest.Key)
	if err != nil {
		return err.Error()
	}
	var certs []*x509.Certificate
	if vc.cert != nil {
		certs = []*x509.Certificate{vc.cert}
	}
	res, err := Adapter{}.Decode([]byte(*vc.v.PREFIX+"\n"), adapters.DecodeOptions{Subjects: subjects, Trust: certs, At: vc.clock})
	switch {
	case err != nil:
		return "adapter: " + err.Error()
	case len(res.Rejected) > 0:
		return "adapter rejects: " + res.Rejected[0].Error()
	case len(res.Batch.Statuses) == 1:
		st := res.Batch.Statuses[0]
		return fmt.Sprintf("adapter: %s %v", st.Color, st.Reasons)
	}
	return "adapter: nothing decoded"
}

// diff compares two JSON values semantically and describes the first
// difference, or returns "". Key order does not matter, numbers compare by
// value, arrays compare as multisets (the corpus's runner sorts them), and
// two strings that are the same instant in different ISO 8601 spellings
// are equal.
func diff(a, b any, path string) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path + ": map against " + kindOf(b)
		}
		keys := make([]string, 0, len(x)+len(y))
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			xv, xok := x[k]
			yv, yok := y[k]
			if xok != yok {
				return path + "." + k + ": present on one side only"
			}
			if d := diff(xv, yv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path + ": arrays of different length or kind"
		}
		used := make([]bool, len(y))
	next:
		for i, xe := range x {
			for j, ye := range y {
				if !used[j] && diff(xe, ye, "") == "" {
					used[j] = true
					continue next
				}
			}
			// Name the difference from the element at the same index.
			return fmt.Sprintf("%s.%d: no equal element on the other side (%s)", path, i, diff(xe, y[i], fmt.Sprintf("%s.%d", path, i)))
		}
		return ""
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return path + ": number against " + kindOf(b)
		}
		xr, xok := new(big.Rat).SetString(x.String())
		yr, yok := new(big.Rat).SetString(y.String())
		if !xok || !yok || xr.Cmp(yr) != 0 {
			return path + ": numbers differ"
		}
		return ""
	case string:
		y, ok := b.(string)
		if !ok {
			return path + ": string against " + kindOf(b)
		}
		if x == y || sameInstant(x, y) {
			return ""
		}
		return path + ": strings differ"
	}
	if a != b {
		return path + ": values differ"
	}
	return ""
}

func sameInstant(a, b string) bool {
	ta, errA := parseClock(a)
	tb, errB := parseClock(b)
	return errA == nil && errB == nil && ta.Truncate(time.Second).Equal(tb.Truncate(time.Second))
}
