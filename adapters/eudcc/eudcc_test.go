package eudcc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	"github.com/codefed/codefed/adapters/synth"
	"github.com/codefed/codefed/schema"
)

// dccPeople are the synthetic people of the round trip.
func dccPeople(seed uint64, n int) []adapters.Person {
	return shapeDCC(synth.People(seed, n, synth.Options{
		DocTypes: sampleDocTypes,
		Region:   "440300",
		System:   "synth",
	}))
}

// expectDCC applies the documented mapping to the statuses the people
// carried, computed without the decoder.
func expectDCC(t *testing.T, people []adapters.Person, country string) []schema.Status {
	t.Helper()
	want, _ := adaptertest.Expected(t, adaptertest.Subjects(t), people)
	for i := range want {
		st := &want[i]
		uvci := sha256.Sum256([]byte(st.Source.RecordID))
		ci := "URN:UVCI:01:" + country + ":" + strings.ToUpper(hex.EncodeToString(uvci[:12]))
		rid := sha256.Sum256([]byte(st.Subject + ":" + ci))
		st.Source = schema.Source{System: "eu-dcc-" + strings.ToLower(country), RecordID: "uvci-" + hex.EncodeToString(rid[:16])}
		switch {
		case st.NAT != nil && st.NAT.Result == schema.NATPositive:
			st.Reasons = []string{schema.ReasonNATPositive}
			st.Local = &schema.Local{Label: "EU DCC NAA test: detected", Code: "t:260373001"}
			st.ValidUntil = time.Time{}
		case st.NAT != nil:
			st.Reasons = []string{schema.ReasonNATNegative72h}
			st.Local = &schema.Local{Label: "EU DCC NAA test: not detected", Code: "t:260415000"}
		case st.Vaccination != nil:
			v := st.Vaccination
			sd := v.Doses
			st.Reasons = []string{schema.ReasonVaccinated}
			if st.Color == schema.Yellow {
				sd++
				st.Reasons = []string{schema.ReasonInbound}
			}
			st.Local = &schema.Local{Label: fmt.Sprintf("EU DCC vaccination, dose %d of %d", v.Doses, sd), Code: fmt.Sprintf("v:%d/%d", v.Doses, sd)}
		default:
			st.Local = &schema.Local{Label: "EU DCC recovery", Code: "r"}
		}
	}
	return want
}

func TestRoundTrip(t *testing.T) {
	ec := newSigner(t, signerSpec{country: "AT", notBefore: time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)})
	rsaSigner := newSigner(t, signerSpec{country: "FR", rsa: true, notBefore: time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)})
	for _, tc := range []struct {
		name   string
		signer testSigner
		seeds  []uint64
	}{
		{"ES256", ec, []uint64{1, 2, 3}},
		{"PS256", rsaSigner, []uint64{4, 5}},
	} {
		for _, seed := range tc.seeds {
			t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) {
				people := dccPeople(seed, 40)
				want := expectDCC(t, people, tc.signer.cert.Subject.Country[0])
				adaptertest.RoundTrip(t, Adapter{}, people,
					adapters.EncodeOptions{Signer: tc.signer.key, SignerCert: tc.signer.cert},
					adapters.DecodeOptions{Trust: []*x509.Certificate{ec.cert, rsaSigner.cert}},
					want, nil)
			})
		}
	}
}

