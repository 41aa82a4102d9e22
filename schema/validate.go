package schema

import (
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xeipuuv/gojsonschema"
)

//go:embed jsonschema/*.json
var schemaFS embed.FS

// SchemaFiles returns the embedded JSON Schema documents (draft-07) by file name:
// batch.json, status.json, event.json, risk_area.json and common.json.
func SchemaFiles() map[string][]byte {
	entries, _ := schemaFS.ReadDir("jsonschema")
	out := make(map[string][]byte, len(entries))
	for _, e := range entries {
		b, err := schemaFS.ReadFile("jsonschema/" + e.Name())
		if err != nil {
			panic(err) // embedded; cannot fail
		}
		out[e.Name()] = b
	}
	return out
}

type rfc3339Checker struct{}

func (rfc3339Checker) IsFormat(input any) bool {
	s, ok := input.(string)
	if !ok {
		return true // format applies to strings only
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

type compiled struct {
	batch, status, event, riskArea *gojsonschema.Schema
}

// schemas compiles the embedded documents once. A failure is a build defect,
// so it panics rather than returning an error on every call.
var schemas = sync.OnceValue(func() *compiled {
	// gojsonschema's own date-time checker tries several layouts and
	// allocates an error for each miss; RFC 3339 with an offset is the only
	// form v1 allows, so one parse decides.
	gojsonschema.FormatCheckers.Add("date-time", rfc3339Checker{})
	files := SchemaFiles()
	compile := func(main string) *gojsonschema.Schema {
		sl := gojsonschema.NewSchemaLoader()
		sl.Validate = true
		for name, b := range files {
			if name == main {
				continue
			}
			if err := sl.AddSchemas(gojsonschema.NewBytesLoader(b)); err != nil {
				panic(fmt.Sprintf("schema: add %s: %v", name, err))
			}
		}
		s, err := sl.Compile(gojsonschema.NewBytesLoader(files[main]))
		if err != nil {
			panic(fmt.Sprintf("schema: compile %s: %v", main, err))
		}
		return s
	}
	return &compiled{
		batch:    compile("batch.json"),
		status:   compile("status.json"),
		event:    compile("event.json"),
		riskArea: compile("risk_area.json"),
	}
})

// FieldError is one violation of the schema: the JSON path of the offending
// field (dotted, array indexes as numbers, "" for the record itself) and what
// is wrong with it.
type FieldError struct {
	Field   string
	Message string
}

func (e FieldError) Error() string {
	if e.Field == "" {
		return e.Message
	}
	return "field " + e.Field + ": " + e.Message
}

// ValidationError lists every schema violation of one record.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Error()
	}
	return strings.Join(parts, "; ")
}

// Field returns the path of the first offending field.
func (e *ValidationError) Field() string {
	if len(e.Fields) == 0 {
		return ""
	}
	return e.Fields[0].Field
}

// RecordError locates a rejected record inside a batch: List is "statuses",
// "events", "risk_areas" or "" for the batch header, Index its position.
type RecordError struct {
	List  string
	Index int
	Err   error
}

