package hub

import (
	"bytes"
	"context"
	"crypto/x509"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/schema"
)

// Cluster is what the API needs from the consensus layer.
type Cluster interface {
	// Propose replicates a command and returns its result and log index once
	// it is committed and applied locally.
	Propose(ctx context.Context, cmd []byte) ([]byte, uint64, error)
	// ReadIndex confirms leadership and waits until everything committed
	// before the call is applied; federation.ErrNotLeader on a follower.
	ReadIndex(ctx context.Context) error
	Leader() (id, httpAddr string)
	Members() ([]federation.Member, error)
	Join(ctx context.Context, req federation.JoinRequest) error
	Remove(ctx context.Context, id string) error
}

// Config configures a Server.
type Config struct {
	FSM      *FSM
	Cluster  Cluster
	Subjects *schema.Pseudonymizer
	// Internal handles /internal/ (the federation's peer endpoints).
	Internal http.Handler
	Logger   *slog.Logger
	// MaxBodyBytes bounds request bodies (default 32 MiB).
	MaxBodyBytes int64
	// ChunkRecords splits large batches into commands of at most this many
	// records (default 2000), so no log entry grows without bound.
	ChunkRecords int
	// Trust lists the signing certificates accepted for signed formats (eu-dcc).
	Trust []*x509.Certificate
	// Now is the reading clock (default time.Now): the as-of time of status
	// answers and the validation clock of signed formats.
	Now func() time.Time
	// Registry receives the server's metrics (default a new registry).
	Registry *prometheus.Registry
}

// Server is the HTTP API of one node.
type Server struct {
	cfg     Config
	mux     *http.ServeMux
	metrics *metrics
	log     *slog.Logger
}

// NewServer returns the API handler for one node.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 32 << 20
	}
	if cfg.ChunkRecords <= 0 {
		cfg.ChunkRecords = 2000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), log: cfg.Logger}
	s.metrics = newMetrics(cfg.Registry, cfg.FSM)
	s.routes()
	return s
}

// Routes lists the method and path pattern of every public route, for the
// OpenAPI consistency test and for documentation.
var Routes = []string{
	"POST /v1/ingest/{format}",
	"POST /v1/records",
	"GET /v1/status/{subject}",
	"POST /v1/subjects",
	"GET /v1/trajectory/{subject}",
	"GET /v1/contacts/{subject}",
	"GET /v1/places/{place}/visitors",
	"GET /v1/risk-areas",
	"GET /v1/risk-areas/{id}/exposed",
	"GET /v1/regions",
	"POST /v1/regions/{format}/certification",
	"GET /v1/quarantine",
	"GET /v1/cluster",
	"POST /v1/cluster/join",
	"DELETE /v1/cluster/servers/{id}",
	"GET /v1/cluster/digest",
	"GET /v1/health",
	"GET /v1/ready",
	"GET /metrics",
	"GET /openapi.json",
}

func (s *Server) routes() {
	h := map[string]http.HandlerFunc{
		"POST /v1/ingest/{format}":                s.handleIngest,
		"POST /v1/records":                        s.handleRecords,
		"GET /v1/status/{subject}":                s.handleStatus,
		"POST /v1/subjects":                       s.handleSubjects,
		"GET /v1/trajectory/{subject}":            s.handleTrajectory,
		"GET /v1/contacts/{subject}":              s.handleContacts,
		"GET /v1/places/{place}/visitors":         s.handleVisitors,
		"GET /v1/risk-areas":                      s.handleRiskAreas,
		"GET /v1/risk-areas/{id}/exposed":         s.handleExposed,
		"GET /v1/regions":                         s.handleRegions,
		"POST /v1/regions/{format}/certification": s.handleCertification,
		"GET /v1/quarantine":                      s.handleQuarantine,
		"GET /v1/cluster":                         s.handleCluster,
		"POST /v1/cluster/join":                   s.handleJoin,
		"DELETE /v1/cluster/servers/{id}":         s.handleRemove,
		"GET /v1/cluster/digest":                  s.handleDigest,
		"GET /v1/health":                          s.handleHealth,
		"GET /v1/ready":                           s.handleReady,
		"GET /metrics":                            s.metrics.handler(s.cfg.Registry).ServeHTTP,
		"GET /openapi.json":                       s.handleOpenAPI,
	}
	for _, pattern := range Routes {
		s.mux.Handle(pattern, s.metrics.instrument(pattern, h[pattern]))
	}
	if s.cfg.Internal != nil {
		s.mux.Handle("/internal/", s.cfg.Internal)
	}
	s.mux.Handle("GET /ui/", consoleHandler())
	s.mux.Handle("GET /{$}", http.RedirectHandler("/ui/", http.StatusFound))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no route for %s %s (see /openapi.json)", r.Method, r.URL.Path))
	})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// apiError is the body of every error answer.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var e apiError
	e.Error.Code, e.Error.Message = code, msg
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	writeJSONBody(w, v)
}

