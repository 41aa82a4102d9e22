package hub

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

// seedMeeting writes two subjects who meet at a venue in Xi'an, then one
// of them travels to Hangzhou, plus a risk area over the venue.
func seedMeeting(t *testing.T, fc *fakeCluster) (a, b string) {
	t.Helper()
	a, b = strings.Repeat("a", 64), strings.Repeat("b", 64)
	start := time.Date(2022, 1, 4, 9, 0, 0, 0, utc8)
	venue := schema.Place{ID: "610113-V-1", Name: "小寨, \"东\"口", Region: "610113001", Lat: 34.22, Lon: 108.94}
	ev := func(s string, p schema.Place, from time.Time, d time.Duration, id string) schema.Event {
		return schema.Event{Subject: s, Region: p.Region[:6], Kind: schema.KindVenueScan, Place: p, Start: from, End: from.Add(d), Source: schema.Source{System: "x", RecordID: id}}
	}
	cmd := RecordsCommand{BatchID: "seed", Region: "610100", Events: []schema.Event{
		ev(a, venue, start, time.Hour, "1"),
		ev(b, venue, start.Add(20*time.Minute), time.Hour, "2"),
		ev(a, schema.Place{ID: "330106-V-9", Region: "330106"}, start.Add(24*time.Hour), time.Hour, "3"),
	}, RiskAreas: []schema.RiskArea{{ID: "ra1", Region: "610113", Level: schema.RiskHigh, From: start.Add(-time.Hour), Until: start.Add(48 * time.Hour)}}}
	enc, _ := cmd.Encode()
	if _, _, err := fc.Propose(context.Background(), enc); err != nil {
		t.Fatal(err)
	}
	return a, b
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestContactsEndpointAndExports(t *testing.T) {
	ts, fc := newTestServer(t)
	a, b := seedMeeting(t, fc)

	resp, body := get(t, ts.URL+"/v1/contacts/"+a)
	var cs Contacts
	if resp.StatusCode != 200 || json.Unmarshal(body, &cs) != nil {
		t.Fatalf("HTTP %d %s", resp.StatusCode, body)
	}
	if cs.MinOverlapSeconds != 900 || len(cs.Contacts) != 1 || cs.Contacts[0].Subject != b || cs.Contacts[0].OverlapSeconds != 2400 {
		t.Fatalf("contacts %+v", cs)
	}
	if _, body = get(t, ts.URL+"/v1/contacts/"+a+"?min_overlap=41m"); !strings.Contains(string(body), `"contacts":[]`) {
		t.Fatalf("min_overlap above the overlap still finds a contact: %s", body)
	}

	resp, body = get(t, ts.URL+"/v1/contacts/"+a+"?format=csv")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("content type %s", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 2 || rows[0][1] != "contact" || rows[1][1] != b || rows[1][4] != `小寨, "东"口` || rows[1][10] != "2400" {
		t.Fatalf("contacts CSV %v (%v)", rows, err)
	}

	resp, body = get(t, ts.URL+"/v1/trajectory/"+a+"?format=geojson")
	var fc2 struct {
		Type     string `json:"type"`
		Features []struct {
			Type     string `json:"type"`
			Geometry *struct {
				Type        string          `json:"type"`
				Coordinates json.RawMessage `json:"coordinates"`
			} `json:"geometry"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if resp.Header.Get("Content-Type") != "application/geo+json" || json.Unmarshal(body, &fc2) != nil || fc2.Type != "FeatureCollection" {
		t.Fatalf("trajectory GeoJSON: %s", body)
	}
	kinds := map[string]int{}
	for _, f := range fc2.Features {
		if f.Geometry == nil {
			t.Fatalf("feature without geometry: %+v", f)
		}
		kinds[f.Geometry.Type]++
	}
	if kinds["Point"] != 2 || kinds["LineString"] != 1 {
		t.Fatalf("geometries %v, want 2 points and the city path", kinds)
	}
	// The first point is the venue's own coordinates, lon before lat.
	if string(fc2.Features[0].Geometry.Coordinates) != "[108.94,34.22]" {
		t.Fatalf("coordinates %s", fc2.Features[0].Geometry.Coordinates)
	}

	_, body = get(t, ts.URL+"/v1/trajectory/"+a+"?format=csv")
	rows, err = csv.NewReader(strings.NewReader(string(body))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "subject" {
		t.Fatalf("trajectory CSV %v (%v)", rows, err)
	}

	resp, body = get(t, ts.URL+"/v1/contacts/"+a+"?format=geojson")
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"overlap_seconds":2400`) {
		t.Fatalf("contacts GeoJSON %s", body)
	}
}

func TestVisitorsAndExposedEndpoints(t *testing.T) {
	ts, fc := newTestServer(t)
	a, b := seedMeeting(t, fc)
	resp, body := get(t, ts.URL+"/v1/places/610113-V-1/visitors")
	var v Visitors
	if resp.StatusCode != 200 || json.Unmarshal(body, &v) != nil || len(v.Visits) != 2 || v.Visits[0].Subject != a || v.Visits[1].Subject != b {
		t.Fatalf("visitors HTTP %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, ts.URL+"/v1/risk-areas/ra1/exposed")
	var ex Exposed
	if resp.StatusCode != 200 || json.Unmarshal(body, &ex) != nil || len(ex.Exposed) != 2 {
		t.Fatalf("exposed HTTP %d %s", resp.StatusCode, body)
	}
	for path, code := range map[string]int{
		"/v1/places/nowhere/visitors":                              404,
		"/v1/risk-areas/none/exposed":                              404,
		"/v1/contacts/" + a + "?min_overlap=soon":                  400,
		"/v1/contacts/" + a + "?format=xml":                        400,
		"/v1/contacts/" + strings.Repeat("c", 64):                  404,
		"/v1/places/610113-V-1/visitors?from=2022-01-05T00:00:00Z": 200,
	} {
		if resp, body := get(t, ts.URL+path); resp.StatusCode != code {
			t.Errorf("GET %s: HTTP %d, want %d: %s", path, resp.StatusCode, code, body)
		}
	}
}
