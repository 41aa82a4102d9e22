package eudcc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"
	"github.com/xeipuuv/gojsonschema"
)

// KID returns the key identifier of a document signer certificate: the
// first 8 bytes of the SHA-256 of its DER encoding.
func KID(cert *x509.Certificate) [8]byte {
	sum := sha256.Sum256(cert.Raw)
	return [8]byte(sum[:8])
}

// TrustList indexes trusted document signer certificates by key identifier.
// Several certificates may share one (8 bytes of a hash collide in a trust
// list of thousands); a signature is accepted when any of them verifies it.
type TrustList struct {
	byKID map[[8]byte][]*x509.Certificate
}

// NewTrustList indexes certs.
func NewTrustList(certs []*x509.Certificate) *TrustList {
	t := &TrustList{byKID: make(map[[8]byte][]*x509.Certificate, len(certs))}
	for _, c := range certs {
		if c != nil {
			k := KID(c)
			t.byKID[k] = append(t.byKID[k], c)
		}
	}
	return t
}

// Verify checks, in this order, that the certificate is signed by a trusted
// document signer (signature), that the signer may sign this type of
// certificate (key-usage), that it is valid at the clock at and within its
// signer's validity (expired; the clock is not consulted when at is zero),
// and that the DGC matches the schema (schema). It returns the signing
// certificate. Errors are *StageError.
func (c *Certificate) Verify(trust *TrustList, at time.Time) (*x509.Certificate, error) {
	signer, err := c.verifySignature(trust)
	if err != nil {
		return nil, err
	}
	if err := checkKeyUsage(signer, c.DGC); err != nil {
		return nil, err
	}
	if err := c.checkTime(signer, at); err != nil {
		return nil, err
	}
	if err := ValidateDGC(c.DGC); err != nil {
		return nil, err
	}
	return signer, nil
}

// verifySignature finds the trusted certificates of the message's kid and
// returns the first whose key verifies the signature. The kid is not a hint
// to be worked around: a message whose kid names no trusted certificate is
// refused even if some other trusted key would verify it, because the
// protected kid is part of what the issuer signed.
func (c *Certificate) verifySignature(trust *TrustList) (*x509.Certificate, error) {
	alg, msg, err := c.signedMessage()
	if err != nil {
		return nil, err
	}
	if alg != cose.AlgorithmES256 && alg != cose.AlgorithmPS256 {
		return nil, stageErrorf(StageSignature, "cose.alg", "algorithm %v is not allowed, want ES256 or PS256", alg)
	}
	if c.KID == nil {
		return nil, stageErrorf(StageSignature, "cose.kid", "neither header has a kid")
	}
	if len(c.KID) != 8 {
		return nil, stageErrorf(StageSignature, "cose.kid", "kid is %d bytes, want 8", len(c.KID))
	}
	var candidates []*x509.Certificate
	if trust != nil {
		candidates = trust.byKID[[8]byte(c.KID)]
	}
	kid := base64.StdEncoding.EncodeToString(c.KID)
	if len(candidates) == 0 {
		return nil, stageErrorf(StageSignature, "cose.kid", "no trusted signing certificate has kid %s", kid)
	}
	var last error
	for _, cert := range candidates {
		v, err := verifierFor(alg, cert)
		if err != nil {
			last = err
			continue
		}
		if err := msg.Verify(nil, v); err != nil {
			last = err
			continue
		}
		return cert, nil
	}
	return nil, stageErrorf(StageSignature, "cose.signature", "signature does not verify with the signing certificate of kid %s: %w", kid, last)
}

// signedMessage returns the message's algorithm and the message to verify.
// The algorithm belongs in the protected header, but issuers have put it in
// the unprotected one, and verifiers accept it there: it cannot be
// substituted to any effect, since each allowed algorithm works with one
// key type only and the trusted certificate fixes the key. go-cose reads
// the algorithm from the protected header alone, so it is copied there;
// the signature still covers the protected header as it was sent.
func (c *Certificate) signedMessage() (cose.Algorithm, *cose.Sign1Message, error) {
	alg, err := c.msg.Headers.Protected.Algorithm()
	if err == nil {
		return alg, c.msg, nil
	}
	if !errors.Is(err, cose.ErrAlgorithmNotFound) {
		return 0, nil, stageErrorf(StageSignature, "cose.alg", "protected alg is unusable: %w", err)
	}
	raw, ok := c.msg.Headers.Unprotected[cose.HeaderLabelAlgorithm]
	if !ok {
		return 0, nil, stageErrorf(StageSignature, "cose.alg", "neither header has an alg")
	}
	n, ok := raw.(int64)
	if !ok {
		return 0, nil, stageErrorf(StageSignature, "cose.alg", "unprotected alg is a %s, want an integer", kindOf(raw))
	}
	alg = cose.Algorithm(n)
	m := *c.msg
	m.Headers.Protected = maps.Clone(c.msg.Headers.Protected)
	m.Headers.Protected.SetAlgorithm(alg)
	return alg, &m, nil
}