func TestEncodeRefuses(t *testing.T) {
	ec := newSigner(t, signerSpec{country: "AT"})
	noCountry := newSigner(t, signerSpec{})
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	issued := time.Date(2021, 6, 1, 8, 0, 0, 0, adapters.Beijing)
	person := func(name string, st schema.Status) []adapters.Person {
		st.Region, st.IssuedAt, st.ValidUntil = "440300", issued, issued.Add(24*time.Hour)
		return []adapters.Person{{DocType: schema.DocPassport, DocNumber: "E12345678", Name: name, BirthDate: "1990-01-01", Statuses: []schema.Status{st}}}
	}
	opts := adapters.EncodeOptions{Signer: ec.key, SignerCert: ec.cert}
	for _, tc := range []struct {
		name   string
		people []adapters.Person
		opts   adapters.EncodeOptions
		want   string
	}{
		{"no signer", person("Wang Wei", schema.Status{Color: schema.Green, Vaccination: &schema.Vaccination{Doses: 2}}), adapters.EncodeOptions{}, "signer"},
		{"P-384 key", person("Wang Wei", schema.Status{Color: schema.Green}), adapters.EncodeOptions{Signer: p384, SignerCert: ec.cert}, "P-256"},
		{"no country", person("Wang Wei", schema.Status{Color: schema.Green}), adapters.EncodeOptions{Signer: noCountry.key, SignerCert: noCountry.cert}, "country"},
		{"Chinese name", person("王伟", schema.Status{Color: schema.Green, Vaccination: &schema.Vaccination{Doses: 2}}), opts, "Latin script"},
		{"pending test", person("Wang Wei", schema.Status{Color: schema.Yellow, NAT: &schema.NAT{Result: schema.NATPending, SampledAt: issued}}), opts, "pending"},
		{"yellow fresh negative", person("Wang Wei", schema.Status{Color: schema.Yellow, NAT: &schema.NAT{Result: schema.NATNegative, SampledAt: issued.Add(-time.Hour)}}), opts, "green, not yellow"},
		{"red vaccination", person("Wang Wei", schema.Status{Color: schema.Red, Vaccination: &schema.Vaccination{Doses: 1}}), opts, "cannot be red"},
		{"nothing to certify", person("Wang Wei", schema.Status{Color: schema.Green}), opts, "holds no recovery"},
		{"outside signer validity", func() []adapters.Person {
			p := person("Wang Wei", schema.Status{Color: schema.Green, Vaccination: &schema.Vaccination{Doses: 2}})
			p[0].Statuses[0].ValidUntil = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			return p
		}(), opts, "outside its signer's validity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Adapter{}.Encode(tc.people, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Encode error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestTransliterate(t *testing.T) {
	for in, want := range map[string]string{
		"Müller-Lüdenscheidt": "MUELLER<LUEDENSCHEIDT",
		"Gößinger":            "GOESSINGER",
		"d'Artagnan":          "DARTAGNAN",
		"Åsa Ørsted":          "AASA<OERSTED",
		"José":                "JOSE",
	} {
		got, err := transliterate(in)
		if err != nil || got != want {
			t.Errorf("transliterate(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// decodeQR decodes one line with the golden options.
func decodeQR(t *testing.T, line string, opts adapters.DecodeOptions) *adapters.Result {
	t.Helper()
	return adaptertest.Decode(t, Adapter{}, []byte(line+"\n"), opts)
}

// stageOf decodes one line and returns the stage it was rejected at, or "".
func stageOf(t *testing.T, line string, opts adapters.DecodeOptions) (string, string) {
	t.Helper()
	res := decodeQR(t, line, opts)
	if len(res.Rejected) == 0 {
		return "", ""
	}
	return res.Rejected[0].Stage, res.Rejected[0].Err.Error()
}

// TestKIDRules is CO18 to CO23 of the common test list with keys made here.
func TestKIDRules(t *testing.T) {
	s := newSigner(t, signerSpec{country: "AT"})
	opts := adapters.DecodeOptions{Trust: []*x509.Certificate{s.cert}, At: goldenClock}
	dgc := vaccinationDGC("KID", "TEST", "1990-01-01", 2, 2, "2021-06-01", "AT")
	base := forgery{signer: s, iss: "AT", iat: date("2021-06-30T00:00:00Z"), exp: date("2022-06-30T00:00:00Z"), dgc: dgc}
	wrong := []byte("12345678")
	for _, tc := range []struct {
		name      string
		f         func(f forgery) forgery
		wantStage string
	}{
		{"protected only", func(f forgery) forgery { return f }, ""},
		{"unprotected only", func(f forgery) forgery { f.kidWhere = "unprotected"; return f }, ""},
		{"protected right, unprotected wrong", func(f forgery) forgery { f.kidWhere = "both-wrong-unprotected"; return f }, ""},
		{"protected wrong", func(f forgery) forgery { f.kid = wrong; return f }, StageSignature},
		{"unprotected wrong", func(f forgery) forgery { f.kid, f.kidWhere = wrong, "unprotected"; return f }, StageSignature},
		{"no kid", func(f forgery) forgery { f.kidWhere = "none"; return f }, StageSignature},
		{"kid of 9 bytes", func(f forgery) forgery { f.kid = append(wrong, 9); return f }, StageSignature},
		{"alg unprotected", func(f forgery) forgery { f.algInUnprot = true; return f }, ""},
		{"untagged", func(f forgery) forgery { f.untagged = true; return f }, ""},
		{"CWT and COSE tags", func(f forgery) forgery { f.cwtTag = true; return f }, ""},
		{"CWT tag alone", func(f forgery) forgery { f.cwtTag, f.untagged = true, true; return f }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stage, msg := stageOf(t, tc.f(base).qr(t), opts)
			if stage != tc.wantStage {
				t.Fatalf("stage %q (%s), want %q", stage, msg, tc.wantStage)
			}
		})
	}
}

// TestSharedKID checks that every trusted certificate with the message's
// kid is tried: eight bytes of a hash collide in large trust lists.
func TestSharedKID(t *testing.T) {
	right := newSigner(t, signerSpec{country: "AT"})
	other := newSigner(t, signerSpec{country: "AT"})
	kid := KID(right.cert)
	trust := &TrustList{byKID: map[[8]byte][]*x509.Certificate{kid: {other.cert, right.cert}}}
	qr := forgery{signer: right, iss: "AT", iat: date("2021-06-30T00:00:00Z"), exp: date("2022-06-30T00:00:00Z"),
		dgc: vaccinationDGC("KID", "SHARED", "1990-01-01", 2, 2, "2021-06-01", "AT")}.qr(t)
	c, err := Parse(qr)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := c.Verify(trust, goldenClock)
	if err != nil {
		t.Fatal(err)
	}
	if signer != right.cert {
		t.Fatal("verified with the wrong certificate")
	}
}

// TestAlgorithmAndKey covers CO4, CO24 and CO27: algorithms outside ES256
// and PS256, an algorithm that does not fit the signer's key, and a DER
// ECDSA signature.
func TestAlgorithmAndKey(t *testing.T) {
	ec := newSigner(t, signerSpec{country: "AT"})
	rs := newSigner(t, signerSpec{country: "FR", rsa: true})
	opts := adapters.DecodeOptions{Trust: []*x509.Certificate{ec.cert, rs.cert}, At: goldenClock}
	dgc := vaccinationDGC("ALG", "TEST", "1990-01-01", 2, 2, "2021-06-01", "AT")
	f := forgery{iss: "AT", iat: date("2021-06-30T00:00:00Z"), exp: date("2022-06-30T00:00:00Z"), dgc: dgc}
	for _, tc := range []struct {
		name string
		f    forgery
		want string
	}{
		{"ES256 with an RSA signer", func() forgery { g := f; g.signer, g.alg = ec, cose.AlgorithmES256; g.kid = kidOf(rs); return g }(), "ES256 needs an EC P-256 key"},
		{"PS256 with an EC signer", func() forgery { g := f; g.signer, g.alg = rs, cose.AlgorithmPS256; g.kid = kidOf(ec); return g }(), "PS256 needs an RSA key"},
		{"EdDSA", func() forgery { g := f; g.signer, g.alg = ec, cose.AlgorithmEdDSA; return g }(), "not allowed"},
		{"RS256", func() forgery { g := f; g.signer, g.alg = rs, cose.AlgorithmRS256; return g }(), "not allowed"},
		{"DER ECDSA signature", func() forgery { g := f; g.signer, g.derECDSA = ec, true; return g }(), "verification error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stage, msg := stageOf(t, tc.f.qr(t), opts)
			if stage != StageSignature || !strings.Contains(msg, tc.want) {
				t.Fatalf("stage %q (%s), want signature: %q", stage, msg, tc.want)
			}
		})
	}
}

func kidOf(s testSigner) []byte { k := KID(s.cert); return k[:] }

// TestPSSSaltLengths accepts RSASSA-PSS signatures whatever the salt length
// the issuer's library chose.
func TestPSSSaltLengths(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("Sig_structure")
	digest := sha256.Sum256(content)
	for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto, 0, 64} {
		sig, err := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		if err := (pssVerifier{&key.PublicKey}).Verify(content, sig); err != nil {
			t.Errorf("salt length %d: %v", salt, err)
		}
	}
	sig, _ := rsa.SignPSS(rand.Reader, key, crypto.SHA256, digest[:], nil)
	if (pssVerifier{&key.PublicKey}).Verify([]byte("other"), sig) == nil {
		t.Error("verified a signature over other content")
	}
}

// TestKeyUsage covers CO6 to CO15 and both OID arcs.
func TestKeyUsage(t *testing.T) {
	dgcs := map[string]map[string]any{
		"v": {"v": []any{}}, "t": {"t": []any{}}, "r": {"r": []any{}},
	}
	for _, tc := range []struct {
		name string
		eku  []asn1OID
		ok   string // the types the signer may sign
	}{
		{"no extended key usage", nil, "vtr"},
		{"test", []asn1OID{ekuTest}, "t"},
		{"legacy test", []asn1OID{ekuLegacyTest}, "t"},
		{"vaccination", []asn1OID{ekuVaccination}, "v"},
		{"legacy vaccination", []asn1OID{ekuLegacyVaccine}, "v"},
		{"recovery", []asn1OID{ekuRecovery}, "r"},
		{"test and recovery", []asn1OID{ekuTest, ekuRecovery}, "tr"},
		{"only an unrelated usage", []asn1OID{{1, 3, 6, 1, 5, 5, 7, 3, 4}}, "vtr"},
	} {
		cert := &x509.Certificate{UnknownExtKeyUsage: tc.eku}
		for typ, dgc := range dgcs {
			err := checkKeyUsage(cert, dgc)
			if allowed := strings.Contains(tc.ok, typ); allowed != (err == nil) {
				t.Errorf("%s signing %s: error %v, want allowed=%v", tc.name, typ, err, allowed)
			}
		}
	}
}

// TestCheckTime covers CO16, CO17 and the signer-validity rules, with the
// NumericDate forms issuers used.
func TestCheckTime(t *testing.T) {
	signer := &x509.Certificate{NotBefore: date("2021-01-01T00:00:00Z"), NotAfter: date("2023-01-01T00:00:00Z")}
	iat, exp := date("2021-06-01T00:00:00Z"), date("2022-06-01T00:00:00Z")
	raw := func(v any) cbor.RawMessage { return cborOf(t, v) }
	for _, tc := range []struct {
		name     string
		iat, exp cbor.RawMessage
		at       time.Time
		want     string // error fragment, "" for valid
	}{
		{"valid", raw(iat.Unix()), raw(exp.Unix()), date("2021-07-01T00:00:00Z"), ""},
		{"clock at iat", raw(iat.Unix()), raw(exp.Unix()), iat, ""},
		{"clock at exp", raw(iat.Unix()), raw(exp.Unix()), exp, ""},
		{"no clock", raw(iat.Unix()), raw(exp.Unix()), time.Time{}, ""},
		{"float seconds", raw(float64(iat.Unix()) + 0.25), raw(float64(exp.Unix())), date("2021-07-01T00:00:00Z"), ""},
		{"tag 1 dates", raw(cborTag1(iat)), raw(cborTag1(exp)), date("2021-07-01T00:00:00Z"), ""},
		{"before iat", raw(iat.Unix()), raw(exp.Unix()), iat.Add(-time.Second), "not valid yet"},
		{"after exp", raw(iat.Unix()), raw(exp.Unix()), exp.Add(time.Second), "expired"},
		{"no iat", nil, raw(exp.Unix()), time.Time{}, "no iat claim"},
		{"no exp", raw(iat.Unix()), nil, time.Time{}, "no exp claim"},
		{"text iat", raw("2021-06-01"), raw(exp.Unix()), time.Time{}, "want seconds since the epoch"},
		{"exp before iat", raw(exp.Unix()), raw(iat.Unix()), time.Time{}, "before it was issued"},
		{"issued before the signer", raw(date("2020-12-31T00:00:00Z").Unix()), raw(exp.Unix()), time.Time{}, "before its signing certificate became valid"},
		{"outlives the signer", raw(iat.Unix()), raw(date("2023-06-01T00:00:00Z").Unix()), time.Time{}, "after its signing certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Certificate{iat: tc.iat, exp: tc.exp}
			err := c.checkTime(signer, tc.at)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			case err != nil && err.(*StageError).Stage != StageExpired:
				t.Fatalf("stage %s, want expired", err.(*StageError).Stage)
			}
		})
	}
}

func TestStripTags(t *testing.T) {
	array := []byte{0x84, 0x40}
	for _, tc := range []struct {
		name string
		in   []byte
		ok   bool
	}{
		{"untagged", array, true},
		{"COSE_Sign1", append([]byte{0xd2}, array...), true},
		{"COSE_Sign1 in a long head", append([]byte{0xd8, 0x12}, array...), true},
		{"CWT then COSE_Sign1", append([]byte{0xd8, 0x3d, 0xd2}, array...), true},
		{"CWT alone", append([]byte{0xd8, 0x3d}, array...), true},
		{"COSE_Sign1 then CWT", append([]byte{0xd2, 0xd8, 0x3d}, array...), false},
		{"COSE_Sign1 twice", append([]byte{0xd2, 0xd2}, array...), false},
		{"COSE_Sign (98)", append([]byte{0xd8, 0x62}, array...), false},
		{"truncated head", []byte{0xd8}, false},
	} {
		got, err := stripTags(tc.in)
		if tc.ok && (err != nil || !bytes.Equal(got, array)) {
			t.Errorf("%s: %x, %v; want the bare array", tc.name, got, err)
		}
		if !tc.ok && err == nil {
			t.Errorf("%s: accepted", tc.name)
		}
	}
}

func TestInflateRefusesBombs(t *testing.T) {
	_, err := inflate(deflate(t, make([]byte, maxCOSE+1)))
	var se *StageError
	if !errors.As(err, &se) || se.Stage != StageZlib {
		t.Fatalf("error %v, want a zlib stage error", err)
	}
	if _, err := inflate(deflate(t, make([]byte, maxCOSE))); err != nil {
		t.Fatalf("a payload of exactly the limit: %v", err)
	}
	broken := deflate(t, []byte("certificate"))
	broken[len(broken)-1] ^= 1 // the Adler-32 checksum
	if _, err := inflate(broken); err == nil {
		t.Fatal("accepted a stream with a wrong checksum")
	}
}

func TestDecodeDGCValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want string // JSON of the result, or "error"
	}{
		{"integers and floats", map[string]any{"a": 1, "b": -2, "c": 1.5}, `{"a":1,"b":-2,"c":1.5}`},
		{"tag 0 date keeps its offset", map[string]any{"sc": cbor.Tag{Number: 0, Content: "2021-06-01T10:00:00+02:00"}}, `{"sc":"2021-06-01T10:00:00+02:00"}`},
		{"tag 1 date in UTC", map[string]any{"sc": cbor.Tag{Number: 1, Content: 1622534400}}, `{"sc":"2021-06-01T08:00:00Z"}`},
		{"RFC 8943 full-date", map[string]any{"dt": cbor.Tag{Number: 1004, Content: "2021-06-01"}}, `{"dt":"2021-06-01"}`},
		{"RFC 8943 days", map[string]any{"dt": cbor.Tag{Number: 100, Content: 18779}}, `{"dt":"2021-06-01"}`},
		{"byte string", map[string]any{"ci": []byte("x")}, "error"},
		{"integer key", map[int]any{1: "x"}, "error"},
		{"unknown tag", map[string]any{"x": cbor.Tag{Number: 9999, Content: 1}}, "error"},
		{"not a map", []any{1}, "error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeDGC(cborOf(t, tc.in))
			if tc.want == "error" {
				if err == nil {
					t.Fatalf("decoded %v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tc.want {
				t.Fatalf("got %s, want %s", b, tc.want)
			}
		})
	}
	// Duplicate keys would let two readers see two certificates.
	dup := []byte{0xa2, 0x61, 'a', 0x01, 0x61, 'a', 0x02}
	if _, err := DecodeDGC(dup); err == nil {
		t.Fatal("accepted a map with a duplicate key")
	}
}

