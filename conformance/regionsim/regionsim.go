// Package regionsim simulates a region's health-code system as the Region
// Interface Specification (RIS/1, package conformance/spec) describes it,
// for every registered format, so that the conformance suite, the
// development cluster and demos have regions to talk to.
//
// A simulator serves a fixed population in a fixed order: the format's
// certification fixture (package conformance/fixture), then Config.Persons
// persons sampled with Config.Seed by the format's adapters.Sampler. A feed
// page is the format's Encode of the persons between two cursors. Cursors
// hold no process state: a new Sim with the same Config honours the cursors
// an earlier one handed out.
//
// Told to, a simulator makes the defects the conformance suite must catch
// (see Defect): wrong data (time zones, missing fields, colour codes), a
// broken feed (duplicates, gaps, unstable order), latency, 5xx under load,
// no authentication. Without defects it meets every requirement of RIS/1.
//
// Admission control: a token bucket (golang.org/x/time/rate) refilled at
// 12 times the declared peak rate, holding one second of that rate, and at
// most 64 requests in progress. RIS/1 asks that at 10 times the declared
// peak every request is answered within the latency objective, with 2xx or
// with 429: a bucket above 10x admits the whole 10x load when the machine
// keeps up, and the in-progress bound answers 429 at once instead of
// queueing when it does not, so that admitted requests stay fast. Every
// refusal carries Retry-After: 1, the time the bucket takes to refill. The
// metadata document is never refused.
package regionsim

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/eudcc"
	"github.com/codefed/codefed/conformance/fixture"
	"github.com/codefed/codefed/conformance/spec"
)

// Defaults of Config.
const (
	DefaultPersons          = 500
	DefaultPeakRPS          = 50
	DefaultLatencyObjective = 250 * time.Millisecond
)

// FeedMaxLimit is the largest page a simulator serves, in persons.
const FeedMaxLimit = 1000

const (
	// admissionFactor times the declared peak is the clean simulator's
	// sustained admission rate, and one second of it its burst.
	admissionFactor = 12
	// overloadFactor times the declared peak is where the Overload defect
	// starts answering 503.
	overloadFactor = 2
	// maxInFlight bounds the requests in progress; beyond it a request is
	// refused at once.
	maxInFlight = 64
	// slowFactor times the latency objective is the Slow defect's delay.
	slowFactor = 1.5
	// maxBody bounds the JSON bodies of POST requests.
	maxBody = 64 << 10
	// maxCachedPages bounds the encoded pages kept for reuse.
	maxCachedPages = 4096
)

// Config configures a simulator.
type Config struct {
	// Format is the adapter ID of the region's native format.
	Format string
	// Token is the bearer token every endpoint but the metadata requires.
	// It may be empty only with the NoAuth defect.
	Token string
	// Seed is the seed of the sampled persons.
	Seed uint64
	// Persons is the number of sampled persons besides the fixture
	// (default DefaultPersons; negative for none).
	Persons int
	// PeakRPS is the declared peak request rate (default DefaultPeakRPS).
	PeakRPS int
	// LatencyObjective is the declared p99 objective (default
	// DefaultLatencyObjective).
	LatencyObjective time.Duration
	// Defects are the departures from RIS/1 to make.
	Defects []Defect
	// Signer and SignerCert sign the certificates of signed formats
	// (eu-dcc). When Signer is nil the simulator generates a document
	// signer valid around the fixture's window; TrustCertificate returns
	// its certificate.
	Signer     crypto.Signer
	SignerCert *x509.Certificate
}

// Sim is a simulated region. Its handler is safe for concurrent use.
type Sim struct {
	cfg     Config
	adapter adapters.Adapter
	enc     adapters.EncodeOptions
	cursors cursorCodec
	// people is the population in feed order, with the data defects applied.
	people []adapters.Person
	// byDoc finds a person by docKey of the document they were sampled with.
	byDoc map[string]int
	// empty is the format's payload with no person.
	empty       []byte
	contentType string
	metadata    []byte

	limiter  *rate.Limiter
	inFlight chan struct{}
	handler  http.Handler

	pagesMu sync.Mutex
	pages   map[[2]int][]byte

	orderMu sync.Mutex
	orderN  map[[2]int]int // requests per page, for UnstableOrder

	notesMu sync.Mutex
	notes   map[string]spec.Notification
}

// emptyEncoder is implemented by formats whose payload names the region
// and so cannot be written without a person by Encode (carrier).
type emptyEncoder interface {
	EncodeEmpty(region string, opts adapters.EncodeOptions) ([]byte, error)
}

