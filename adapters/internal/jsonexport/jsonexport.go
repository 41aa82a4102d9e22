// Package jsonexport words the errors of reading a JSON export with
// json.Unmarshal, for adapters that read the whole export in one pass and,
// when a record has a field of the wrong JSON type, read the records again
// one by one to find it: encoding/json names the field but not the record.
//
// Messages name the JSON kind found, the kind wanted and the native field at
// fault; they never repeat a value from the payload, since a value in the
// wrong field may be a document number or a name.
package jsonexport

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// PayloadError turns encoding/json's errors about the export's envelope into
// messages that say where the payload broke. A type error is not wrapped:
// its message would repeat the value.
func PayloadError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed json at byte %d: %w", se.Offset, err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("export is a json %s, want an object", jsonKind(te.Value))
		}
		return fmt.Errorf("header field %s is a json %s", te.Field, jsonKind(te.Value))
	}
	return err
}

// Problem is why one record could not be read.
type Problem struct {
	// Ref is the record's own identifier, when it could be read.
	Ref string
	// Field is the native field at fault, "" for the record itself.
	Field string
	Err   error
}

// Records reads the records of one format one by one.
type Records struct {
	// Wants says what a field wants, by the name of its Go type ("int64"),
	// for types whose meaning the format gives; it is consulted before the
	// general names of strings, integers and numbers.
	Wants map[string]string
	// Ref reads the identifier of a record that did not decode as a whole,
	// so that its rejection can still name it.
	Ref func(msg json.RawMessage) string
}

// Decode decodes one record into v, or says why it could not.
func (r Records) Decode(msg json.RawMessage, v any) *Problem {
	err := json.Unmarshal(msg, v)
	if err == nil {
		return nil
	}
	field, err := r.recordError(err)
	return &Problem{Ref: r.Ref(msg), Field: field, Err: err}
}

// recordError names the native field of a record that has the wrong JSON
// type. The message names the JSON type, never the value.
func (r Records) recordError(err error) (string, error) {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return "", fmt.Errorf("record is a json %s, want an object", jsonKind(te.Value))
		}
		return te.Field, fmt.Errorf("is a json %s, want %s", jsonKind(te.Value), r.want(te.Type.String()))
	}
	return "", fmt.Errorf("cannot read record: %w", err)
}

func (r Records) want(goType string) string {
	if w, ok := r.Wants[goType]; ok {
		return w
	}
	switch goType {
	case "string":
		return "a string"
	case "int", "*int":
		return "an integer"
	case "float64", "*float64":
		return "a number"
	}
	return "an object or array of the documented shape"
}

// jsonKind drops the literal from encoding/json's value description
// ("number 1.5" becomes "number") so that no value reaches a message.
func jsonKind(v string) string {
	kind, _, _ := strings.Cut(v, " ")
	return kind
}