func writeJSONBody(w http.ResponseWriter, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// clusterError maps a consensus failure to an HTTP answer.
func (s *Server) clusterError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, federation.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusGatewayTimeout, "timeout", err.Error())
	case errors.Is(err, federation.ErrNoLeader), errors.Is(err, federation.ErrNotLeader), errors.Is(err, federation.ErrClosed):
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	case errors.Is(err, federation.ErrUnknownMember):
		writeError(w, http.StatusNotFound, "not_found", err.Error())
	default:
		s.log.Error("cluster operation failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
	}
}

func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body exceeds %d bytes", mbe.Limit))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "bad_request", "read body: "+err.Error())
		return nil, false
	}
	return b, true
}

// IngestResponse answers POST /v1/ingest/{format} and POST /v1/records.
type IngestResponse struct {
	BatchID  string        `json:"batch_id"`
	Accepted int           `json:"accepted"`
	Rejected []Rejection   `json:"rejected"`
	Result   RecordsResult `json:"result"`
	Index    uint64        `json:"index"`
	Warnings []Rejection   `json:"warnings,omitempty"`
}

func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	a, ok := adapters.Lookup(format)
	if !ok {
		writeError(w, http.StatusNotFound, "unknown_format", fmt.Sprintf("unknown format %q (see GET /v1/regions)", format))
		return
	}
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	res, err := a.Decode(raw, adapters.DecodeOptions{
		Subjects: s.cfg.Subjects, At: s.cfg.Now(), Trust: s.cfg.Trust, BatchID: r.URL.Query().Get("batch_id"),
	})
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_payload", fmt.Sprintf("decode %s payload: %v", format, err))
		return
	}
	rejected, warnings := rejectionsOf(res)
	s.metrics.rejected.WithLabelValues(format).Add(float64(len(rejected)))
	s.apply(w, r, format, &res.Batch, rejected, warnings)
}

// rejectionsOf turns an adapter's record errors into the rejections and
// warnings the hub keeps and answers with.
func rejectionsOf(res *adapters.Result) (rejected, warnings []Rejection) {
	rejected = make([]Rejection, len(res.Rejected))
	for i, e := range res.Rejected {
		rejected[i] = Rejection{Index: e.Index, Ref: e.Ref, Field: e.Field, Stage: e.Stage, Error: e.Error()}
	}
	for _, e := range res.Warnings {
		warnings = append(warnings, Rejection{Index: e.Index, Ref: e.Ref, Field: e.Field, Error: e.Error()})
	}
	return rejected, warnings
}

func (s *Server) handleRecords(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var b schema.Batch
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		writeError(w, http.StatusBadRequest, "bad_payload", "decode v1 batch: "+err.Error())
		return
	}
	var rejected []Rejection
	bad := map[string]map[int]bool{"statuses": {}, "events": {}, "risk_areas": {}}
	for _, e := range schema.ValidateBatch(&b) {
		if e.List == "" {
			writeError(w, http.StatusBadRequest, "bad_payload", e.Error())
			return
		}
		bad[e.List][e.Index] = true
		field := ""
		var ve *schema.ValidationError
		if errors.As(e.Err, &ve) {
			field = e.List + "." + ve.Field()
		}
		// Index counts records across the batch in order: statuses, then
		// events, then risk areas.
		idx := e.Index
		switch e.List {
		case "events":
			idx += len(b.Statuses)
		case "risk_areas":
			idx += len(b.Statuses) + len(b.Events)
		}
		rejected = append(rejected, Rejection{Index: idx, Ref: fmt.Sprintf("%s[%d]", e.List, e.Index), Field: field, Stage: "schema", Error: e.Error()})
	}
	b.Statuses = keep(b.Statuses, bad["statuses"])
	b.Events = keep(b.Events, bad["events"])
	b.RiskAreas = keep(b.RiskAreas, bad["risk_areas"])
	s.metrics.rejected.WithLabelValues("v1").Add(float64(len(rejected)))
	s.apply(w, r, "", &b, rejected, nil)
}

func keep[T any](xs []T, bad map[int]bool) []T {
	if len(bad) == 0 {
		return xs
	}
	out := xs[:0:0]
	for i, x := range xs {
		if !bad[i] {
			out = append(out, x)
		}
	}
	return out
}