func TestHolderID(t *testing.T) {
	for _, tc := range []struct {
		name string
		dgc  map[string]any
		want string // "" for an error
	}{
		{"full", map[string]any{"nam": map[string]any{"fnt": "MUSTERFRAU<GOESSINGER", "gnt": "GABRIELE"}, "dob": "1998-02-26"}, "MUSTERFRAU<GOESSINGER<<GABRIELE/1998-02-26"},
		{"no given name", map[string]any{"nam": map[string]any{"fnt": "ROSSI"}, "dob": "1960"}, "ROSSI<</1960"},
		{"date of birth with a time", map[string]any{"nam": map[string]any{"fnt": "A", "gnt": "B"}, "dob": "1979-04-14T00:00:00"}, "A<<B/1979-04-14"},
		{"empty date of birth", map[string]any{"nam": map[string]any{"fnt": "A"}, "dob": ""}, ""},
		{"no surname", map[string]any{"nam": map[string]any{"gnt": "B"}, "dob": "1990"}, ""},
		{"not transliterated", map[string]any{"nam": map[string]any{"fnt": "Müller"}, "dob": "1990"}, ""},
	} {
		got, err := HolderID(tc.dgc)
		if got != tc.want || (tc.want == "") != (err != nil) {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "MÜLLER") {
			t.Errorf("%s: error quotes the name", tc.name)
		}
	}
}

