package eudcc

import (
	"encoding/json"
	"encoding/pem"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/veraison/go-cose"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
)

// The golden inputs are signed by keys that existed only while they were
// written; testdata/trust.pem keeps the signers' certificates. To write new
// ones (fresh keys, same content), then their expected output:
//
//	go test ./adapters/eudcc/ -run TestWriteGoldenInputs -golden-inputs
//	go test ./adapters/eudcc/ -run TestGolden -update
var writeGoldenInputs = flag.Bool("golden-inputs", false, "rewrite testdata/golden/*.in and testdata/trust.pem with fresh keys")

// goldenClock is the validation clock of every golden case.
var goldenClock = time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC)

func goldenOptions(t testing.TB) adapters.DecodeOptions {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "trust.pem"))
	if err != nil {
		t.Fatal(err)
	}
	certs, err := adapters.ParseCertificates(b)
	if err != nil {
		t.Fatal(err)
	}
	return adapters.DecodeOptions{Trust: certs, At: goldenClock}
}

func TestGolden(t *testing.T) {
	adaptertest.Golden(t, Adapter{}, filepath.Join("testdata", "golden"), goldenOptions(t))
}

func jsonLine(t testing.TB, fields map[string]string) string {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestWriteGoldenInputs(t *testing.T) {
	if !*writeGoldenInputs {
		t.Skip("run with -golden-inputs to rewrite the golden inputs")
	}
	at := newSigner(t, signerSpec{country: "AT"})
	fr := newSigner(t, signerSpec{country: "FR", rsa: true, eku: []asn1OID{ekuVaccination}})
	de := newSigner(t, signerSpec{country: "DE", eku: []asn1OID{ekuLegacyTest}})
	rogue := newSigner(t, signerSpec{country: "NL"})

	var trust strings.Builder
	for _, s := range []testSigner{at, fr, de} {
		if err := pem.Encode(&trust, &pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Raw}); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join("testdata", name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("trust.pem", trust.String())

	iat, exp := date("2021-06-30T15:00:00Z"), date("2022-06-30T15:00:00Z")

	// vaccination.in: the four ways a line can look, CRLF line ends and a
	// blank line in between.
	booster := vaccinationDGC("ROSSI", "", "1960", 3, 2, "2021-06-01T00:00:00", "AT")
	booster["ver"] = "1.0.0"
	delete(booster["nam"].(map[string]any), "gn")
	delete(booster["nam"].(map[string]any), "gnt")
	vaccination := []string{
		forgery{signer: at, iss: "AT", iat: iat, exp: exp,
			dgc: vaccinationDGC("MUELLER", "ANNA", "1985-03-14", 2, 2, "2021-06-10", "AT")}.qr(t),
		jsonLine(t, map[string]string{
			"qr": forgery{signer: fr, iss: "FR", iat: iat, exp: exp,
				dgc: vaccinationDGC("DUBOIS", "MARIE<CLAIRE", "1990-11-02", 1, 2, "2021-06-20", "FR")}.qr(t),
			"doc_type": "passport", "doc_number": "18FV12345", "region": "310000",
		}),
		"",
		forgery{signer: at, iss: "AT", iat: float64(iat.Unix()) + 0.5, exp: exp, dgc: booster}.qr(t),
		jsonLine(t, map[string]string{
			"qr": forgery{signer: at, iss: "AT", iat: iat, exp: exp, cwtTag: true, kidWhere: "unprotected",
				dgc: vaccinationDGC("CHAN", "TAI<MAN", "1975-08-30", 2, 2, "2021-05-30", "AT")}.qr(t),
			"doc_type": "hk_macau_permit", "doc_number": "C12345678",
		}),
	}
	write("golden/vaccination.in", strings.Join(vaccination, "\r\n")+"\r\n")

	// tests.in: NAA and rapid antigen tests, both results, a stale sample,
	// and sample times with an offset, in UTC, as a tag 1 date and without
	// an offset.
	testIat, testExp := date("2021-06-30T15:00:00Z"), date("2021-07-04T15:00:00Z")
	ratIat := date("2021-07-01T06:00:00Z")
	tests := []string{
		jsonLine(t, map[string]string{
			"qr": forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
				dgc: testDGC("SCHMIDT", "JONAS", "1999-12-31", testTypeNAAT, resultNotFound, "2021-06-30T09:15:00+02:00", "DE")}.qr(t),
			"doc_type": "passport", "doc_number": "C01X00T47", "region": "110000",
		}),
		forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
			dgc: testDGC("SCHMIDT", "LEA", "2001-02-03", testTypeNAAT, resultNotFound, "2021-06-20T08:00:00Z", "DE")}.qr(t),
		forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
			dgc: testDGC("WAGNER", "PAUL", "1988-07-07", testTypeNAAT, resultDetected, "2021-06-29T10:00:00Z", "DE")}.qr(t),
		forgery{signer: at, iss: "AT", iat: ratIat, exp: testExp,
			dgc: testDGC("HUBER", "LENA", "1995-05-05", testTypeRAT, resultNotFound, "2021-07-01T07:30:00+02:00", "AT")}.qr(t),
		forgery{signer: at, iss: "AT", iat: ratIat, exp: testExp,
			dgc: testDGC("GRUBER", "MAX", "1993-09-09", testTypeRAT, resultDetected, "2021-07-01T07:30:00+02:00", "AT")}.qr(t),
		forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
			dgc: testDGC("BECKER", "SOPHIE", "1980-04-04", testTypeNAAT, resultNotFound, cborTag1(date("2021-06-30T10:00:00Z")), "DE")}.qr(t),
		forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
			dgc: testDGC("BECKER", "MIA", "1982-04-04", testTypeNAAT, resultNotFound, "2021-06-30T10:00:00", "DE")}.qr(t),
	}
	write("golden/tests.in", strings.Join(tests, "\n")+"\n")

	// recovery.in: within df..du, without an iss, with a lower-case iss.
	recIat, recExp := date("2021-03-12T10:00:00Z"), date("2022-03-12T10:00:00Z")
	recovery := []string{
		forgery{signer: at, iss: "AT", iat: recIat, exp: recExp,
			dgc: recoveryDGC("NOVAK", "PETR", "1970-01-01", "2021-03-01", "2021-03-12", "2021-09-01", "AT")}.qr(t),
		forgery{signer: at, iat: recIat, exp: recExp,
			dgc: recoveryDGC("HORVAT", "IVAN", "1971-02-02", "2021-03-01", "2021-03-12", "2021-09-01", "AT")}.qr(t),
		jsonLine(t, map[string]string{
			"qr": forgery{signer: at, iss: "at", iat: recIat, exp: recExp,
				dgc: recoveryDGC("LIN", "MEI", "1986-06-06", "2021-03-01", "2021-03-12", "2021-09-01", "AT")}.qr(t),
			"doc_type": "taiwan_permit", "doc_number": "12345678", "region": "350200",
		}),
	}
	write("golden/recovery.in", strings.Join(recovery, "\n")+"\n")

	// rejects.in: good records kept, and one bad record per way of failing.
	good := forgery{signer: at, iss: "AT", iat: iat, exp: exp,
		dgc: vaccinationDGC("WEBER", "EMMA", "1992-02-29", 2, 2, "2021-06-01", "AT")}.qr(t)
	both := vaccinationDGC("KOCH", "BEN", "1990-01-01", 2, 2, "2021-06-01", "AT")
	both["t"] = testDGC("KOCH", "BEN", "1990-01-01", testTypeNAAT, resultNotFound, "2021-06-30T10:00:00Z", "AT")["t"]
	stringDose := vaccinationDGC("KOCH", "LUKAS", "1990-01-01", 2, 2, "2021-06-01", "AT")
	stringDose["v"].([]any)[0].(map[string]any)["dn"] = "2"
	noDOB := vaccinationDGC("KOCH", "JANA", "", 2, 2, "2021-06-01", "AT")
	notCOVID := vaccinationDGC("KOCH", "TIM", "1990-01-01", 2, 2, "2021-06-01", "AT")
	notCOVID["v"].([]any)[0].(map[string]any)["tg"] = "1234"
	v := func(fnt string) map[string]any {
		return vaccinationDGC(fnt, "X", "1990-01-01", 2, 2, "2021-06-01", "AT")
	}
	rejects := []string{
		good,
		"HC2:" + strings.TrimPrefix(good, Prefix),
		`{"qr": "` + good + `", `,
		Prefix + "n" + good[len(Prefix)+1:],
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: v("ZLIB"), noZlib: true}.qr(t),
		qrOf(t, cborOf(t, map[string]any{"not": "cose"})),
		forgery{signer: at, iat: iat, exp: exp, claims: cborOf(t, map[int]any{claimIss: "AT", claimIat: iat.Unix(), claimExp: exp.Unix()})}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: v("TAMPERED"), tamper: true}.qr(t),
		forgery{signer: rogue, iss: "NL", iat: iat, exp: exp, dgc: v("ROGUE")}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: v("ESTHREEEIGHTYFOUR"), alg: cose.AlgorithmES384}.qr(t),
		forgery{signer: fr, iss: "FR", iat: iat, exp: exp,
			dgc: recoveryDGC("MARTIN", "LUC", "1966-06-06", "2021-03-01", "2021-03-12", "2021-09-01", "FR")}.qr(t),
		forgery{signer: at, iss: "AT", iat: date("2021-06-01T00:00:00Z"), exp: date("2021-06-30T00:00:00Z"), dgc: v("EXPIRED")}.qr(t),
		forgery{signer: at, iss: "AT", iat: date("2021-07-02T00:00:00Z"), exp: exp, dgc: v("EARLY")}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, dgc: v("NOEXP")}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: both}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: stringDose}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: noDOB}.qr(t),
		jsonLine(t, map[string]string{"qr": good, "doc_type": "passport", "doc_number": "E1234!"}),
		forgery{signer: de, iss: "DE", iat: testIat, exp: testExp,
			dgc: testDGC("KOCH", "MIA", "1990-01-01", testTypeNAAT, "123456789", "2021-06-30T10:00:00Z", "DE")}.qr(t),
		forgery{signer: de, iss: "DE", iat: date("2021-07-01T11:00:00Z"), exp: testExp,
			dgc: testDGC("KOCH", "NOAH", "1990-01-01", testTypeNAAT, resultNotFound, "2021-07-01T13:00:00Z", "DE")}.qr(t),
		forgery{signer: at, iss: "AT", iat: recIat, exp: recExp,
			dgc: recoveryDGC("KOCH", "ELLA", "1990-01-01", "2021-03-01", "2021-03-12", "2021-06-15", "AT")}.qr(t),
		jsonLine(t, map[string]string{"qr": good, "region": "999"}),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: notCOVID}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: v("SHORTKID"), kid: []byte("foo")}.qr(t),
		forgery{signer: at, iss: "AT", iat: iat, exp: exp, dgc: v("DERSIG"), derECDSA: true}.qr(t),
		jsonLine(t, map[string]string{"qr": good, "doc_type": "passport", "doc_number": "E87654321", "region": "440300"}),
	}
	write("golden/rejects.in", strings.Join(rejects, "\n")+"\n")
	write("golden/empty.in", "\n  \n\r\n")
	write("golden/binary.in", "HC1:\xff\xfe\n")
}