// apply proposes the good records of a batch with its rejections, in
// chunks, and answers once all are committed and applied.
func (s *Server) apply(w http.ResponseWriter, r *http.Request, format string, b *schema.Batch, rejected, warnings []Rejection) {
	resp := IngestResponse{BatchID: b.BatchID, Rejected: rejected, Warnings: warnings}
	if resp.Rejected == nil {
		resp.Rejected = []Rejection{}
	}
	for _, cmd := range chunk(b, format, rejected, s.cfg.ChunkRecords) {
		out, index, ok := s.propose(w, r, cmd.Encode)
		if !ok {
			return
		}
		res, err := decodeRecordsResult(out)
		if err != nil {
			writeError(w, http.StatusInternalServerError, "internal", err.Error())
			return
		}
		resp.Index = index
		resp.Result.add(res)
	}
	resp.Accepted = len(b.Statuses) + len(b.Events) + len(b.RiskAreas)
	s.metrics.applied.WithLabelValues("statuses").Add(float64(resp.Result.Statuses))
	s.metrics.applied.WithLabelValues("events").Add(float64(resp.Result.Events))
	writeJSON(w, http.StatusOK, resp)
}

// propose encodes and replicates a command, answering the error itself
// when it cannot.
func (s *Server) propose(w http.ResponseWriter, r *http.Request, encode func() ([]byte, error)) ([]byte, uint64, bool) {
	enc, err := encode()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal", err.Error())
		return nil, 0, false
	}
	out, index, err := s.cfg.Cluster.Propose(r.Context(), enc)
	if err != nil {
		s.clusterError(w, err)
		return nil, 0, false
	}
	return out, index, true
}

func (r *RecordsResult) add(o RecordsResult) {
	r.Statuses += o.Statuses
	r.Stale += o.Stale
	r.Events += o.Events
	r.Duplicates += o.Duplicates
	r.RiskAreas += o.RiskAreas
	r.Quarantined += o.Quarantined
	r.Invalid += o.Invalid
	if r.FirstQID == 0 {
		r.FirstQID = o.FirstQID
	}
}

// chunk splits a batch into commands of at most n records; rejections ride
// with the first.
func chunk(b *schema.Batch, format string, rejected []Rejection, n int) []*RecordsCommand {
	var out []*RecordsCommand
	cur := &RecordsCommand{BatchID: b.BatchID, Region: b.Region, Format: format, Rejected: rejected}
	size := 0
	flush := func() {
		out = append(out, cur)
		cur = &RecordsCommand{BatchID: b.BatchID, Region: b.Region, Format: format}
		size = 0
	}
	for i := range b.Statuses {
		if size == n {
			flush()
		}
		cur.Statuses = append(cur.Statuses, b.Statuses[i])
		size++
	}
	for i := range b.Events {
		if size == n {
			flush()
		}
		cur.Events = append(cur.Events, b.Events[i])
		size++
	}
	for i := range b.RiskAreas {
		if size == n {
			flush()
		}
		cur.RiskAreas = append(cur.RiskAreas, b.RiskAreas[i])
		size++
	}
	if size > 0 || len(out) == 0 {
		out = append(out, cur)
	}
	return out
}

// subjectOf reads the {subject} path value, answering 400 when it is not a
// pseudonym.
func subjectOf(w http.ResponseWriter, r *http.Request) (string, bool) {
	subject := r.PathValue("subject")
	if !schema.IsSubject(subject) {
		writeError(w, http.StatusBadRequest, "bad_request", "subject must be 64 lowercase hex digits (see POST /v1/subjects)")
		return "", false
	}
	return subject, true
}

// windowOf reads ?from= and ?to=, answering 400 when they do not parse.
func windowOf(w http.ResponseWriter, r *http.Request) (from, to time.Time, ok bool) {
	from, to, err := parseWindow(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return from, to, false
	}
	return from, to, true
}