// New builds a simulator: it samples the population and applies the
// defects to it. It returns an error wrapping ErrUnsupportedDefect when the
// format cannot carry one of the defects.
func New(cfg Config) (*Sim, error) {
	if cfg.Persons == 0 {
		cfg.Persons = DefaultPersons
	} else if cfg.Persons < 0 {
		cfg.Persons = 0
	}
	if cfg.PeakRPS == 0 {
		cfg.PeakRPS = DefaultPeakRPS
	}
	if cfg.LatencyObjective == 0 {
		cfg.LatencyObjective = DefaultLatencyObjective
	}
	if cfg.PeakRPS < 0 || cfg.LatencyObjective < time.Millisecond {
		return nil, fmt.Errorf("regionsim: peak rate %d and latency objective %v must be positive", cfg.PeakRPS, cfg.LatencyObjective)
	}
	for _, d := range cfg.Defects {
		if d.Describe() == "" {
			return nil, fmt.Errorf("regionsim: unknown defect %q", d)
		}
	}
	s := &Sim{cfg: cfg, pages: map[[2]int][]byte{}, orderN: map[[2]int]int{}, notes: map[string]spec.Notification{}}
	if cfg.Token == "" && !s.has(NoAuth) {
		return nil, errors.New("regionsim: a token is required unless the no-auth defect is set")
	}
	a, ok := adapters.Lookup(cfg.Format)
	if !ok {
		return nil, fmt.Errorf("regionsim: unknown format %q", cfg.Format)
	}
	sampler, ok := a.(adapters.Sampler)
	if !ok {
		return nil, fmt.Errorf("regionsim: format %s cannot sample synthetic persons", cfg.Format)
	}
	s.adapter = a
	if (cfg.Signer == nil) != (cfg.SignerCert == nil) {
		return nil, errors.New("regionsim: a signer needs its certificate, and a certificate its signer")
	}
	if s.cfg.Signer == nil {
		key, cert, err := eudcc.NewSigner("codefed region simulator", "CN", fixture.Start.AddDate(0, -3, 0), fixture.Start.AddDate(3, 0, 0))
		if err != nil {
			return nil, fmt.Errorf("regionsim: %w", err)
		}
		s.cfg.Signer, s.cfg.SignerCert = key, cert
	}
	// A fixed issue time keeps every page the same bytes (but signatures).
	s.enc = adapters.EncodeOptions{Signer: s.cfg.Signer, SignerCert: s.cfg.SignerCert, At: fixture.Start.Add(fixture.Span)}
	s.cursors = newCursorCodec(&s.cfg)

	pr, err := newProber(a, s.enc, s.cfg.SignerCert)
	if err != nil {
		return nil, fmt.Errorf("regionsim: %w", err)
	}
	people, err := population(&s.cfg, sampler, pr)
	if err != nil {
		return nil, fmt.Errorf("regionsim: %s: %w", cfg.Format, err)
	}
	s.byDoc = make(map[string]int, len(people))
	for i, p := range people {
		key, _ := docKey(p.DocType, p.DocNumber) // population checked every document
		s.byDoc[key] = i
	}
	if err := applyDataDefects(people, s.has, pr); err != nil {
		return nil, fmt.Errorf("regionsim: %s: %w", cfg.Format, err)
	}
	s.people = people

	if s.empty, err = s.emptyPayload(pr); err != nil {
		return nil, fmt.Errorf("regionsim: %s empty payload: %w", cfg.Format, err)
	}
	s.contentType = contentType(cfg.Format)
	if s.metadata, err = s.metadataDocument(); err != nil {
		return nil, fmt.Errorf("regionsim: %w", err)
	}

	perSecond := admissionFactor * s.cfg.PeakRPS
	if s.has(Overload) {
		perSecond = overloadFactor * s.cfg.PeakRPS
	}
	s.limiter = rate.NewLimiter(rate.Limit(perSecond), perSecond)
	s.inFlight = make(chan struct{}, maxInFlight)
	s.handler = s.routes()
	return s, nil
}

func (s *Sim) has(d Defect) bool { return slices.Contains(s.cfg.Defects, d) }

// Handler serves RIS/1 under its root.
func (s *Sim) Handler() http.Handler { return s.handler }

// Format is the simulator's format.
func (s *Sim) Format() string { return s.cfg.Format }

// Persons is the number of persons in the feed, the fixture included.
func (s *Sim) Persons() int { return len(s.people) }

// TrustCertificate is the certificate that verifies the simulator's signed
// payloads (eu-dcc): Config.SignerCert, or the one generated for it.
func (s *Sim) TrustCertificate() *x509.Certificate { return s.cfg.SignerCert }

// Notifications returns the latest notification received for each subject,
// ordered by subject.
func (s *Sim) Notifications() []spec.Notification {
	s.notesMu.Lock()
	defer s.notesMu.Unlock()
	out := make([]spec.Notification, 0, len(s.notes))
	for _, n := range s.notes {
		out = append(out, n)
	}
	slices.SortFunc(out, func(a, b spec.Notification) int {
		switch {
		case a.Subject < b.Subject:
			return -1
		case a.Subject > b.Subject:
			return 1
		}
		return 0
	})
	return out
}

// emptyPayload is the format's payload with no person in it.
func (s *Sim) emptyPayload(pr *prober) ([]byte, error) {
	if e, ok := s.adapter.(emptyEncoder); ok {
		// The region is the one the format's own decoder reads from a
		// page of the feed.
		res := pr.decode(s.people[0])
		if res == nil {
			return nil, errors.New("the first person does not encode and decode")
		}
		return e.EncodeEmpty(res.Batch.Region, s.enc)
	}
	return s.adapter.Encode(nil, s.enc)
}

func (s *Sim) metadataDocument() ([]byte, error) {
	return jsonBody(spec.Metadata{
		Spec:               spec.Version,
		Format:             s.cfg.Format,
		Regions:            s.adapter.Regions(),
		PeakRPS:            s.cfg.PeakRPS,
		LatencyObjectiveMS: int(s.cfg.LatencyObjective / time.Millisecond),
		FeedMaxLimit:       FeedMaxLimit,
	})
}

// contentTypes are the media types each format's payloads travel as.
var contentTypes = map[string]string{
	"beijing":   "application/json",
	"carrier":   "application/json",
	"eu-dcc":    "text/plain; charset=utf-8",
	"fujian":    "application/json",
	"guangdong": "application/json",
	"hainan":    "text/plain; charset=GB18030",
	"macau":     "text/plain; charset=Big5-HKSCS",
	"shaanxi":   "application/json",
	"shandong":  "text/csv; charset=GBK",
	"shanghai":  "application/xml",
	"tianjin":   "application/json",
	"zhejiang":  "application/json",
}

func contentType(format string) string {
	if ct, ok := contentTypes[format]; ok {
		return ct
	}
	return "application/octet-stream"
}