// TestMapping checks the colour, reasons and validity each certificate
// type gives, from the DGC alone.
func TestMapping(t *testing.T) {
	iat, exp := date("2021-06-30T15:00:00Z"), date("2022-06-30T15:00:00Z")
	clock := date("2021-07-01T12:00:00Z")
	for _, tc := range []struct {
		name       string
		dgc        map[string]any
		color      string
		reasons    string
		validUntil string // "" for none
		stage      string // rejection stage, "" when kept
	}{
		{"complete vaccination", vaccinationDGC("A", "B", "1990", 2, 2, "2021-06-01", "AT"), "green", "vaccinated", "2022-06-30T23:00:00+08:00", ""},
		{"single-dose vaccine", vaccinationDGC("A", "B", "1990", 1, 1, "2021-06-01", "AT"), "green", "vaccinated", "2022-06-30T23:00:00+08:00", ""},
		{"booster", vaccinationDGC("A", "B", "1990", 3, 2, "2021-06-01", "AT"), "green", "vaccinated", "2022-06-30T23:00:00+08:00", ""},
		{"incomplete vaccination", vaccinationDGC("A", "B", "1990", 1, 2, "2021-06-01", "AT"), "yellow", "inbound_traveller", "2022-06-30T23:00:00+08:00", ""},
		{"fresh negative NAA test", testDGC("A", "B", "1990", testTypeNAAT, resultNotFound, "2021-06-30T10:00:00Z", "AT"), "green", "nat_negative_72h", "2021-07-03T18:00:00+08:00", ""},
		{"negative NAA test 72 h old at issue", testDGC("A", "B", "1990", testTypeNAAT, resultNotFound, "2021-06-27T15:00:00Z", "AT"), "yellow", "inbound_traveller", "2022-06-30T23:00:00+08:00", ""},
		{"negative NAA test just under 72 h old", testDGC("A", "B", "1990", testTypeNAAT, resultNotFound, "2021-06-27T15:00:01Z", "AT"), "green", "nat_negative_72h", "2021-06-30T23:00:01+08:00", ""},
		{"positive NAA test", testDGC("A", "B", "1990", testTypeNAAT, resultDetected, "2021-06-30T10:00:00Z", "AT"), "red", "nat_positive", "", ""},
		{"negative antigen test", testDGC("A", "B", "1990", testTypeRAT, resultNotFound, "2021-06-30T10:00:00Z", "AT"), "yellow", "inbound_traveller", "2022-06-30T23:00:00+08:00", ""},
		{"positive antigen test", testDGC("A", "B", "1990", testTypeRAT, resultDetected, "2021-06-30T10:00:00Z", "AT"), "red", "risk_group", "", ""},
		{"sample after the clock", testDGC("A", "B", "1990", testTypeNAAT, resultNotFound, "2021-07-01T12:00:01Z", "AT"), "", "", "", StageExpired},
		{"unknown test result", testDGC("A", "B", "1990", testTypeNAAT, "1", "2021-06-30T10:00:00Z", "AT"), "", "", "", StageSchema},
		{"recovery", recoveryDGC("A", "B", "1990", "2021-06-01", "2021-06-12", "2021-12-01", "AT"), "green", "recovered", "2021-12-02T08:00:00+08:00", ""},
		{"recovery past du", recoveryDGC("A", "B", "1990", "2021-01-01", "2021-01-12", "2021-06-30", "AT"), "", "", "", StageExpired},
		{"recovery before df", recoveryDGC("A", "B", "1990", "2021-06-01", "2021-07-02", "2021-12-01", "AT"), "", "", "", StageExpired},
		{"recovery until the last day", recoveryDGC("A", "B", "1990", "2021-06-01", "2021-06-12", "2021-07-01", "AT"), "green", "recovered", "2021-07-02T08:00:00+08:00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &Certificate{Issuer: "AT", DGC: jsonForm(t, tc.dgc), iat: cborOf(t, iat.Unix()), exp: cborOf(t, exp.Unix())}
			if err := ValidateDGC(c.DGC); err != nil {
				t.Fatalf("test DGC invalid: %v", err)
			}
			st, err := mapStatus(c, strings.Repeat("a", 64), "440300", clock)
			if tc.stage != "" {
				var se *StageError
				if !errors.As(err, &se) || se.Stage != tc.stage {
					t.Fatalf("error %v, want stage %s", err, tc.stage)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			vu := ""
			if !st.ValidUntil.IsZero() {
				vu = st.ValidUntil.Format(time.RFC3339)
			}
			if st.Color != tc.color || strings.Join(st.Reasons, ",") != tc.reasons || vu != tc.validUntil {
				t.Fatalf("got %s %v until %q, want %s %s until %q", st.Color, st.Reasons, vu, tc.color, tc.reasons, tc.validUntil)
			}
			if err := schema.ValidateStatus(&st); err != nil {
				t.Fatalf("status invalid: %v", err)
			}
		})
	}
}

// jsonForm passes a DGC through CBOR, as Parse would give it.
func jsonForm(t *testing.T, dgc map[string]any) map[string]any {
	t.Helper()
	m, err := DecodeDGC(cborOf(t, dgc))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseDateTime(t *testing.T) {
	for in, want := range map[string]string{
		"2021-06-01T10:00:00Z":           "2021-06-01T10:00:00Z",
		"2021-06-01T10:00:00+02:00":      "2021-06-01T10:00:00+02:00",
		"2021-06-01T10:00:00+0200":       "2021-06-01T10:00:00+02:00",
		"2021-06-01T10:00:00.123+02:00":  "2021-06-01T10:00:00.123+02:00",
		"2021-06-01T10:00:00.1234567Z":   "2021-06-01T10:00:00.1234567Z",
		"2021-06-01T10:00:00+02":         "2021-06-01T10:00:00+02:00",
		"2021-06-01T10:00Z":              "2021-06-01T10:00:00Z",
		"2021-06-01T10:00:00":            "2021-06-01T10:00:00Z",
		"2021-06-01 10:00:00":            "2021-06-01T10:00:00Z",
		"2021-06-01T10:00":               "2021-06-01T10:00:00Z",
		"2021-02-30T10:00:00Z":           "error",
		"yesterday":                      "error",
		"2021-06-01":                     "2021-06-01T00:00:00Z",
		"2021-06-01T10:00:00+02:00 junk": "error",
	} {
		got, err := parseDateTime(in, "sc")
		if want == "error" {
			if err == nil {
				t.Errorf("%q: parsed as %v", in, got)
			} else if strings.Contains(err.Error(), in) {
				t.Errorf("%q: the error quotes the value", in)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("%q: %v, %v; want %s", in, got, err, want)
		}
	}
}

// TestNoPersonalData decodes the golden inputs and checks that no name,
// date of birth or document number of them reaches a status or an error.
func TestNoPersonalData(t *testing.T) {
	opts := goldenOptions(t)
	opts.Subjects = adaptertest.Subjects(t)
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.in"))
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := Adapter{}.Decode(raw, opts)
		if err != nil {
			continue
		}
		out, _ := json.Marshal(res.Batch)
		for _, r := range res.Rejected {
			out = append(out, r.Error()...)
		}
		for _, w := range res.Warnings {
			out = append(out, w.Error()...)
		}
		for _, line := range strings.Split(string(raw), "\n") {
			var secrets []string
			var ln struct{ QR, DocNumber string }
			if json.Unmarshal([]byte(line), &ln) == nil && ln.QR != "" {
				line = ln.QR
				secrets = append(secrets, ln.DocNumber)
			}
			if c, err := Parse(strings.TrimSpace(line)); err == nil {
				nam, _ := c.DGC["nam"].(map[string]any)
				for _, k := range []string{"fn", "fnt", "gn", "gnt"} {
					if s, _ := nam[k].(string); len(s) > 1 {
						secrets = append(secrets, s)
					}
				}
				if dob, _ := c.DGC["dob"].(string); len(dob) >= 4 {
					secrets = append(secrets, `"`+dob)
				}
			}
			for _, s := range secrets {
				if s != "" && bytes.Contains(out, []byte(s)) {
					t.Errorf("%s: output contains %q", in, s)
				}
			}
		}
	}
}

// TestMinimalCertificate checks the fallback reader of the vector test
// against crypto/x509.
func TestMinimalCertificate(t *testing.T) {
	for _, s := range []signerSpec{{country: "AT"}, {country: "FR", rsa: true, eku: []asn1OID{ekuVaccination, ekuLegacyTest}}} {
		want := newSigner(t, s).cert
		got, err := minimalCertificate(want.Raw)
		if err != nil {
			t.Fatal(err)
		}
		if !got.NotBefore.Equal(want.NotBefore) || !got.NotAfter.Equal(want.NotAfter) || KID(got) != KID(want) ||
			fmt.Sprint(got.UnknownExtKeyUsage) != fmt.Sprint(want.UnknownExtKeyUsage) || fmt.Sprint(got.PublicKey) != fmt.Sprint(want.PublicKey) {
			t.Errorf("minimal reading differs from crypto/x509 for %+v", s)
		}
	}
}

func TestAdapterRegistered(t *testing.T) {
	a, ok := adapters.Lookup(ID)
	if !ok || a.ID() != "eu-dcc" || len(a.Regions()) != 1 || a.Description() == "" {
		t.Fatalf("Lookup(%q) = %v, %v", ID, a, ok)
	}
}

// goldenLines returns every non-blank line of the golden inputs: single
// certificates make far faster fuzz inputs than whole payloads.
func goldenLines(f *testing.F) []string {
	inputs, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.in"))
	var lines []string
	for _, in := range inputs {
		b, err := os.ReadFile(in)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) != "" {
				lines = append(lines, strings.TrimSuffix(line, "\r"))
			}
		}
	}
	return lines
}

