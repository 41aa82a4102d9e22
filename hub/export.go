package hub

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/codefed/codefed/schema"
)

// Exports of query answers: CSV for spreadsheets and GeoJSON (RFC 7946) for
// map tools. Both carry pseudonymous subjects only.

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func coord(f float64) string {
	if f == 0 {
		return ""
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func writeCSV(w http.ResponseWriter, name string, header []string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+".csv"))
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	_ = cw.WriteAll(rows)
}

func trajectoryCSV(w http.ResponseWriter, tr *Trajectory) {
	rows := make([][]string, 0, len(tr.Events))
	for _, e := range tr.Events {
		rows = append(rows, []string{e.Subject, e.Kind, e.Place.ID, e.Place.Name, e.Place.Region,
			coord(e.Place.Lat), coord(e.Place.Lon), formatTime(e.Start), formatTime(e.End), e.Region, e.Source.System, e.Source.RecordID})
	}
	writeCSV(w, "trajectory-"+tr.Subject[:12], []string{"subject", "kind", "place_id", "place_name", "place_region",
		"lat", "lon", "start", "end", "region", "source_system", "source_record_id"}, rows)
}

func contactsCSV(w http.ResponseWriter, cs *Contacts) {
	rows := make([][]string, 0, len(cs.Contacts))
	for _, c := range cs.Contacts {
		rows = append(rows, []string{cs.Subject, c.Subject, c.Kind, c.Place.ID, c.Place.Name, c.Place.Region,
			coord(c.Place.Lat), coord(c.Place.Lon), formatTime(c.Start), formatTime(c.End), strconv.FormatInt(c.OverlapSeconds, 10)})
	}
	writeCSV(w, "contacts-"+cs.Subject[:12], []string{"subject", "contact", "kind", "place_id", "place_name", "place_region",
		"lat", "lon", "start", "end", "overlap_seconds"}, rows)
}

// geoFeature is an RFC 7946 feature; Geometry is nil (JSON null) when a
// place has no coordinates and its region none we know.
type geoFeature struct {
	Type       string         `json:"type"`
	Geometry   *geoGeometry   `json:"geometry"`
	Properties map[string]any `json:"properties"`
}

type geoGeometry struct {
	Type        string `json:"type"`
	Coordinates any    `json:"coordinates"`
}

type geoCollection struct {
	Type     string       `json:"type"`
	Features []geoFeature `json:"features"`
}

// placePoint locates a place: its own coordinates, else the seat of the
// nearest known division containing its region.
func placePoint(p schema.Place) (lon, lat float64, ok bool) {
	if p.Lat != 0 || p.Lon != 0 {
		return p.Lon, p.Lat, true
	}
	return regionPoint(p.Region)
}

func regionPoint(region string) (lon, lat float64, ok bool) {
	if d, found := schema.LookupDivision(region); found && (d.Lat != 0 || d.Lon != 0) {
		return d.Lon, d.Lat, true
	}
	return 0, 0, false
}

func point(lon, lat float64, ok bool) *geoGeometry {
	if !ok {
		return nil
	}
	return &geoGeometry{Type: "Point", Coordinates: []float64{lon, lat}}
}

func trajectoryGeoJSON(w http.ResponseWriter, tr *Trajectory) {
	fc := geoCollection{Type: "FeatureCollection", Features: []geoFeature{}}
	for _, e := range tr.Events {
		fc.Features = append(fc.Features, geoFeature{Type: "Feature", Geometry: point(placePoint(e.Place)),
			Properties: map[string]any{"subject": e.Subject, "kind": e.Kind, "place_id": e.Place.ID, "place_name": e.Place.Name,
				"place_region": e.Place.Region, "start": formatTime(e.Start), "end": formatTime(e.End)}})
	}
	var line [][]float64
	var cities []string
	for _, c := range tr.Cities {
		if lon, lat, ok := regionPoint(c.Region); ok {
			line = append(line, []float64{lon, lat})
			cities = append(cities, c.Region)
		}
	}
	if len(line) > 1 {
		fc.Features = append(fc.Features, geoFeature{Type: "Feature", Geometry: &geoGeometry{Type: "LineString", Coordinates: line},
			Properties: map[string]any{"subject": tr.Subject, "kind": "city_path", "cities": cities}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	writeJSONBody(w, fc)
}

func contactsGeoJSON(w http.ResponseWriter, cs *Contacts) {
	fc := geoCollection{Type: "FeatureCollection", Features: []geoFeature{}}
	for _, c := range cs.Contacts {
		fc.Features = append(fc.Features, geoFeature{Type: "Feature", Geometry: point(placePoint(c.Place)),
			Properties: map[string]any{"subject": cs.Subject, "contact": c.Subject, "kind": c.Kind, "place_id": c.Place.ID,
				"place_name": c.Place.Name, "start": formatTime(c.Start), "end": formatTime(c.End), "overlap_seconds": c.OverlapSeconds}})
	}
	w.Header().Set("Content-Type", "application/geo+json")
	writeJSONBody(w, fc)
}