func verifierFor(alg cose.Algorithm, cert *x509.Certificate) (cose.Verifier, error) {
	pub, err := publicKey(cert)
	if err != nil {
		return nil, err
	}
	switch alg {
	case cose.AlgorithmES256:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("ES256 needs an EC P-256 key, the certificate has %s", keyDescription(pub))
		}
		return cose.NewVerifier(alg, k)
	case cose.AlgorithmPS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("PS256 needs an RSA key, the certificate has %s", keyDescription(pub))
		}
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("RSA key of %d bits is too short, want at least 2048 (RFC 8230)", k.N.BitLen())
		}
		return pssVerifier{k}, nil
	}
	return nil, fmt.Errorf("algorithm %v is not allowed", alg)
}

func keyDescription(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "an EC " + k.Curve.Params().Name + " key"
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA %d key", k.N.BitLen())
	}
	return fmt.Sprintf("a %T key", pub)
}

// pssVerifier verifies RSASSA-PSS with SHA-256 and MGF1-SHA-256. COSE fixes
// the salt length to the hash length (RFC 8230), but issuers signing with
// general-purpose libraries produced maximal salts too; the salt length
// does not weaken PSS, so any length is accepted.
type pssVerifier struct{ key *rsa.PublicKey }

func (pssVerifier) Algorithm() cose.Algorithm { return cose.AlgorithmPS256 }

func (v pssVerifier) Verify(content, sig []byte) error {
	digest := sha256.Sum256(content)
	if err := rsa.VerifyPSS(v.key, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
		return cose.ErrVerification
	}
	return nil
}

var oidRSASSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}

// publicKey returns the certificate's public key. crypto/x509 leaves it
// nil for an RSA key published under the RSASSA-PSS algorithm identifier,
// which some document signers use; the key itself is a plain PKCS #1 key.
func publicKey(cert *x509.Certificate) (crypto.PublicKey, error) {
	if cert.PublicKey != nil {
		return cert.PublicKey, nil
	}
	var spki struct {
		Algorithm struct {
			Algorithm  asn1.ObjectIdentifier
			Parameters asn1.RawValue `asn1:"optional"`
		}
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, fmt.Errorf("unreadable subject public key: %w", err)
	}
	if !spki.Algorithm.Algorithm.Equal(oidRSASSAPSS) {
		return nil, fmt.Errorf("unsupported public key algorithm %v", spki.Algorithm.Algorithm)
	}
	return x509.ParsePKCS1PublicKey(spki.PublicKey.RightAlign())
}

// Extended key usages that restrict a document signer to certificate types.
// The HCERT specification names the 1.3.6.1.4.1.1847.2021.1.x arc; early
// signers used 1.3.6.1.4.1.0.1847.2021.1.x, which verifiers accept alike.
var typeByEKU = map[string]string{
	"1.3.6.1.4.1.1847.2021.1.1":   "t",
	"1.3.6.1.4.1.1847.2021.1.2":   "v",
	"1.3.6.1.4.1.1847.2021.1.3":   "r",
	"1.3.6.1.4.1.0.1847.2021.1.1": "t",
	"1.3.6.1.4.1.0.1847.2021.1.2": "v",
	"1.3.6.1.4.1.0.1847.2021.1.3": "r",
}

var typeNames = map[string]string{"v": "vaccination", "t": "test", "r": "recovery"}

// checkKeyUsage applies the signer's extended key usage: a signer that
// names none of the DCC types may sign every type; one that names some may
// sign only those.
func checkKeyUsage(signer *x509.Certificate, dgc map[string]any) error {
	allowed := map[string]bool{}
	for _, oid := range signer.UnknownExtKeyUsage {
		if typ, ok := typeByEKU[oid.String()]; ok {
			allowed[typ] = true
		}
	}
	if len(allowed) == 0 {
		return nil
	}
	var may []string
	for _, typ := range [...]string{"v", "t", "r"} {
		if allowed[typ] {
			may = append(may, typeNames[typ])
		}
	}
	for _, typ := range [...]string{"v", "t", "r"} {
		if _, present := dgc[typ]; present && !allowed[typ] {
			return stageErrorf(StageKeyUsage, typ, "the signing certificate may sign %s certificates only, not a %s certificate",
				strings.Join(may, " and "), typeNames[typ])
		}
	}
	return nil
}

