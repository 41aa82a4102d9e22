package eudcc

import (
	"bytes"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/codefed/codefed/adapters/eudcc/internal/base45"
)

// The stages of reading a DCC, in order. Every failure names one of them.
const (
	StagePrefix    = "prefix"    // the HC1: context identifier, and the line around it
	StageBase45    = "base45"    // RFC 9285 Base45
	StageZlib      = "zlib"      // zlib (RFC 1950) decompression
	StageCOSE      = "cose"      // the COSE_Sign1 structure, optionally CWT-tagged
	StageCBOR      = "cbor"      // the CWT claims, the hcert claim and the DGC inside it
	StageSignature = "signature" // alg, kid, trusted signing certificate, signature
	StageKeyUsage  = "key-usage" // the signing certificate's extended key usage
	StageExpired   = "expired"   // iat, exp and every other date against the clock
	StageSchema    = "schema"    // the DGC's structure, codes and holder identity
)

// Prefix is the context identifier of an HCERT version 1 QR text.
const Prefix = "HC1:"

// maxCOSE bounds the decompressed size of one certificate. A QR code holds
// at most 4,296 alphanumeric characters, about 2.8 kB of compressed data;
// real certificates decompress to well under 2 kB, so anything past this is
// a decompression bomb, not a certificate.
const maxCOSE = 64 << 10

// CWT claim keys (RFC 8392) and the hcert claim of the HCERT specification.
const (
	claimIss   = 1
	claimExp   = 4
	claimIat   = 6
	claimHcert = -260
	hcertDGCv1 = 1
)

// StageError is a failure to read or verify a certificate: the stage that
// failed, the DGC or envelope field at fault when there is one, and why. It
// never carries a name, a date of birth or a document number.
type StageError struct {
	Stage string
	Field string
	Err   error
}

func (e *StageError) Error() string {
	s := e.Stage
	if e.Field != "" {
		s += ": field " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e *StageError) Unwrap() error { return e.Err }

func stageErrorf(stage, field, format string, args ...any) *StageError {
	return &StageError{Stage: stage, Field: field, Err: fmt.Errorf(format, args...)}
}

// Certificate is a DCC read from its QR text but not yet verified.
type Certificate struct {
	// KID is the key identifier the signature claims: the protected
	// header's when it has one, else the unprotected header's (an attacker
	// can rewrite the unprotected header, so it never overrides).
	KID []byte
	// Issuer is the CWT iss claim, the issuing country, "" when absent.
	Issuer string
	// DGC is the certificate's payload as JSON would hold it: maps with
	// string keys, []any, string, json.Number, bool and nil.
	DGC map[string]any

	msg      *cose.Sign1Message
	iat, exp cbor.RawMessage // raw claims, judged by the expired stage
}

// Type returns "v", "t" or "r": the single group the DGC holds, or "" when
// it holds none or more than one.
func (c *Certificate) Type() string {
	typ := ""
	for _, k := range [...]string{"v", "t", "r"} {
		if _, ok := c.DGC[k]; ok {
			if typ != "" {
				return ""
			}
			typ = k
		}
	}
	return typ
}

// Parse reads a QR text down to the DGC: prefix, Base45, zlib, COSE_Sign1,
// CWT claims. It checks structure only; Verify checks trust and validity.
// Errors are *StageError.
func Parse(qr string) (*Certificate, error) {
	b45, err := unprefix(qr)
	if err != nil {
		return nil, err
	}
	compressed, err := base45.Decode(b45)
	if err != nil {
		return nil, &StageError{Stage: StageBase45, Field: "qr", Err: err}
	}
	raw, err := inflate(compressed)
	if err != nil {
		return nil, err
	}
	return parseCOSE(raw)
}

func unprefix(qr string) (string, error) {
	if rest, ok := strings.CutPrefix(qr, Prefix); ok {
		return rest, nil
	}
	// Name what stands there when it looks like another context identifier
	// (HC2:, HL0:): it is a version, not personal data.
	if i := strings.IndexByte(qr, ':'); i >= 2 && i <= 4 && isUpperAlnum(qr[:i]) {
		return "", stageErrorf(StagePrefix, "qr", "context identifier %q is not supported, want %q", qr[:i+1], Prefix)
	}
	return "", stageErrorf(StagePrefix, "qr", "text does not start with the context identifier %q", Prefix)
}

func isUpperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !(s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
			return false
		}
	}
	return true
}

// zlibReaders recycles decompressors: each holds a 32 kB window.
var zlibReaders sync.Pool

