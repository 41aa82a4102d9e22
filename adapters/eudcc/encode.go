package eudcc

import (
	"bytes"
	"compress/zlib"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc/internal/base45"
	"github.com/codefed/codefed/schema"
)

// Value-set codes written for synthetic certificates.
const (
	vaccineMRNA      = "1119349007"    // vp: SARS-CoV-2 mRNA vaccine
	vaccineComirnaty = "EU/1/20/1528"  // mp
	holderBioNTech   = "ORG-100030215" // ma
)

// defaultValidity is the exp of a certificate whose status has no
// valid_until.
const defaultValidity = 365 * 24 * time.Hour

var encMode = func() cbor.EncMode {
	m, err := cbor.EncOptions{Sort: cbor.SortCoreDeterministic}.EncMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// Encode writes one line per status: a certificate signed with
// opts.Signer, ES256 for an EC P-256 key and PS256 for an RSA key, under
// the key identifier of opts.SignerCert, whose country (C) becomes the CWT
// issuer. A person whose document is a dcc_holder gets a bare QR line with
// the names and birth date of that document; anyone else gets a JSON line
// with the document, and a DGC whose names are transliterated from Name,
// surname first. See the package documentation for what a status may hold.
func (Adapter) Encode(people []adapters.Person, opts adapters.EncodeOptions) ([]byte, error) {
	enc, err := newEncoder(opts)
	if err != nil {
		return nil, fmt.Errorf("encode eu-dcc: %w", err)
	}
	var out bytes.Buffer
	for i, p := range people {
		for j, st := range p.Statuses {
			ln, err := enc.line(p, st)
			if err != nil {
				return nil, fmt.Errorf("encode eu-dcc: person %d status %d: %w", i, j, err)
			}
			out.WriteString(ln)
			out.WriteByte('\n')
		}
	}
	return out.Bytes(), nil
}

type encoder struct {
	signer  cose.Signer
	kid     [8]byte
	country string
	issuer  string
	// The signer certificate's validity, which every certificate must lie in.
	signerFrom, signerUntil time.Time
	// fallback is the issue time of a status without one.
	fallback time.Time
}

func newEncoder(opts adapters.EncodeOptions) (*encoder, error) {
	if opts.Signer == nil || opts.SignerCert == nil {
		return nil, errors.New("a signer and its certificate are required")
	}
	var alg cose.Algorithm
	switch k := opts.Signer.Public().(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on %s, HCERT allows P-256 only", k.Curve.Params().Name)
		}
		alg = cose.AlgorithmES256
	case *rsa.PublicKey:
		alg = cose.AlgorithmPS256
	default:
		return nil, fmt.Errorf("%T signer, want EC P-256 or RSA", k)
	}
	signer, err := cose.NewSigner(alg, opts.Signer)
	if err != nil {
		return nil, err
	}
	c := opts.SignerCert
	if len(c.Subject.Country) == 0 || len(c.Subject.Country[0]) != 2 {
		return nil, errors.New("the signer certificate names no country (C) to issue under")
	}
	issuer := c.Subject.CommonName
	if len(c.Subject.Organization) > 0 {
		issuer = c.Subject.Organization[0]
	}
	if issuer == "" {
		issuer = "codefed"
	}
	return &encoder{
		signer: signer, kid: KID(c), country: strings.ToUpper(c.Subject.Country[0]), issuer: truncate(issuer, 80),
		signerFrom: c.NotBefore, signerUntil: c.NotAfter, fallback: opts.At,
	}, nil
}

