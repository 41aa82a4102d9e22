// Package jsonstream reads a JSON payload token by token, for adapters whose
// records sit in an array inside an envelope object.
//
// Reading each record on its own is what lets a record of the wrong shape
// cost only itself: json.Unmarshal of the whole payload stops at the first
// one. It is also cheaper: a Decoder scans a record twice (find its end,
// decode it) where json.RawMessage scans it four times, and decoding is the
// largest cost of a record after schema validation.
//
// The contract every adapter relies on:
//
//   - A value of the wrong JSON type is described by the JSON kind found and
//     the kind wanted, and by the native key or field path at fault; a
//     message never repeats a value from the payload, since a number in the
//     wrong place may be a document or phone number.
//   - Element reports such a value inside a record as the record's own
//     problem and reading goes on; any other error means the payload itself
//     is broken, and reading stops.
//   - null reads as an empty array, and as an absent object where a caller
//     asks for an optional one.
package jsonstream

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// Decoder reads one payload.
type Decoder struct {
	raw []byte
	dec *json.Decoder
	// NotInteger maps integer kinds to what to say of a JSON number a field
	// of that kind cannot hold (a fraction, an exponent, out of range). A
	// kind it lacks gets the general "is a JSON number, want a number".
	NotInteger map[reflect.Kind]string
}

// NewDecoder reads raw.
func NewDecoder(raw []byte) *Decoder {
	return &Decoder{raw: raw, dec: json.NewDecoder(bytes.NewReader(raw))}
}

// Payload says how messages about a payload as a whole speak of it.
type Payload struct {
	// Ends is the message for a payload that ends inside its top-level
	// object.
	Ends string
	// Trailing is the message for data after the top-level object.
	Trailing string
	// Offsets makes a syntax error say at which byte it was found.
	Offsets bool
}

// Envelope is how most formats speak of their payload.
var Envelope = Payload{
	Ends:     "payload ends inside the envelope",
	Trailing: "data after the envelope object",
	Offsets:  true,
}

// Top reads the payload's top-level object, calling field for each key with
// the decoder positioned at its value, and checks that nothing follows it.
func (d *Decoder) Top(p Payload, field func(key string) error) error {
	err := d.Object("", field)
	var syntax *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New(p.Ends)
	case p.Offsets && errors.As(err, &syntax):
		return fmt.Errorf("at byte %d: %w", syntax.Offset, err)
	case err != nil:
		return err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		return errors.New(p.Trailing)
	}
	return nil
}

// Object reads a JSON object, calling field for each key with the decoder
// positioned at its value; field must consume the value. key names the
// object in messages ("" for the payload itself).
func (d *Decoder) Object(key string, field func(key string) error) error {
	present, err := d.OptionalObject(key, field)
	if err == nil && !present {
		return kindError(key, nil, "an object")
	}
	return err
}

// OptionalObject is Object, except that null reads as an absent object:
// present is false and field is not called.
func (d *Decoder) OptionalObject(key string, field func(key string) error) (present bool, err error) {
	tok, err := d.dec.Token()
	if err != nil {
		return false, err
	}
	if tok == nil {
		return false, nil
	}
	if tok != json.Delim('{') {
		return false, kindError(key, tok, "an object")
	}
	for d.dec.More() {
		tok, err := d.dec.Token()
		if err != nil {
			return false, err
		}
		if err := field(tok.(string)); err != nil {
			return false, err
		}
	}
	_, err = d.dec.Token()
	return true, err
}

// Array reads the JSON array under key (null reads as empty), calling elem
// with the decoder positioned at each element; elem must consume it.
func (d *Decoder) Array(key string, elem func() error) error {
	tok, err := d.dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		return nil
	}
	if tok != json.Delim('[') {
		return kindError(key, tok, "an array")
	}
	for d.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err = d.dec.Token()
	return err
}

// Field decodes the value under key into v. A value of the wrong JSON type
// is an error that names key.
func (d *Decoder) Field(key string, v any) error {
	err := d.dec.Decode(v)
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		_, err = d.explain(err)
		return fmt.Errorf("field %s: %w", key, err)
	}
	return err
}

// Skip consumes a value the caller does not read.
func (d *Decoder) Skip() error {
	var v json.RawMessage
	return d.dec.Decode(&v)
}

// FieldError is what is wrong with the JSON shape of one record.
type FieldError struct {
	// Field is the native field at fault, a dotted path as encoding/json
	// writes it; "" for the record itself.
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return "field " + e.Field + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Element decodes the array element at the decoder's position into v. A
// value of the wrong JSON type for v or one of its fields is the element's
// own problem: it is returned as bad, v holds what did fit, and the decoder
// is ready for the next element. Any other error means the payload is
// broken.
func (d *Decoder) Element(v any) (bad *FieldError, err error) {
	err = d.dec.Decode(v)
	if err == nil {
		return nil, nil
	}
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return nil, err
	}
	field, err := d.explain(err)
	return &FieldError{Field: field, Err: err}, nil
}

// Item is one element of an array of records: the record as far as it
// fit, and what did not.
type Item[T any] struct {
	Rec T
	// Bad says what was wrong with the element's JSON shape; nil when it
	// fit.
	Bad *FieldError
	// Raw holds the element's bytes when Bad is set, for a closer look.
	Raw []byte
}

// Items reads the array of records under key, each element on its own (see
// Element). capHint sizes the slice, which is not nil even when the array
// is null or empty.
func Items[T any](d *Decoder, key string, capHint int) ([]Item[T], error) {
	items := make([]Item[T], 0, capHint)
	err := d.Array(key, func() error {
		items = append(items, Item[T]{})
		it := &items[len(items)-1]
		start := d.dec.InputOffset()
		bad, err := d.Element(&it.Rec)
		if bad != nil {
			it.Bad = bad
			it.Raw = bytes.TrimLeft(d.raw[start:d.dec.InputOffset()], ", \t\r\n")
		}
		return err
	})
	return items, err
}

func (d *Decoder) explain(err error) (string, error) { return explain(err, d.NotInteger) }

// Explain restates an encoding/json type error as the native field at fault
// ("" for the value itself) and what is wrong; any other error is returned
// as it is, with no field.
func Explain(err error) (field string, _ error) { return explain(err, nil) }

func explain(err error, notInteger map[reflect.Kind]string) (string, error) {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return "", err
	}
	// Value is "number 1.5" for a number that does not fit: keep the kind only.
	got, _, _ := strings.Cut(te.Value, " ")
	if msg, ok := notInteger[te.Type.Kind()]; ok && got == "number" {
		return te.Field, errors.New(msg)
	}
	return te.Field, fmt.Errorf("is a JSON %s, want %s", got, kindOf(te.Type))
}

// kindOf is the JSON kind a Go type decodes from.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Bool:
		return "a boolean"
	case reflect.Pointer:
		return kindOf(t.Elem())
	}
	return t.Kind().String()
}

func kindError(key string, tok json.Token, want string) error {
	if key == "" {
		return fmt.Errorf("is a JSON %s, want %s", tokenKind(tok), want)
	}
	return fmt.Errorf("field %s: is a JSON %s, want %s", key, tokenKind(tok), want)
}

func tokenKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
