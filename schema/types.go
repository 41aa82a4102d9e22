// Package schema is codefed's common data model, version 1.
//
// Every adapter turns its region's native payload into a Batch; the hub only
// ever stores and merges these types. Field names and JSON spelling are part
// of the public contract (see the design document) and never change within v1.
//
// The package also owns subject pseudonymisation (raw document numbers never
// leave an adapter; only the HMAC pseudonym does), the GB/T 2260
// administrative division table, and validation against the embedded JSON
// Schemas. It knows nothing about raft or HTTP.
package schema

import "time"

// Version is the value of Batch.Schema for this data model.
const Version = "codefed/v1"

// Colours of a health code, from least to most severe.
const (
	Green  = "green"
	Yellow = "yellow"
	Red    = "red"
)

// Nucleic-acid test results.
const (
	NATNegative = "negative"
	NATPositive = "positive"
	NATPending  = "pending"
)

// Event kinds.
const (
	KindVenueScan   = "venue_scan"
	KindTransit     = "transit"
	KindCheckpoint  = "checkpoint"
	KindCarrierCity = "carrier_city"
	KindStay        = "stay"
)

// Risk levels of a risk area.
const (
	RiskLow    = "low"
	RiskMedium = "medium"
	RiskHigh   = "high"
)

// Batch is the unit a region submits and every adapter produces.
type Batch struct {
	Schema    string     `json:"schema"`
	Region    string     `json:"region"`
	BatchID   string     `json:"batch_id"`
	Statuses  []Status   `json:"statuses"`
	Events    []Event    `json:"events"`
	RiskAreas []RiskArea `json:"risk_areas"`
}

// Status is one region's health-code verdict on one subject.
type Status struct {
	Subject     string       `json:"subject"`
	Region      string       `json:"region"`
	Color       string       `json:"color"`
	Reasons     []string     `json:"reasons"`
	Local       *Local       `json:"local,omitempty"`
	IssuedAt    time.Time    `json:"issued_at,omitzero"`
	ValidUntil  time.Time    `json:"valid_until,omitzero"`
	NAT         *NAT         `json:"nat,omitempty"`
	Vaccination *Vaccination `json:"vaccination,omitempty"`
	Source      Source       `json:"source"`
}

// Local keeps the region's own label and code for a status, for display and audit.
type Local struct {
	Label string `json:"label"`
	Code  string `json:"code"`
}

// NAT is the latest nucleic-acid test known to the region.
type NAT struct {
	Result    string    `json:"result"`
	SampledAt time.Time `json:"sampled_at,omitzero"`
	Lab       string    `json:"lab,omitempty"`
}

// Vaccination summarises a subject's vaccination record.
type Vaccination struct {
	Doses int `json:"doses"`
	// LastDoseAt is a calendar date, YYYY-MM-DD.
	LastDoseAt string `json:"last_dose_at,omitempty"`
}

// Source identifies the native record a v1 record came from.
type Source struct {
	System   string `json:"system"`
	RecordID string `json:"record_id"`
}

// Event places a subject somewhere during an interval.
type Event struct {
	Subject string    `json:"subject"`
	Region  string    `json:"region"`
	Kind    string    `json:"kind"`
	Place   Place     `json:"place"`
	Start   time.Time `json:"start,omitzero"`
	End     time.Time `json:"end,omitzero"`
	Source  Source    `json:"source"`
}

// Place is where an event happened. Region is a GB/T 2260 code, 6 or 9 digits.
type Place struct {
	ID     string  `json:"id"`
	Name   string  `json:"name,omitempty"`
	Region string  `json:"region"`
	Lat    float64 `json:"lat,omitempty"`
	Lon    float64 `json:"lon,omitempty"`
}

// RiskArea is a place declared at risk for a time window.
type RiskArea struct {
	ID     string    `json:"id"`
	Region string    `json:"region"`
	Name   string    `json:"name,omitempty"`
	Level  string    `json:"level"`
	From   time.Time `json:"from,omitzero"`
	Until  time.Time `json:"until,omitzero"`
}

// Severity orders colours: green 0, yellow 1, red 2, anything else -1.
func Severity(color string) int {
	switch color {
	case Green:
		return 0
	case Yellow:
		return 1
	case Red:
		return 2
	}
	return -1
}