func FuzzDecode(f *testing.F) {
	adaptertest.SeedCorpus(f, filepath.Join("testdata", "golden"))
	for _, line := range goldenLines(f) {
		f.Add([]byte(line))
	}
	opts := goldenOptions(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		adaptertest.Fuzz(t, Adapter{}, opts, b)
	})
}

// FuzzParse feeds QR texts to Parse and Verify: every failure must be a
// *StageError naming a stage, and nothing may panic.
func FuzzParse(f *testing.F) {
	for _, line := range goldenLines(f) {
		if strings.HasPrefix(line, Prefix) {
			f.Add(line)
		}
	}
	trust := NewTrustList(goldenOptions(f).Trust)
	stages := []string{StagePrefix, StageBase45, StageZlib, StageCOSE, StageCBOR, StageSignature, StageKeyUsage, StageExpired, StageSchema}
	f.Fuzz(func(t *testing.T, qr string) {
		c, err := Parse(qr)
		if err == nil {
			_, err = c.Verify(trust, goldenClock)
		}
		if err == nil {
			return
		}
		var se *StageError
		if !errors.As(err, &se) || !slices.Contains(stages, se.Stage) || se.Err == nil {
			t.Fatalf("error %v is not a stage error", err)
		}
	})
}

// BenchmarkDecode decodes and verifies 1,000 ES256 certificates per
// operation, the work of a checkpoint's batch.
func BenchmarkDecode(b *testing.B) {
	signer := newSigner(b, signerSpec{country: "AT", notBefore: time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC)})
	people := dccPeople(7, 1000)
	raw, err := Adapter{}.Encode(people, adapters.EncodeOptions{Signer: signer.key, SignerCert: signer.cert})
	if err != nil {
		b.Fatal(err)
	}
	opts := adapters.DecodeOptions{Subjects: adaptertest.Subjects(b), Trust: []*x509.Certificate{signer.cert}}
	b.SetBytes(int64(len(raw)))
	b.ResetTimer()
	for b.Loop() {
		res, err := Adapter{}.Decode(raw, opts)
		if err != nil || len(res.Rejected) > 0 || len(res.Batch.Statuses) != len(people) {
			b.Fatalf("decode: %v, %d rejected", err, len(res.Rejected))
		}
	}
	rate := float64(len(people)*b.N) / b.Elapsed().Seconds()
	b.ReportMetric(rate, "certificates/s")
	b.ReportMetric(rate, "records/s")
}