// checkTime applies the HCERT validity rules: iat and exp are present,
// iat <= clock <= exp, and the certificate lies within its signer's
// validity (the signer was valid when it signed, and does not outlive the
// certificate it vouches for).
func (c *Certificate) checkTime(signer *x509.Certificate, at time.Time) error {
	iat, err := claimTime(c.iat, "iat", claimIat)
	if err != nil {
		return err
	}
	exp, err := claimTime(c.exp, "exp", claimExp)
	if err != nil {
		return err
	}
	switch {
	case exp.Before(iat):
		return stageErrorf(StageExpired, "cwt.exp", "expires (%s) before it was issued (%s)", stamp(exp), stamp(iat))
	case iat.Before(signer.NotBefore):
		return stageErrorf(StageExpired, "cwt.iat", "issued (%s) before its signing certificate became valid (%s)", stamp(iat), stamp(signer.NotBefore))
	case exp.After(signer.NotAfter):
		return stageErrorf(StageExpired, "cwt.exp", "expires (%s) after its signing certificate (%s)", stamp(exp), stamp(signer.NotAfter))
	case at.IsZero():
		return nil
	case at.Before(iat):
		return stageErrorf(StageExpired, "cwt.iat", "not valid yet: issued %s, clock %s", stamp(iat), stamp(at))
	case at.After(exp):
		return stageErrorf(StageExpired, "cwt.exp", "expired %s, clock %s", stamp(exp), stamp(at))
	}
	return nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// claimTime reads a CWT NumericDate: seconds since the epoch, possibly with
// a fraction; a tag 1 or tag 0 date is accepted in its place.
func claimTime(raw cbor.RawMessage, name string, key int) (time.Time, error) {
	field := "cwt." + name
	if raw == nil {
		return time.Time{}, stageErrorf(StageExpired, field, "CWT has no %s claim (%d)", name, key)
	}
	var v any
	if err := timeMode.Unmarshal(raw, &v); err != nil {
		return time.Time{}, stageErrorf(StageExpired, field, "%s claim is unreadable: %w", name, err)
	}
	switch x := v.(type) {
	case int64:
		return time.Unix(x, 0), nil
	case float64:
		if x > math.MinInt64 && x < math.MaxInt64 {
			sec, frac := math.Modf(x)
			return time.Unix(int64(sec), int64(frac*1e9)), nil
		}
	case time.Time:
		return x, nil
	}
	return time.Time{}, stageErrorf(StageExpired, field, "%s claim is a CBOR %s, want seconds since the epoch", name, kindOf(v))
}

//go:embed dgc.schema.json
var dgcSchemaJSON []byte

var dgcSchema = sync.OnceValue(func() *gojsonschema.Schema {
	s, err := gojsonschema.NewSchema(gojsonschema.NewBytesLoader(dgcSchemaJSON))
	if err != nil {
		panic(fmt.Sprintf("eudcc: compile dgc.schema.json: %v", err)) // embedded; a build defect
	}
	return s
})

// ValidateDGC checks a DGC against the embedded schema (dgc.schema.json).
// Errors are *StageError of stage schema naming the first offending field.
func ValidateDGC(dgc map[string]any) error {
	var groups []string
	for _, k := range [...]string{"v", "t", "r"} {
		if _, ok := dgc[k]; ok {
			groups = append(groups, k)
		}
	}
	if len(groups) != 1 {
		// The schema says so too, but its oneOf message names nothing.
		return stageErrorf(StageSchema, "dgc", "want exactly one of the groups v, t and r, found %d (%s)", len(groups), strings.Join(groups, ", "))
	}
	res, err := dgcSchema().Validate(gojsonschema.NewRawLoader(dgc))
	if err != nil {
		return stageErrorf(StageSchema, "dgc", "cannot validate: %w", err)
	}
	if res.Valid() {
		return nil
	}
	errs := res.Errors()
	field, msg := schemaField(errs[0]), errs[0].Description()
	for _, more := range errs[1:] {
		msg += "; " + schemaField(more) + ": " + more.Description()
	}
	return &StageError{Stage: StageSchema, Field: field, Err: errors.New(msg)}
}

func schemaField(e gojsonschema.ResultError) string {
	field := e.Field()
	if field == "(root)" {
		field = ""
	}
	if p, ok := e.Details()["property"].(string); ok && e.Type() == "required" {
		if field == "" {
			return p
		}
		return field + "." + p
	}
	if field == "" {
		return "dgc"
	}
	return field
}