func (e *encoder) line(p adapters.Person, st schema.Status) (string, error) {
	dgc, err := holder(p)
	if err != nil {
		return "", err
	}
	typ, entry, err := e.entry(st)
	if err != nil {
		return "", err
	}
	dgc[typ] = []any{entry}
	iat := st.IssuedAt
	if iat.IsZero() {
		iat = e.fallback
	}
	if iat.IsZero() {
		return "", errors.New("no issued_at and no issue time in the options")
	}
	exp := st.ValidUntil
	if exp.IsZero() {
		exp = iat.Add(defaultValidity)
	}
	if iat.Before(e.signerFrom) || exp.After(e.signerUntil) {
		return "", fmt.Errorf("certificate valid %s to %s lies outside its signer's validity %s to %s",
			stamp(iat), stamp(exp), stamp(e.signerFrom), stamp(e.signerUntil))
	}
	qr, err := e.sign(dgc, iat, exp)
	if err != nil {
		return "", err
	}
	if p.DocType == schema.DocDCCHolder && st.Region == DefaultRegion {
		return qr, nil
	}
	ln := line{QR: qr, Region: st.Region}
	if p.DocType != schema.DocDCCHolder {
		ln.DocType, ln.DocNumber = p.DocType, p.DocNumber
	}
	b, err := json.Marshal(struct {
		QR        string `json:"qr"`
		DocType   string `json:"doc_type,omitempty"`
		DocNumber string `json:"doc_number,omitempty"`
		Region    string `json:"region,omitempty"`
	}(ln))
	return string(b), err
}

// holder starts the DGC with the person's names and date of birth.
func holder(p adapters.Person) (map[string]any, error) {
	var fnt, gnt, dob string
	if p.DocType == schema.DocDCCHolder {
		norm, err := schema.NormalizeDocument(p.DocType, p.DocNumber)
		if err != nil {
			return nil, err
		}
		names, birth, _ := strings.Cut(norm, "/")
		fnt, gnt, _ = strings.Cut(names, "<<")
		dob = birth
	} else {
		words := strings.Fields(p.Name)
		if len(words) == 0 {
			return nil, errors.New("person has no name")
		}
		var err error
		if fnt, err = transliterate(words[0]); err != nil {
			return nil, err
		}
		if gnt, err = transliterate(strings.Join(words[1:], " ")); err != nil {
			return nil, err
		}
		dob = p.BirthDate
	}
	nam := map[string]any{"fnt": fnt, "fn": strings.ReplaceAll(fnt, "<", " ")}
	if gnt != "" {
		nam["gnt"] = gnt
		nam["gn"] = strings.ReplaceAll(gnt, "<", " ")
	}
	return map[string]any{"ver": "1.3.0", "nam": nam, "dob": dob}, nil
}

// icao maps the Latin letters with diacritics that ICAO 9303 part 3
// transliterates to more than one letter, or to a letter other than their
// base letter.
var icao = map[rune]string{
	'Ä': "AE", 'Æ': "AE", 'Å': "AA", 'Ö': "OE", 'Ø': "OE", 'Ü': "UE", 'ß': "SS", 'Þ': "TH",
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ç': "C", 'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E",
	'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ð': "D", 'Ñ': "N", 'Ò': "O", 'Ó': "O", 'Ô': "O",
	'Õ': "O", 'Ù': "U", 'Ú': "U", 'Û': "U", 'Ý': "Y", 'Ÿ': "Y",
}

// transliterate writes a Latin-script name as ICAO 9303 does in a machine
// readable zone: capitals, '<' between words, apostrophes dropped.
func transliterate(name string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(name) {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r)
		case r == ' ' || r == '-':
			b.WriteByte('<')
		case r == '\'' || r == '’':
		case icao[r] != "":
			b.WriteString(icao[r])
		default:
			return "", fmt.Errorf("name has a character that ICAO 9303 does not transliterate (%U); give the name in Latin script", r)
		}
	}
	return b.String(), nil
}