func (e *RecordError) Error() string {
	if e.List == "" {
		return "batch: " + e.Err.Error()
	}
	return fmt.Sprintf("%s[%d]: %v", e.List, e.Index, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// ValidateStatus checks one status against status.json and the rules a JSON
// Schema cannot state (valid_until after issued_at). Records that pass the
// fast Go restatement of the schema (fastcheck.go) skip the generic
// validator; any other is judged and reported by gojsonschema.
func ValidateStatus(s *Status) error {
	var fields []FieldError
	if !fastStatus(s) {
		fields = check(schemas().status, statusValue(s))
	}
	if !s.ValidUntil.IsZero() && !s.IssuedAt.IsZero() && s.ValidUntil.Before(s.IssuedAt) {
		fields = append(fields, FieldError{"valid_until", "is before issued_at"})
	}
	return asError(fields)
}

// ValidateEvent checks one event against event.json and that end, when
// present, is not before start.
func ValidateEvent(e *Event) error {
	var fields []FieldError
	if !finite(e.Place.Lat) || !finite(e.Place.Lon) {
		return &ValidationError{Fields: []FieldError{{"place", "coordinates are not finite numbers"}}}
	}
	if !fastEvent(e) {
		fields = check(schemas().event, eventValue(e))
	}
	if !e.End.IsZero() && !e.Start.IsZero() && e.End.Before(e.Start) {
		fields = append(fields, FieldError{"end", "is before start"})
	}
	return asError(fields)
}

// ValidateRiskArea checks one risk area against risk_area.json.
func ValidateRiskArea(r *RiskArea) error {
	var fields []FieldError
	if !fastRiskArea(r) {
		fields = check(schemas().riskArea, riskAreaValue(r))
	}
	if !r.Until.IsZero() && !r.From.IsZero() && r.Until.Before(r.From) {
		fields = append(fields, FieldError{"until", "is before from"})
	}
	return asError(fields)
}

// ValidateBatch checks the batch header and every record, and returns one
// RecordError per rejected record (nil when all are valid). Records are
// validated one by one so that one bad record never hides the good ones.
func ValidateBatch(b *Batch) []*RecordError {
	var out []*RecordError
	header := map[string]any{"schema": b.Schema, "region": b.Region, "batch_id": b.BatchID}
	if err := asError(check(schemas().batch, header)); err != nil {
		out = append(out, &RecordError{Err: err})
	}
	for i := range b.Statuses {
		if err := ValidateStatus(&b.Statuses[i]); err != nil {
			out = append(out, &RecordError{List: "statuses", Index: i, Err: err})
		}
	}
	for i := range b.Events {
		if err := ValidateEvent(&b.Events[i]); err != nil {
			out = append(out, &RecordError{List: "events", Index: i, Err: err})
		}
	}
	for i := range b.RiskAreas {
		if err := ValidateRiskArea(&b.RiskAreas[i]); err != nil {
			out = append(out, &RecordError{List: "risk_areas", Index: i, Err: err})
		}
	}
	return out
}

func asError(fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &ValidationError{Fields: fields}
}

func check(s *gojsonschema.Schema, doc any) []FieldError {
	res, err := s.Validate(gojsonschema.NewRawLoader(doc))
	if err != nil {
		return []FieldError{{Message: "cannot validate: " + err.Error()}}
	}
	if res.Valid() {
		return nil
	}
	errs := res.Errors()
	out := make([]FieldError, 0, len(errs))
	for _, re := range errs {
		field := re.Field()
		if field == "(root)" {
			field = ""
		}
		if p, ok := re.Details()["property"].(string); ok && re.Type() == "required" {
			if field == "" {
				field = p
			} else {
				field += "." + p
			}
			out = append(out, FieldError{field, "is required"})
			continue
		}
		out = append(out, FieldError{field, re.Description()})
	}
	return out
}

// The *Value functions build the generic JSON tree that gojsonschema walks,
// without a marshal/unmarshal round trip. They must mirror the struct tags:
// TestValueMatchesJSON compares them with encoding/json.

func timeValue(m map[string]any, key string, t time.Time) {
	if t.IsZero() {
		return
	}
	m[key] = t.Format(time.RFC3339Nano)
}

func sourceValue(s Source) map[string]any {
	return map[string]any{"system": s.System, "record_id": s.RecordID}
}

func stringsValue(ss []string) any {
	if ss == nil {
		return nil
	}
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func statusValue(s *Status) map[string]any {
	m := map[string]any{
		"subject": s.Subject,
		"region":  s.Region,
		"color":   s.Color,
		"reasons": stringsValue(s.Reasons),
		"source":  sourceValue(s.Source),
	}
	timeValue(m, "issued_at", s.IssuedAt)
	timeValue(m, "valid_until", s.ValidUntil)
	if s.Local != nil {
		m["local"] = map[string]any{"label": s.Local.Label, "code": s.Local.Code}
	}
	if s.NAT != nil {
		n := map[string]any{"result": s.NAT.Result}
		timeValue(n, "sampled_at", s.NAT.SampledAt)
		if s.NAT.Lab != "" {
			n["lab"] = s.NAT.Lab
		}
		m["nat"] = n
	}
	if s.Vaccination != nil {
		v := map[string]any{"doses": json.Number(strconv.Itoa(s.Vaccination.Doses))}
		if s.Vaccination.LastDoseAt != "" {
			v["last_dose_at"] = s.Vaccination.LastDoseAt
		}
		m["vaccination"] = v
	}
	return m
}

func floatNumber(f float64) json.Number {
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

func eventValue(e *Event) map[string]any {
	p := map[string]any{"id": e.Place.ID, "region": e.Place.Region}
	if e.Place.Name != "" {
		p["name"] = e.Place.Name
	}
	if e.Place.Lat != 0 {
		p["lat"] = floatNumber(e.Place.Lat)
	}
	if e.Place.Lon != 0 {
		p["lon"] = floatNumber(e.Place.Lon)
	}
	m := map[string]any{
		"subject": e.Subject,
		"region":  e.Region,
		"kind":    e.Kind,
		"place":   p,
		"source":  sourceValue(e.Source),
	}
	timeValue(m, "start", e.Start)
	timeValue(m, "end", e.End)
	return m
}

func riskAreaValue(r *RiskArea) map[string]any {
	m := map[string]any{"id": r.ID, "region": r.Region, "level": r.Level}
	if r.Name != "" {
		m["name"] = r.Name
	}
	timeValue(m, "from", r.From)
	timeValue(m, "until", r.Until)
	return m
}
