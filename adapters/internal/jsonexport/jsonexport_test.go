package jsonexport

import (
	"encoding/json"
	"strings"
	"testing"
)

type record struct {
	ID    string   `json:"id"`
	Doc   string   `json:"doc"`
	At    *int64   `json:"at"`
	Doses *int     `json:"doses"`
	Lat   *float64 `json:"lat"`
	Tags  []string `json:"tags"`
	Inner *struct {
		Result string `json:"result"`
	} `json:"inner"`
}

func refOf(msg json.RawMessage) string {
	var r struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(msg, &r)
	return r.ID
}

func TestDecode(t *testing.T) {
	records := Records{Wants: map[string]string{"int64": "an integer (epoch milliseconds)"}, Ref: refOf}
	tests := []struct {
		msg                string
		ref, field, errMsg string
	}{
		{`{"id":"a","doc":"x"}`, "", "", ""},
		{`{"id":"b","doc":110105198503170028}`, "b", "doc", "is a json number, want a string"},
		{`{"id":"c","at":1.5}`, "c", "at", "is a json number, want an integer (epoch milliseconds)"},
		{`{"id":"d","doses":"2"}`, "d", "doses", "is a json string, want an integer"},
		{`{"id":"e","lat":"22.5"}`, "e", "lat", "is a json string, want a number"},
		{`{"id":"f","tags":"x"}`, "f", "tags", "is a json string, want an object or array of the documented shape"},
		{`{"id":"g","inner":{"result":1}}`, "g", "inner.result", "is a json number, want a string"},
		{`"rec"`, "", "", "record is a json string, want an object"},
		{`{"id":1}`, "", "id", "is a json number, want a string"},
	}
	for _, tt := range tests {
		var rec record
		p := records.Decode(json.RawMessage(tt.msg), &rec)
		if tt.errMsg == "" {
			if p != nil {
				t.Errorf("%s: %+v", tt.msg, p)
			}
			continue
		}
		if p == nil || p.Ref != tt.ref || p.Field != tt.field || p.Err.Error() != tt.errMsg {
			t.Errorf("%s: %+v, want ref %q field %q error %q", tt.msg, p, tt.ref, tt.field, tt.errMsg)
		}
	}
}

func TestPayloadError(t *testing.T) {
	var ex struct {
		Batch   string            `json:"batch"`
		Records []json.RawMessage `json:"records"`
	}
	tests := []struct{ raw, want string }{
		{`{"batch":"B","records":[}`, "malformed json at byte 25: "},
		{`[1]`, "export is a json array, want an object"},
		{`{"batch":12345678}`, "header field batch is a json number"},
		{`{"records":{}}`, "header field records is a json object"},
	}
	for _, tt := range tests {
		err := PayloadError(json.Unmarshal([]byte(tt.raw), &ex))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.raw, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "12345678") {
			t.Errorf("%s: %v repeats the value", tt.raw, err)
		}
	}
}