// consistent prepares a read at the requested consistency. For
// ?consistency=linearizable it confirms leadership and waits for the
// commit index; on a follower it proxies the request to the leader. It
// reports whether the caller should go on answering locally.
func (s *Server) consistent(w http.ResponseWriter, r *http.Request) bool {
	switch c := r.URL.Query().Get("consistency"); c {
	case "", "local":
		return true
	case "linearizable":
	default:
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("consistency %q: want local or linearizable", c))
		return false
	}
	err := s.cfg.Cluster.ReadIndex(r.Context())
	if err == nil {
		return true
	}
	if !errors.Is(err, federation.ErrNotLeader) || r.Header.Get("X-Codefed-Forwarded") != "" {
		s.clusterError(w, err)
		return false
	}
	_, addr := s.cfg.Cluster.Leader()
	if addr == "" {
		s.clusterError(w, federation.ErrNoLeader)
		return false
	}
	target, err := url.Parse(addr)
	if err != nil {
		s.clusterError(w, err)
		return false
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, err error) {
		s.clusterError(w, fmt.Errorf("%w: proxy to leader: %v", federation.ErrNoLeader, err))
	}
	r.Header.Set("X-Codefed-Forwarded", "1")
	proxy.ServeHTTP(w, r)
	return false
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	subject, ok := subjectOf(w, r)
	if !ok || !s.consistent(w, r) {
		return
	}
	st, ok := s.cfg.FSM.Status(subject, s.cfg.Now())
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no records for this subject")
		return
	}
	writeAppended(w, st.AppendJSON)
}