func inflate(b []byte) ([]byte, error) {
	var (
		zr  io.ReadCloser
		err error
	)
	if pooled, ok := zlibReaders.Get().(io.ReadCloser); ok {
		zr = pooled
		err = zr.(zlib.Resetter).Reset(bytes.NewReader(b), nil)
	} else {
		zr, err = zlib.NewReader(bytes.NewReader(b))
	}
	if err != nil {
		// The HCERT specification requires compression; an uncompressed
		// COSE message is refused, not guessed at.
		return nil, stageErrorf(StageZlib, "qr", "not a zlib stream: %w", err)
	}
	defer zlibReaders.Put(zr)
	// Reading to EOF makes the reader verify the Adler-32 checksum.
	out, err := io.ReadAll(io.LimitReader(zr, maxCOSE+1))
	if err != nil {
		return nil, stageErrorf(StageZlib, "qr", "broken zlib stream: %w", err)
	}
	if len(out) > maxCOSE {
		return nil, stageErrorf(StageZlib, "qr", "decompresses to more than %d bytes", maxCOSE)
	}
	return out, nil
}

// RFC 8943 date tags: days since 1970-01-01, and an RFC 3339 full-date.
const (
	tagDays     = 100
	tagFullDate = 1004
)

// CBOR tags that may stand before the COSE_Sign1 array: the CWT tag
// (RFC 8392) wrapping the COSE_Sign1 tag, or either alone.
const (
	tagCWT   = 61
	tagSign1 = 18
)

// stripTags removes the optional CWT and COSE_Sign1 tags, in that order,
// and returns the untagged COSE_Sign1 array.
func stripTags(b []byte) ([]byte, error) {
	want := []uint64{tagCWT, tagSign1}
	for len(b) > 0 && b[0]>>5 == 6 {
		num, n, err := cborHead(b)
		if err != nil {
			return nil, err
		}
		for len(want) > 0 && want[0] != num {
			want = want[1:]
		}
		if len(want) == 0 {
			return nil, fmt.Errorf("unexpected CBOR tag %d, want an optional CWT tag (61) then an optional COSE_Sign1 tag (18)", num)
		}
		want = want[1:]
		b = b[n:]
	}
	return b, nil
}

// cborHead decodes the argument of the CBOR data item head at the start of
// b and returns it with the head's length.
func cborHead(b []byte) (arg uint64, n int, err error) {
	info := b[0] & 0x1f
	switch {
	case info < 24:
		return uint64(info), 1, nil
	case info <= 27:
		size := 1 << (info - 24)
		if len(b) < 1+size {
			return 0, 0, errors.New("truncated CBOR head")
		}
		for _, c := range b[1 : 1+size] {
			arg = arg<<8 | uint64(c)
		}
		return arg, 1 + size, nil
	}
	return 0, 0, fmt.Errorf("malformed CBOR head 0x%02x", b[0])
}

// claimsMode decodes the CWT claims into raw claim values. Duplicate keys
// are refused: two different iat or hcert values would let a verifier and
// an issuer read different certificates from the same signed bytes.
var claimsMode = mustDecMode(cbor.DecOptions{
	DupMapKey:       cbor.DupMapKeyEnforcedAPF,
	IntDec:          cbor.IntDecConvertSignedOrFail,
	MaxNestedLevels: 16,
})

// dgcMode decodes the DGC. Tag 0 and 1 dates, which some issuers used for
// sc, dr, df and du, become RFC 3339 strings like the ones the schema
// expects; NaN and infinities have no JSON form.
var dgcMode = mustDecMode(cbor.DecOptions{
	DupMapKey:       cbor.DupMapKeyEnforcedAPF,
	IntDec:          cbor.IntDecConvertSignedOrBigInt,
	MaxNestedLevels: 16,
	TimeTagToAny:    cbor.TimeTagToRFC3339Nano,
	NaN:             cbor.NaNDecodeForbidden,
	Inf:             cbor.InfDecodeForbidden,
	DefaultMapType:  reflect.TypeOf(map[any]any(nil)),
})

// timeMode decodes iat and exp: numbers of seconds, or a tag 1 or tag 0
// date, which some issuers wrote instead.
var timeMode = mustDecMode(cbor.DecOptions{
	IntDec:       cbor.IntDecConvertSignedOrFail,
	TimeTagToAny: cbor.TimeTagToTime,
	NaN:          cbor.NaNDecodeForbidden,
	Inf:          cbor.InfDecodeForbidden,
})

func mustDecMode(o cbor.DecOptions) cbor.DecMode {
	m, err := o.DecMode()
	if err != nil {
		panic(err) // constant options; a failure is a programming error
	}
	return m
}