// entry writes the status as the one DGC group it fits: a recovery when
// it gives that reason, else a NAA test when it has a NAT, else a
// vaccination. The colour must be the one Decode derives from that group.
func (e *encoder) entry(st schema.Status) (string, map[string]any, error) {
	ci := e.uvci(st.Source.RecordID)
	base := map[string]any{"tg": diseaseCOVID19, "co": e.country, "is": e.issuer, "ci": ci}
	switch {
	case slices.Contains(st.Reasons, schema.ReasonRecovered):
		if st.Color != schema.Green {
			return "", nil, fmt.Errorf("a recovery certificate is green, not %s", st.Color)
		}
		if st.ValidUntil.IsZero() {
			return "", nil, errors.New("a recovery certificate needs valid_until")
		}
		from := st.IssuedAt.UTC()
		base["df"] = from.Format(time.DateOnly)
		base["du"] = st.ValidUntil.UTC().Format(time.DateOnly)
		base["fr"] = from.AddDate(0, 0, -11).Format(time.DateOnly)
		return "r", base, nil
	case st.NAT != nil:
		base["tt"] = testTypeNAAT
		base["sc"] = st.NAT.SampledAt.Format(time.RFC3339)
		if st.NAT.Lab != "" {
			base["tc"] = truncate(st.NAT.Lab, 80)
		}
		want := schema.Red
		switch st.NAT.Result {
		case schema.NATNegative:
			base["tr"] = resultNotFound
			want = schema.Green
			if !st.NAT.SampledAt.Add(negativeNATValid).After(st.IssuedAt) {
				want = schema.Yellow
			}
		case schema.NATPositive:
			base["tr"] = resultDetected
		default:
			return "", nil, fmt.Errorf("a test certificate cannot carry a %s result", st.NAT.Result)
		}
		if st.Color != want {
			return "", nil, fmt.Errorf("a %s test certificate sampled %s before issue is %s, not %s",
				st.NAT.Result, st.IssuedAt.Sub(st.NAT.SampledAt), want, st.Color)
		}
		return "t", base, nil
	case st.Vaccination != nil && st.Vaccination.Doses > 0:
		v := st.Vaccination
		base["vp"], base["mp"], base["ma"] = vaccineMRNA, vaccineComirnaty, holderBioNTech
		base["dn"] = v.Doses
		switch st.Color {
		case schema.Green:
			base["sd"] = v.Doses
		case schema.Yellow:
			base["sd"] = v.Doses + 1
		default:
			return "", nil, fmt.Errorf("a vaccination certificate cannot be %s", st.Color)
		}
		base["dt"] = v.LastDoseAt
		if v.LastDoseAt == "" {
			base["dt"] = st.IssuedAt.Format(time.DateOnly)
		}
		return "v", base, nil
	}
	return "", nil, errors.New("status holds no recovery, test or vaccination for a certificate")
}

// uvci derives a stable certificate identifier from the status's record ID.
func (e *encoder) uvci(recordID string) string {
	sum := sha256.Sum256([]byte(recordID))
	return "URN:UVCI:01:" + e.country + ":" + strings.ToUpper(hex.EncodeToString(sum[:12]))
}

// encodeDGC writes a DGC given in its JSON form as CBOR: a json.Number
// becomes an integer when it is one and a float otherwise.
func encodeDGC(dgc map[string]any) ([]byte, error) {
	return encMode.Marshal(cborValue(dgc))
}

func cborValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = cborValue(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cborValue(e)
		}
		return out
	}
	return v
}

func (e *encoder) sign(dgc map[string]any, iat, exp time.Time) (string, error) {
	rawDGC, err := encodeDGC(dgc)
	if err != nil {
		return "", err
	}
	claims := map[int]any{
		claimIss:   e.country,
		claimIat:   iat.Unix(),
		claimExp:   exp.Unix(),
		claimHcert: map[int]any{hcertDGCv1: cbor.RawMessage(rawDGC)},
	}
	payload, err := encMode.Marshal(claims)
	if err != nil {
		return "", err
	}
	msg := cose.Sign1Message{
		Headers: cose.Headers{
			Protected:   cose.ProtectedHeader{cose.HeaderLabelAlgorithm: e.signer.Algorithm(), cose.HeaderLabelKeyID: e.kid[:]},
			Unprotected: cose.UnprotectedHeader{},
		},
		Payload: payload,
	}
	if err := msg.Sign(rand.Reader, nil, e.signer); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	signed, err := msg.MarshalCBOR()
	if err != nil {
		return "", err
	}
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression) // the level is valid
	if _, err := zw.Write(signed); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	return Prefix + base45.Encode(z.Bytes()), nil
}
