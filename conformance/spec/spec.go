// Package spec is the Region Interface Specification, version 1 (RIS/1):
// what a region's health-code system must serve for the hub to pull its feed,
// look up a visitor's status and notify it of changes. README.md is the
// prose, openapi.json the machine-readable form of the four endpoints, and
// Requirements the list of requirement IDs the conformance suite checks and
// reports on. The three are kept in agreement by the package's tests.
package spec

import (
	_ "embed"
)

// Version is the value of the "spec" member of a region's metadata document.
const Version = "codefed-ris/1"

// Paths of the interface, relative to the region's base URL.
const (
	PathMetadata      = "/.well-known/codefed-region"
	PathFeed          = "/feed"
	PathStatus        = "/status"
	PathNotifications = "/notifications"
)

// Feed response headers.
const (
	HeaderNextCursor = "Codefed-Next-Cursor"
	HeaderRecords    = "Codefed-Records"
	HeaderFeedEnd    = "Codefed-Feed-End"
)

// Feed paging bounds.
const (
	// DefaultLimit is the page size when a request gives no limit.
	DefaultLimit = 100
	// MaxCursorLen is the longest cursor a region may hand out.
	MaxCursorLen = 256
)

// Metadata is the document a region serves at PathMetadata.
type Metadata struct {
	Spec               string   `json:"spec"`
	Format             string   `json:"format"`
	Regions            []string `json:"regions"`
	PeakRPS            int      `json:"peak_rps"`
	LatencyObjectiveMS int      `json:"latency_objective_ms"`
	FeedMaxLimit       int      `json:"feed_max_limit"`
}

// StatusRequest is the body of POST PathStatus.
type StatusRequest struct {
	DocType   string `json:"doc_type"`
	DocNumber string `json:"doc_number"`
}

// Notification is the body of POST PathNotifications: the hub's change
// notification for one subject.
type Notification struct {
	Subject string   `json:"subject"`
	Color   string   `json:"color"`
	Reasons []string `json:"reasons"`
	AsOf    string   `json:"as_of"`
	Index   uint64   `json:"index"`
}

// Error is the body of every answer with a status of 400 or more.
type Error struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of Error: a snake_case code and a message.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Requirement is one numbered requirement of RIS/1.
type Requirement struct {
	ID    string
	Title string
	// Required requirements must pass for certification; the others are
	// reported but do not block it.
	Required bool
}

// Requirements lists every requirement of RIS/1 in the order of the prose.
var Requirements = []Requirement{
	{"RIS-META-01", "metadata document valid", true},
	{"RIS-AUTH-01", "401 without token", true},
	{"RIS-AUTH-02", "401 with a wrong token", true},
	{"RIS-ERR-01", "errors are the JSON error with the right status", true},
	{"RIS-FEED-01", "every page decodes with the format's adapter and every record is schema-valid", true},
	{"RIS-FEED-02", "no person twice across the walk", true},
	{"RIS-FEED-03", "no gaps: walks with different page sizes see the same persons", true},
	{"RIS-FEED-04", "stable order: the same cursor returns the same page", true},
	{"RIS-FEED-05", "cursors stay valid across a restart and later", true},
	{"RIS-FEED-06", "out-of-range limit and malformed cursor answered 400", true},
	{"RIS-FEED-07", "replay is idempotent: re-reading a page yields records identical by merge key", true},
	{"RIS-DATA-01", "every fixture person present with exactly the expected records", true},
	{"RIS-DATA-02", "times carry the right UTC offset", true},
	{"RIS-DATA-03", "colour codes map to the expected colours", true},
	{"RIS-STATUS-01", "status lookup of a fixture person returns their status", true},
	{"RIS-STATUS-02", "status lookup of an unknown person answers 404", true},
	{"RIS-NOTIFY-01", "notifications accepted (204) and malformed ones refused (400)", true},
	{"RIS-LOAD-01", "p99 latency within the objective at the declared peak rate", true},
	{"RIS-LOAD-02", "at 10x the declared peak every request is 2xx or 429 with Retry-After within the objective", true},
}

// Lookup returns the requirement with the given ID.
func Lookup(id string) (Requirement, bool) {
	for _, r := range Requirements {
		if r.ID == id {
			return r, true
		}
	}
	return Requirement{}, false
}

// OpenAPI is the OpenAPI 3.0 description of RIS/1 (openapi.json).
//
//go:embed openapi.json
var OpenAPI []byte

// Prose is the text of the specification (README.md).
//
//go:embed README.md
var Prose string