func parseCOSE(b []byte) (*Certificate, error) {
	body, err := stripTags(b)
	if err != nil {
		return nil, &StageError{Stage: StageCOSE, Field: "cose", Err: err}
	}
	var msg cose.UntaggedSign1Message
	if err := msg.UnmarshalCBOR(body); err != nil {
		return nil, stageErrorf(StageCOSE, "cose", "not a COSE_Sign1 message: %w", err)
	}
	if msg.Payload == nil {
		return nil, stageErrorf(StageCOSE, "cose", "COSE_Sign1 has no payload")
	}
	c := &Certificate{msg: (*cose.Sign1Message)(&msg)}
	if kid, ok := msg.Headers.Protected[cose.HeaderLabelKeyID]; ok {
		c.KID, _ = kid.([]byte) // go-cose has checked it is a byte string
	} else if kid, ok := msg.Headers.Unprotected[cose.HeaderLabelKeyID]; ok {
		c.KID, _ = kid.([]byte)
	}
	if err := c.parseClaims(msg.Payload); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Certificate) parseClaims(payload []byte) error {
	var claims map[any]cbor.RawMessage
	if err := claimsMode.Unmarshal(payload, &claims); err != nil {
		return stageErrorf(StageCBOR, "cwt", "CWT claims are not a CBOR map: %w", err)
	}
	if raw, ok := claims[int64(claimIss)]; ok {
		if err := claimsMode.Unmarshal(raw, &c.Issuer); err != nil {
			return stageErrorf(StageCBOR, "cwt.iss", "iss claim is not a text string")
		}
	}
	c.iat, c.exp = claims[int64(claimIat)], claims[int64(claimExp)]
	rawHcert, ok := claims[int64(claimHcert)]
	if !ok {
		return stageErrorf(StageCBOR, "cwt.hcert", "CWT has no hcert claim (-260)")
	}
	var hcert map[any]cbor.RawMessage
	if err := claimsMode.Unmarshal(rawHcert, &hcert); err != nil {
		return stageErrorf(StageCBOR, "cwt.hcert", "hcert claim is not a CBOR map: %w", err)
	}
	rawDGC, ok := hcert[int64(hcertDGCv1)]
	if !ok {
		return stageErrorf(StageCBOR, "cwt.hcert", "hcert claim has no eu_dgc_v1 entry (1)")
	}
	dgc, err := DecodeDGC(rawDGC)
	if err != nil {
		return err
	}
	c.DGC = dgc
	return nil
}

// DecodeDGC decodes the CBOR of a DGC (the value of hcert key 1) into its
// JSON form. Errors are *StageError of stage cbor.
func DecodeDGC(b []byte) (map[string]any, error) {
	var v any
	if err := dgcMode.Unmarshal(b, &v); err != nil {
		return nil, stageErrorf(StageCBOR, "dgc", "DGC is not well-formed CBOR: %w", err)
	}
	j, err := jsonValue(v, "")
	if err != nil {
		return nil, err
	}
	m, ok := j.(map[string]any)
	if !ok {
		return nil, stageErrorf(StageCBOR, "dgc", "DGC is a CBOR %s, want a map", kindOf(j))
	}
	return m, nil
}

// jsonValue converts a decoded CBOR value to the value encoding/json would
// produce for the same document, refusing what JSON cannot hold.
func jsonValue(v any, path string) (any, error) {
	switch x := v.(type) {
	case nil, bool, string:
		return x, nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, stageErrorf(StageCBOR, fieldOrDGC(path), "number has no JSON form")
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	case big.Int:
		return json.Number(x.String()), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = jsonValue(e, joinPath(path, strconv.Itoa(i))); err != nil {
				return nil, err
			}
		}
		return out, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			key, ok := k.(string)
			if !ok {
				return nil, stageErrorf(StageCBOR, fieldOrDGC(path), "map key is a CBOR %s, want a text string", kindOf(k))
			}
			var err error
			if out[key], err = jsonValue(e, joinPath(path, key)); err != nil {
				return nil, err
			}
		}
		return out, nil
	case cbor.Tag:
		// RFC 8943 dates, which a few issuers used for dob, dt, fr, df, du.
		switch c := x.Content.(type) {
		case string:
			if x.Number == tagFullDate {
				return c, nil
			}
		case int64:
			if x.Number == tagDays && c > -1e6 && c < 1e6 {
				return time.Unix(0, 0).UTC().AddDate(0, 0, int(c)).Format(time.DateOnly), nil
			}
		}
		return nil, stageErrorf(StageCBOR, fieldOrDGC(path), "unsupported CBOR tag %d", x.Number)
	}
	return nil, stageErrorf(StageCBOR, fieldOrDGC(path), "CBOR %s has no JSON form", kindOf(v))
}

func joinPath(path, elem string) string {
	if path == "" {
		return elem
	}
	return path + "." + elem
}

func fieldOrDGC(path string) string {
	if path == "" {
		return "dgc"
	}
	return path
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "text string"
	case []byte:
		return "byte string"
	case int64, uint64, big.Int, json.Number:
		return "integer"
	case float64:
		return "float"
	case []any:
		return "array"
	case map[any]any, map[string]any:
		return "map"
	case cbor.Tag:
		return "tag"
	}
	return fmt.Sprintf("%T", v)
}