func TestParseLine(t *testing.T) {
	for _, tc := range []struct {
		in    string
		stage string // "" when the line reads
		want  line
	}{
		{"HC1:ABC", "", line{QR: "HC1:ABC", Region: DefaultRegion}},
		{"  \tHC1:AB ", "", line{QR: "HC1:AB ", Region: DefaultRegion}}, // a trailing space is Base45
		{`{"qr":"HC1:ABC","region":"610113001","extra":1}`, "", line{QR: "HC1:ABC", Region: "610113001"}},
		{`{"qr":"HC1:ABC","doc_type":"passport","doc_number":"E1"}`, "", line{QR: "HC1:ABC", DocType: "passport", DocNumber: "E1", Region: DefaultRegion}},
		{`{"qr":"HC1:ABC","doc_type":"passport"}`, StageSchema, line{}},
		{`{"qr":"HC1:ABC","region":"061000"}`, StageSchema, line{}},
		{`{"qr":"HC1:ABC","region":"6101"}`, StageSchema, line{}},
		{`{"doc_type":"passport","doc_number":"E1"}`, StagePrefix, line{}},
		{`{"qr":1}`, StagePrefix, line{}},
		{`{"qr":"HC1:ABC"`, StagePrefix, line{}},
	} {
		got, err := parseLine(tc.in)
		var se *StageError
		switch {
		case tc.stage == "" && (err != nil || got != tc.want):
			t.Errorf("parseLine(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		case tc.stage != "" && (!errors.As(err, &se) || se.Stage != tc.stage):
			t.Errorf("parseLine(%q) error %v, want stage %s", tc.in, err, tc.stage)
		}
	}
}

// TestIssuerWarning keeps a certificate whose iss is no country code, under
// the plain system name, and warns.
func TestIssuerWarning(t *testing.T) {
	s := newSigner(t, signerSpec{country: "AT"})
	qr := forgery{signer: s, iss: "AT-1", iat: date("2021-06-30T00:00:00Z"), exp: date("2022-06-30T00:00:00Z"),
		dgc: vaccinationDGC("ISS", "TEST", "1990-01-01", 2, 2, "2021-06-01", "AT")}.qr(t)
	res := decodeQR(t, qr, adapters.DecodeOptions{Trust: []*x509.Certificate{s.cert}, At: goldenClock})
	if len(res.Batch.Statuses) != 1 || res.Batch.Statuses[0].Source.System != ID {
		t.Fatalf("statuses %+v, rejected %v", res.Batch.Statuses, res.Rejected)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Field != "cwt.iss" {
		t.Fatalf("warnings %v, want one about cwt.iss", res.Warnings)
	}
}
