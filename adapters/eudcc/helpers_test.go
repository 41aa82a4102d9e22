package eudcc

import (
	"bytes"
	"compress/zlib"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/codefed/codefed/adapters/eudcc/internal/base45"
)

// EKU object identifiers of the HCERT specification and their early arc.
var (
	ekuTest          = keyUsageTest
	ekuVaccination   = keyUsageVaccination
	ekuRecovery      = keyUsageRecovery
	ekuLegacyTest    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 1}
	ekuLegacyVaccine = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 0, 1847, 2021, 1, 2}
)

// signerSpec describes a document signer to generate at test time.
type signerSpec struct {
	country   string
	rsa       bool // RSA 2048 (PS256) instead of EC P-256 (ES256)
	eku       []asn1.ObjectIdentifier
	notBefore time.Time
	notAfter  time.Time
}

type testSigner struct {
	key  crypto.Signer
	cert *x509.Certificate
}

// newSigner generates a key and a self-signed document signer certificate.
// Keys exist only for the duration of the test.
func newSigner(t testing.TB, s signerSpec) testSigner {
	t.Helper()
	var key crypto.Signer
	var err error
	if s.rsa {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	if s.notBefore.IsZero() {
		s.notBefore = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if s.notAfter.IsZero() {
		s.notAfter = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{Country: []string{s.country}, Organization: []string{"Synthetic health authority " + s.country}, CommonName: "DSC " + s.country},
		NotBefore:          s.notBefore,
		NotAfter:           s.notAfter,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		UnknownExtKeyUsage: s.eku,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testSigner{key: key, cert: cert}
}

// forgery builds a QR text with every knob a malformed or unusual
// certificate needs. The zero value of a knob gives what the HCERT
// specification prescribes.
type forgery struct {
	signer testSigner
	dgc    map[string]any
	iss    string
	iat    any // time.Time, or a raw claim value; nil leaves the claim out
	exp    any

	alg         cose.Algorithm // default: the signer's
	algInUnprot bool
	kid         []byte // default: KID(signer.cert)
	kidWhere    string // "protected" (default), "unprotected", "both-wrong-unprotected", "none"
	cwtTag      bool   // wrap in tag 61 as well as tag 18
	untagged    bool   // no tag 18
	claims      []byte // replaces the CWT claims
	tamper      bool   // change the payload after signing
	derECDSA    bool   // an ASN.1 DER ECDSA signature instead of r||s
	noZlib      bool
}

func (f forgery) qr(t testing.TB) string {
	t.Helper()
	payload := f.claims
	if payload == nil {
		claims := map[int]any{claimHcert: map[int]any{hcertDGCv1: f.dgc}}
		if f.iss != "" {
			claims[claimIss] = f.iss
		}
		for key, v := range map[int]any{claimIat: f.iat, claimExp: f.exp} {
			switch x := v.(type) {
			case nil:
			case time.Time:
				claims[key] = x.Unix()
			default:
				claims[key] = x
			}
		}
		var err error
		if payload, err = encMode.Marshal(claims); err != nil {
			t.Fatal(err)
		}
	}
	alg := f.alg
	if alg == 0 {
		alg = cose.AlgorithmES256
		if _, ok := f.signer.key.(*rsa.PrivateKey); ok {
			alg = cose.AlgorithmPS256
		}
	}
	kid := f.kid
	if kid == nil {
		k := KID(f.signer.cert)
		kid = k[:]
	}
	prot, unprot := cose.ProtectedHeader{}, cose.UnprotectedHeader{}
	if f.algInUnprot {
		unprot[cose.HeaderLabelAlgorithm] = alg
	} else {
		prot[cose.HeaderLabelAlgorithm] = alg
	}
	switch f.kidWhere {
	case "", "protected":
		prot[cose.HeaderLabelKeyID] = kid
	case "unprotected":
		unprot[cose.HeaderLabelKeyID] = kid
	case "both-wrong-unprotected":
		prot[cose.HeaderLabelKeyID] = kid
		unprot[cose.HeaderLabelKeyID] = []byte("wrongkid")
	case "none":
	}
	msg := cose.Sign1Message{Headers: cose.Headers{Protected: prot, Unprotected: unprot}, Payload: payload}
	signAlg := alg
	if signAlg != cose.AlgorithmES256 && signAlg != cose.AlgorithmPS256 {
		// Sign anyway, with what the key can do; the header lies.
		signAlg = cose.AlgorithmES256
		if _, ok := f.signer.key.(*rsa.PrivateKey); ok {
			signAlg = cose.AlgorithmPS256
		}
	}
	signer, err := cose.NewSigner(signAlg, f.signer.key)
	if err != nil {
		t.Fatal(err)
	}
	// go-cose signs with the protected alg; when the header names another
	// algorithm or none, sign the Sig_structure by hand.
	protected, err := msg.Headers.MarshalProtected()
	if err != nil {
		t.Fatal(err)
	}
	toSign, err := encMode.Marshal([]any{"Signature1", cbor.RawMessage(protected), []byte{}, payload})
	if err != nil {
		t.Fatal(err)
	}
	if f.derECDSA {
		digest := sha256.Sum256(toSign)
		msg.Signature, err = ecdsa.SignASN1(rand.Reader, f.signer.key.(*ecdsa.PrivateKey), digest[:])
	} else {
		msg.Signature, err = signer.Sign(rand.Reader, toSign)
	}
	if err != nil {
		t.Fatal(err)
	}
	if f.tamper {
		msg.Payload = append([]byte(nil), payload...)
		msg.Payload[len(msg.Payload)-1] ^= 1
	}
	body, err := (*cose.UntaggedSign1Message)(&msg).MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	if !f.untagged {
		body = append([]byte{0xd2}, body...)
	}
	if f.cwtTag {
		body = append([]byte{0xd8, 0x3d}, body...)
	}
	if f.noZlib {
		return Prefix + base45.Encode(body)
	}
	return Prefix + base45.Encode(deflate(t, body))
}

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qrOf compresses and encodes arbitrary bytes as if they were a COSE message.
func qrOf(t testing.TB, b []byte) string {
	return Prefix + base45.Encode(deflate(t, b))
}

func cborOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := encMode.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Synthetic DGCs. Names are invented; dates of birth too.

func vaccinationDGC(fnt, gnt, dob string, dn, sd int, dt, country string) map[string]any {
	return map[string]any{
		"ver": "1.3.0",
		"nam": map[string]any{"fn": fnt, "fnt": fnt, "gn": gnt, "gnt": gnt},
		"dob": dob,
		"v": []any{map[string]any{
			"tg": diseaseCOVID19, "vp": vaccineMRNA, "mp": vaccineComirnaty, "ma": holderBioNTech,
			"dn": dn, "sd": sd, "dt": dt, "co": country, "is": "Synthetic health authority " + country,
			"ci": "URN:UVCI:01:" + country + ":V" + fnt + dt,
		}},
	}
}

func testDGC(fnt, gnt, dob, tt, tr string, sc any, country string) map[string]any {
	return map[string]any{
		"ver": "1.3.0",
		"nam": map[string]any{"fn": fnt, "fnt": fnt, "gn": gnt, "gnt": gnt},
		"dob": dob,
		"t": []any{map[string]any{
			"tg": diseaseCOVID19, "tt": tt, "nm": "Synthetic RT-PCR", "sc": sc, "tr": tr,
			"tc": "Synthetic test centre " + country, "co": country, "is": "Synthetic health authority " + country,
			"ci": "URN:UVCI:01:" + country + ":T" + fnt + tt + tr,
		}},
	}
}

func recoveryDGC(fnt, gnt, dob, fr, df, du, country string) map[string]any {
	return map[string]any{
		"ver": "1.3.0",
		"nam": map[string]any{"fn": fnt, "fnt": fnt, "gn": gnt, "gnt": gnt},
		"dob": dob,
		"r": []any{map[string]any{
			"tg": diseaseCOVID19, "fr": fr, "df": df, "du": du, "co": country,
			"is": "Synthetic health authority " + country, "ci": "URN:UVCI:01:" + country + ":R" + fnt + df,
		}},
	}
}

type asn1OID = asn1.ObjectIdentifier

// cborTag1 writes t as a CBOR tag 1 epoch date, as some issuers wrote sc.
func cborTag1(t time.Time) cbor.Tag { return cbor.Tag{Number: 1, Content: t.Unix()} }