func (s *Server) handleSubjects(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		DocType   string `json:"doc_type"`
		DocNumber string `json:"doc_number"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", "decode request: "+err.Error())
		return
	}
	subject, err := s.cfg.Subjects.Subject(req.DocType, req.DocNumber)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_document", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"subject": subject})
}

func parseWindow(r *http.Request) (from, to time.Time, err error) {
	q := r.URL.Query()
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(time.RFC3339, v); err != nil {
			return from, to, fmt.Errorf("from: %w", err)
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(time.RFC3339, v); err != nil {
			return from, to, fmt.Errorf("to: %w", err)
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return from, to, errors.New("to is before from")
	}
	return from, to, nil
}

func (s *Server) handleTrajectory(w http.ResponseWriter, r *http.Request) {
	subject, ok := subjectOf(w, r)
	if !ok {
		return
	}
	from, to, ok := windowOf(w, r)
	if !ok {
		return
	}
	if !s.consistent(w, r) {
		return
	}
	format, ok := exportFormat(w, r)
	if !ok {
		return
	}
	tr, ok := s.cfg.FSM.Trajectory(subject, from, to)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no records for this subject")
		return
	}
	switch format {
	case "csv":
		trajectoryCSV(w, tr)
	case "geojson":
		trajectoryGeoJSON(w, tr)
	default:
		writeAppended(w, tr.AppendJSON)
	}
}

var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

// writeAppended answers 200 with the JSON an AppendJSON method builds, in
// a pooled buffer.
func writeAppended(w http.ResponseWriter, appendJSON func([]byte) []byte) {
	bp := answerBufs.Get().(*[]byte)
	b := appendJSON((*bp)[:0])
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
	if cap(b) <= 1<<20 { // do not keep huge answers' buffers around
		*bp = b
		answerBufs.Put(bp)
	}
}

// exportFormat reads ?format=json|csv|geojson (default json).
func exportFormat(w http.ResponseWriter, r *http.Request) (string, bool) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return "json", true
	case "csv", "geojson":
		return f, true
	default:
		writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("format %q: want json, csv or geojson", f))
		return "", false
	}
}

// DefaultMinOverlap is the contacts query's min_overlap when none is given.
const DefaultMinOverlap = 15 * time.Minute

func (s *Server) handleContacts(w http.ResponseWriter, r *http.Request) {
	subject, ok := subjectOf(w, r)
	if !ok {
		return
	}
	from, to, ok := windowOf(w, r)
	if !ok {
		return
	}
	minOverlap := DefaultMinOverlap
	if v := r.URL.Query().Get("min_overlap"); v != "" {
		var err error
		if minOverlap, err = time.ParseDuration(v); err != nil || minOverlap < 0 {
			writeError(w, http.StatusBadRequest, "bad_request", fmt.Sprintf("min_overlap %q: want a duration such as 15m", v))
			return
		}
	}
	format, ok := exportFormat(w, r)
	if !ok || !s.consistent(w, r) {
		return
	}
	cs, ok := s.cfg.FSM.Contacts(subject, from, to, minOverlap)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no records for this subject")
		return
	}
	switch format {
	case "csv":
		contactsCSV(w, cs)
	case "geojson":
		contactsGeoJSON(w, cs)
	default:
		writeAppended(w, cs.AppendJSON)
	}
}

func (s *Server) handleVisitors(w http.ResponseWriter, r *http.Request) {
	from, to, ok := windowOf(w, r)
	if !ok || !s.consistent(w, r) {
		return
	}
	v, ok := s.cfg.FSM.Visitors(r.PathValue("place"), from, to)
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no visits recorded at this place")
		return
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) handleExposed(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r) {
		return
	}
	ex, ok := s.cfg.FSM.Exposed(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no such risk area")
		return
	}
	writeJSON(w, http.StatusOK, ex)
}

func (s *Server) handleRiskAreas(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"risk_areas": s.cfg.FSM.ActiveRiskAreas(s.cfg.Now())})
}

// RegionInfo describes one adapter format in GET /v1/regions.
type RegionInfo struct {
	Format        string         `json:"format"`
	Regions       []string       `json:"regions"`
	Description   string         `json:"description"`
	Certification *Certification `json:"certification"`
}

func (s *Server) handleRegions(w http.ResponseWriter, _ *http.Request) {
	var out []RegionInfo
	certs := s.cfg.FSM.Certifications()
	for _, a := range adapters.All() {
		info := RegionInfo{Format: a.ID(), Regions: a.Regions(), Description: a.Description()}
		if c, ok := certs[a.ID()]; ok {
			info.Certification = &c
		}
		out = append(out, info)
	}
	writeJSON(w, http.StatusOK, map[string]any{"formats": out, "feeds": s.cfg.FSM.FeedCursors()})
}

// handleCertification records a conformance suite's result for a format
// (codefed conformance run --submit).
func (s *Server) handleCertification(w http.ResponseWriter, r *http.Request) {
	format := r.PathValue("format")
	if _, ok := adapters.Lookup(format); !ok {
		writeError(w, http.StatusNotFound, "unknown_format", fmt.Sprintf("unknown format %q (see GET /v1/regions)", format))
		return
	}
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var c Certification
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		writeError(w, http.StatusBadRequest, "bad_payload", "decode certification: "+err.Error())
		return
	}
	if c.Format == "" {
		c.Format = format
	}
	if c.Format != format {
		writeError(w, http.StatusBadRequest, "bad_payload", fmt.Sprintf("format: %q in the body, %q in the path", c.Format, format))
		return
	}
	c.Recorded = time.Time{} // the hub stamps it
	if err := c.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, "bad_payload", "certification: "+err.Error())
		return
	}
	out, index, ok := s.propose(w, r, c.Encode)
	if !ok {
		return
	}
	var cr CommandResult
	if err := json.Unmarshal(out, &cr); err != nil || cr.Error != "" {
		writeError(w, http.StatusBadRequest, "refused", fmt.Sprintf("certification refused: %s%v", cr.Error, err))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"certification": cr.Result, "index": index})
}

func (s *Server) handleQuarantine(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var after uint64
	limit := 100
	var err error
	if v := q.Get("after"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "after: want a quarantine ID")
			return
		}
	}
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 10000 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit: want 1 to 10000")
			return
		}
	}
	if !s.consistent(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"quarantine": s.cfg.FSM.Quarantine(after, limit)})
}

func (s *Server) handleCluster(w http.ResponseWriter, _ *http.Request) {
	members, err := s.cfg.Cluster.Members()
	if err != nil {
		s.clusterError(w, err)
		return
	}
	id, _ := s.cfg.Cluster.Leader()
	index, digest := s.cfg.FSM.Digest()
	writeJSON(w, http.StatusOK, map[string]any{"leader": id, "members": members, "applied_index": index, "digest": digest})
}

func (s *Server) handleJoin(w http.ResponseWriter, r *http.Request) {
	raw, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req federation.JoinRequest
	if err := json.Unmarshal(raw, &req); err != nil || req.ID == "" || req.RaftAddr == "" {
		writeError(w, http.StatusBadRequest, "bad_request", `want {"id","raft_addr","http_addr"}`)
		return
	}
	if err := s.cfg.Cluster.Join(r.Context(), req); err != nil {
		s.clusterError(w, err)
		return
	}
	s.handleCluster(w, r)
}

func (s *Server) handleRemove(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Cluster.Remove(r.Context(), r.PathValue("id")); err != nil {
		s.clusterError(w, err)
		return
	}
	s.handleCluster(w, r)
}

func (s *Server) handleDigest(w http.ResponseWriter, r *http.Request) {
	if !s.consistent(w, r) {
		return
	}
	index, digest := s.cfg.FSM.Digest()
	writeJSON(w, http.StatusOK, map[string]any{"index": index, "digest": digest})
}

func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady answers 200 once the node knows a leader, 503 before.
func (s *Server) handleReady(w http.ResponseWriter, _ *http.Request) {
	id, _ := s.cfg.Cluster.Leader()
	if id == "" {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, "unavailable", "no leader known yet")
		return
	}
	index, _ := s.cfg.FSM.Digest()
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "leader": id, "applied_index": index})
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openapiDoc)
}
