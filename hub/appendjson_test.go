package hub

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

func encodingJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var oddStrings = []string{"", "plain", "小寨地铁站", `quote " and \ backslash`, "ctl\x00\x01\x1f\t\n\r\b\f", "<html>&amp;",
	"bad utf8 \xff\xfe", "line\u2028sep\u2029", "emoji 😷", "\x7f del"}

func randomString(rng *rand.Rand) string {
	if rng.IntN(3) == 0 {
		b := make([]byte, rng.IntN(12))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return string(b)
	}
	return oddStrings[rng.IntN(len(oddStrings))]
}

func randomTime(rng *rand.Rand) time.Time {
	switch rng.IntN(5) {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1e9)).In(utc8)
	case 2:
		return time.Unix(rng.Int64N(4e9), 0).UTC()
	case 3:
		return time.Unix(rng.Int64N(4e9), rng.Int64N(1000)*1e6).In(time.FixedZone("", -(3*3600 + 1800)))
	}
	return time.Unix(rng.Int64N(4e9), 0).In(utc1)
}

func randomPlace(rng *rand.Rand) schema.Place {
	floats := []float64{0, 34.2, -33.8688, 108.94299, 1e-7, 1e22, 123456789.125, -0.000001, 90}
	return schema.Place{ID: randomString(rng), Name: randomString(rng), Region: randomString(rng),
		Lat: floats[rng.IntN(len(floats))], Lon: floats[rng.IntN(len(floats))]}
}

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 8))
	for i := 0; i < 2000; i++ {
		tr := &Trajectory{Subject: randomString(rng), Events: []schema.Event{}, Cities: []CityVisit{}, Index: rng.Uint64()}
		for j := rng.IntN(4); j > 0; j-- {
			tr.Events = append(tr.Events, schema.Event{Subject: randomString(rng), Region: randomString(rng), Kind: randomString(rng),
				Place: randomPlace(rng), Start: randomTime(rng), End: randomTime(rng),
				Source: schema.Source{System: randomString(rng), RecordID: randomString(rng)}})
			tr.Cities = append(tr.Cities, CityVisit{Region: randomString(rng), Name: randomString(rng), First: randomTime(rng), Last: randomTime(rng)})
		}
		if got, want := tr.AppendJSON(nil), encodingJSON(t, tr); !bytes.Equal(got, want) {
			t.Fatalf("trajectory\n got %s\nwant %s", got, want)
		}
		cs := &Contacts{Subject: randomString(rng), MinOverlapSeconds: rng.Int64N(5000), Contacts: []Contact{}, Index: rng.Uint64()}
		for j := rng.IntN(4); j > 0; j-- {
			cs.Contacts = append(cs.Contacts, Contact{Subject: randomString(rng), Place: randomPlace(rng), Start: randomTime(rng),
				End: randomTime(rng), OverlapSeconds: rng.Int64N(1e6), Kind: randomString(rng)})
		}
		if got, want := cs.AppendJSON(nil), encodingJSON(t, cs); !bytes.Equal(got, want) {
			t.Fatalf("contacts\n got %s\nwant %s", got, want)
		}
	}
}

func TestAppendStatusJSONMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 2))
	for i := 0; i < 2000; i++ {
		fs := &FederatedStatus{Subject: randomString(rng), Color: randomString(rng), AsOf: randomTime(rng), Index: rng.Uint64()}
		if rng.IntN(4) > 0 {
			fs.Reasons = []Reason{}
			for j := rng.IntN(3); j > 0; j-- {
				fs.Reasons = append(fs.Reasons, Reason{Code: randomString(rng), Region: randomString(rng), At: randomTime(rng)})
			}
		}
		if rng.IntN(4) > 0 {
			fs.Regions = map[string]schema.Status{}
			for j := rng.IntN(4); j > 0; j-- {
				st := schema.Status{Subject: randomString(rng), Region: randomString(rng), Color: randomString(rng),
					IssuedAt: randomTime(rng), ValidUntil: randomTime(rng), Source: schema.Source{System: randomString(rng), RecordID: randomString(rng)}}
				if rng.IntN(3) > 0 {
					st.Reasons = []string{}
					for k := rng.IntN(3); k > 0; k-- {
						st.Reasons = append(st.Reasons, randomString(rng))
					}
				}
				if rng.IntN(2) == 0 {
					st.Local = &schema.Local{Label: randomString(rng), Code: randomString(rng)}
				}
				if rng.IntN(2) == 0 {
					st.NAT = &schema.NAT{Result: randomString(rng), SampledAt: randomTime(rng), Lab: randomString(rng)}
				}
				if rng.IntN(2) == 0 {
					st.Vaccination = &schema.Vaccination{Doses: rng.IntN(5) - 1, LastDoseAt: randomString(rng)}
				}
				fs.Regions[randomString(rng)] = st
			}
		}
		if got, want := fs.AppendJSON(nil), encodingJSON(t, fs); !bytes.Equal(got, want) {
			t.Fatalf("status\n got %s\nwant %s", got, want)
		}
	}
}
