package jsonstream

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

type record struct {
	ID    string   `json:"id"`
	Count int      `json:"count"`
	At    int64    `json:"at"`
	Tags  []string `json:"tags"`
	Inner *struct {
		Lat float64 `json:"lat"`
	} `json:"inner"`
}

type envelope struct {
	batch   string
	total   *int
	records []record
	bad     []*FieldError
	raw     []string
	meta    bool
}

func read(t *testing.T, raw string, p Payload, notInteger map[reflect.Kind]string) (*envelope, error) {
	t.Helper()
	env := &envelope{}
	dec := NewDecoder([]byte(raw))
	dec.NotInteger = notInteger
	err := dec.Top(p, func(key string) error {
		switch key {
		case "batch":
			return dec.Field(key, &env.batch)
		case "total":
			return dec.Field(key, &env.total)
		case "meta":
			var err error
			env.meta, err = dec.OptionalObject(key, func(string) error { return dec.Skip() })
			return err
		case "records":
			items, err := Items[record](dec, key, 4)
			for _, it := range items {
				env.records = append(env.records, it.Rec)
				env.bad = append(env.bad, it.Bad)
				env.raw = append(env.raw, string(it.Raw))
			}
			return err
		}
		return dec.Skip()
	})
	return env, err
}

func TestRecordsOfTheWrongShapeCostOnlyThemselves(t *testing.T) {
	raw := `{"batch":"B1","extra":[1,{"x":2}],"records":[
		{"id":"a","count":1},
		{"id":"b","count":"12345678901234567"},
		{"id":"c","inner":{"lat":"22.5"}},
		"not a record",
		{"id":"e","tags":["x"]}
	]}`
	env, err := read(t, raw, Envelope, nil)
	if err != nil {
		t.Fatal(err)
	}
	if env.batch != "B1" || len(env.records) != 5 {
		t.Fatalf("batch %q, %d records", env.batch, len(env.records))
	}
	want := []struct{ field, msg string }{
		{},
		{"count", "is a JSON string, want a number"},
		{"inner.lat", "is a JSON string, want a number"},
		{"", "is a JSON string, want an object"},
		{},
	}
	for i, w := range want {
		got := env.bad[i]
		switch {
		case w.msg == "" && got != nil:
			t.Errorf("record %d: unexpected %v", i, got)
		case w.msg != "" && got == nil:
			t.Errorf("record %d: no shape error", i)
		case w.msg != "" && (got.Field != w.field || got.Err.Error() != w.msg):
			t.Errorf("record %d: %q %q, want %q %q", i, got.Field, got.Err, w.field, w.msg)
		}
	}
	if got := env.raw[2]; got != `{"id":"c","inner":{"lat":"22.5"}}` {
		t.Errorf("raw bytes of a record of the wrong shape: %s", got)
	}
	if env.raw[0] != "" {
		t.Errorf("raw bytes kept of a record that fit: %s", env.raw[0])
	}
	if env.records[1].ID != "b" {
		t.Errorf("a record of the wrong shape keeps what fit: %+v", env.records[1])
	}
	for _, b := range env.bad {
		if b != nil && strings.Contains(b.Error(), "1234567") {
			t.Errorf("message %q repeats the value", b)
		}
	}
}

func TestNotInteger(t *testing.T) {
	raw := `{"records":[{"count":1.5},{"at":1.5e3},{"count":"1"}]}`
	plain, err := read(t, raw, Envelope, nil)
	if err != nil {
		t.Fatal(err)
	}
	named, err := read(t, raw, Envelope, map[reflect.Kind]string{reflect.Int: "is not an integer", reflect.Int64: "is not an integer number of milliseconds"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct{ plain, named string }{
		{"is a JSON number, want a number", "is not an integer"},
		{"is a JSON number, want a number", "is not an integer number of milliseconds"},
		{"is a JSON string, want a number", "is a JSON string, want a number"},
	} {
		if got := plain.bad[i].Err.Error(); got != want.plain {
			t.Errorf("record %d without NotInteger: %q, want %q", i, got, want.plain)
		}
		if got := named.bad[i].Err.Error(); got != want.named {
			t.Errorf("record %d with NotInteger: %q, want %q", i, got, want.named)
		}
	}
}

func TestPayloadErrors(t *testing.T) {
	quiet := Payload{Ends: "payload ends inside the export object", Trailing: "data after the export object"}
	tests := []struct {
		raw  string
		p    Payload
		want string
	}{
		{`{"batch":"B1","records":[{"id":"a"}`, Envelope, "payload ends inside the envelope"},
		{``, Envelope, "payload ends inside the envelope"},
		{`{"batch":"B1"} {}`, Envelope, "data after the envelope object"},
		{`{"batch":"B1"} {}`, quiet, "data after the export object"},
		{`{"batch":"B1",}`, Envelope, "at byte 14: invalid character '}'"},
		{`{"batch":"B1",}`, quiet, "invalid character '}'"},
		{`null`, Envelope, "is a JSON null, want an object"},
		{`[1]`, Envelope, "is a JSON array, want an object"},
		{`{"batch":7}`, Envelope, "field batch: is a JSON number, want a string"},
		{`{"total":1.5}`, Envelope, "field total: is a JSON number, want a number"},
		{`{"records":{}}`, Envelope, "field records: is a JSON object, want an array"},
		{`{"records":"x"}`, Envelope, "field records: is a JSON string, want an array"},
		{`{"meta":true}`, Envelope, "field meta: is a JSON boolean, want an object"},
	}
	for _, tt := range tests {
		_, err := read(t, tt.raw, tt.p, nil)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.raw, err, tt.want)
		}
		if !tt.p.Offsets && err != nil && strings.Contains(err.Error(), "at byte") {
			t.Errorf("%s: %v says an offset it was not asked for", tt.raw, err)
		}
	}
}

func TestNullReadsAsEmptyOrAbsent(t *testing.T) {
	env, err := read(t, `{"records":null,"meta":null}`, Envelope, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(env.records) != 0 || env.meta {
		t.Errorf("records %v, meta present %v", env.records, env.meta)
	}
	env, err = read(t, `{"meta":{"a":[1,2]}}`, Envelope, nil)
	if err != nil || !env.meta {
		t.Errorf("meta present %v, err %v", env.meta, err)
	}
}

func TestItemsOfNullAreEmptyNotNil(t *testing.T) {
	dec := NewDecoder([]byte(`{"records":null}`))
	var items []Item[record]
	err := dec.Top(Envelope, func(key string) error {
		var err error
		items, err = Items[record](dec, key, 0)
		return err
	})
	if err != nil || items == nil || len(items) != 0 {
		t.Errorf("items %#v, err %v: want an empty list, which says the array was there", items, err)
	}
}

func TestExplain(t *testing.T) {
	var v struct {
		Doc string `json:"doc"`
	}
	err := json.Unmarshal([]byte(`{"doc":110105198503170028}`), &v)
	field, err := Explain(err)
	if field != "doc" || err.Error() != "is a JSON number, want a string" {
		t.Errorf("Explain = %q, %v", field, err)
	}
	other := json.Unmarshal([]byte(`{`), &v)
	if field, err := Explain(other); field != "" || err != other {
		t.Errorf("Explain of a syntax error = %q, %v", field, err)
	}
}
