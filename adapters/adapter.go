// Package adapters turns each region's native health-code payload into a
// codefed v1 batch.
//
// An adapter is a stateless value that registers itself at init() under a
// unique ID (registering an ID twice panics). Decode never touches hub state:
// it parses, normalises times and codes, replaces every document number by
// its pseudonym, validates each resulting record against the v1 JSON Schema,
// and reports per native record what it could not accept. A native record is
// accepted or rejected whole: when any of the v1 records it produces is
// invalid, none of them is kept and the rejection names the record and the
// field. Raw document numbers and names never appear in a decoded batch or in
// an error message.
//
// Every adapter can also Encode synthetic people into its native format, so
// region simulators and demos can speak each format and tests can check that
// Decode(Encode(people)) yields exactly the records expected for them.
//
// Import adapters/all to register every format.
package adapters

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/codefed/codefed/schema"
)

// Adapter converts one native format to and from the common schema.
type Adapter interface {
	// ID is the format name used in URLs and flags, e.g. "shaanxi", "eu-dcc".
	ID() string
	// Regions lists the GB/T 2260 codes (or "*" for any) the format serves.
	Regions() []string
	// Description is one line for listings.
	Description() string
	// Decode converts a native payload. A non-nil error means the payload as
	// a whole could not be read (wrong encoding, broken envelope) and nothing
	// was decoded; problems with single records are returned in
	// Result.Rejected while the good records are kept.
	Decode(raw []byte, opts DecodeOptions) (*Result, error)
	// Encode writes synthetic people in the native format, as far as the
	// format can carry them.
	Encode(people []Person, opts EncodeOptions) ([]byte, error)
}

// DecodeOptions carries what a decode needs from its caller.
type DecodeOptions struct {
	// Subjects pseudonymises document numbers. Required.
	Subjects *schema.Pseudonymizer
	// At is the reference clock for formats whose validity depends on time
	// (signature expiry). Callers set it; adapters never read the wall clock.
	At time.Time
	// Trust lists the signing certificates accepted by signed formats.
	Trust []*x509.Certificate
	// BatchID names the resulting batch; when empty the adapter derives one
	// from the payload (a hash of it when nothing better exists).
	BatchID string
}

// EncodeOptions carries what an encode needs from its caller.
type EncodeOptions struct {
	// Signer and SignerCert sign payloads of signed formats.
	Signer     crypto.Signer
	SignerCert *x509.Certificate
	// At is the issue time for formats that stamp one.
	At time.Time
}

// Result is a decoded payload: the batch of accepted records and the native
// records that were rejected.
type Result struct {
	Batch    schema.Batch
	Rejected []RecordError
	// Warnings are problems that did not cost a record (an unknown optional
	// field, a label that was guessed).
	Warnings []RecordError
}

// RecordError says which native record was rejected and why. Index counts
// native records from 0 in payload order; Ref is the record's own identifier
// when it has one. Field names the offending native (or, after mapping, v1)
// field. Stage names the decoding stage for layered formats such as eu-dcc
// (prefix, base45, zlib, cose, cbor, signature, key-usage, expired, schema).
type RecordError struct {
	Index int    `json:"index"`
	Ref   string `json:"ref,omitempty"`
	Field string `json:"field,omitempty"`
	Stage string `json:"stage,omitempty"`
	Err   error  `json:"-"`
}

func (e RecordError) Error() string {
	s := fmt.Sprintf("record %d", e.Index)
	if e.Ref != "" {
		s += " (" + e.Ref + ")"
	}
	if e.Stage != "" {
		s += ": " + e.Stage
	}
	if e.Field != "" {
		s += ": field " + e.Field
	}
	return s + ": " + e.Err.Error()
}

func (e RecordError) Unwrap() error { return e.Err }

// Person is a synthetic individual, used by Encode. Statuses and Events carry
// everything but Subject, which Decode derives from the document.
type Person struct {
	DocType   string
	DocNumber string
	Name      string
	// BirthDate is YYYY-MM-DD; some formats (eu-dcc) carry it.
	BirthDate string
	Statuses  []schema.Status
	Events    []schema.Event
}

// Sampler is implemented by adapters that can generate synthetic people
// shaped to what their format carries (its document types, colours, event
// kinds and places), with statuses issued in [start, start+span) and events
// in the same window. Region simulators and the development cluster use it.
type Sampler interface {
	Sample(seed uint64, n int, start time.Time, span time.Duration) []Person
}
