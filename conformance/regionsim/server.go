package regionsim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/conformance/spec"
	"github.com/codefed/codefed/schema"
)

func (s *Sim) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(spec.PathMetadata, s.only(http.MethodGet, s.serveMetadata))
	mux.HandleFunc(spec.PathFeed, s.guard(http.MethodGet, s.serveFeed))
	mux.HandleFunc(spec.PathStatus, s.guard(http.MethodPost, s.serveStatus))
	mux.HandleFunc(spec.PathNotifications, s.guard(http.MethodPost, s.serveNotification))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return mux
}

// only refuses methods other than method (and HEAD for GET).
func (s *Sim) only(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
			w.Header().Set("Allow", method)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "use "+method)
			return
		}
		h(w, r)
	}
}

// guard checks the token, the method and admission, in that order, before
// h: an unauthenticated request learns nothing, and a refused one costs
// nothing.
func (s *Sim) guard(method string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.has(NoAuth) && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Bearer")
			writeError(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
			return
		}
		s.only(method, func(w http.ResponseWriter, r *http.Request) {
			if !s.admit(w) {
				return
			}
			defer func() { <-s.inFlight }()
			h(w, r)
		})(w, r)
	}
}

func (s *Sim) authorized(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.Token)) == 1
}

// admit takes a token of the bucket and a slot of the in-progress bound, or
// answers the refusal: 429 with Retry-After, or under the Overload defect
// 503 without it. On true the caller must release the slot.
func (s *Sim) admit(w http.ResponseWriter) bool {
	if s.limiter.Allow() {
		select {
		case s.inFlight <- struct{}{}:
			return true
		default:
		}
	}
	if s.has(Overload) {
		writeError(w, http.StatusServiceUnavailable, "unavailable", "the system is overloaded")
		return false
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, "rate_limited", "too many requests, retry later")
	return false
}

// delay waits for the Slow defect's latency, or until the client gives up.
func (s *Sim) delay(ctx context.Context) {
	if !s.has(Slow) {
		return
	}
	t := time.NewTimer(time.Duration(slowFactor * float64(s.cfg.LatencyObjective)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

func (s *Sim) serveMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(s.metadata)
}

func (s *Sim) serveFeed(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := spec.DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > FeedMaxLimit {
			writeError(w, http.StatusBadRequest, "invalid_limit", fmt.Sprintf("limit must be an integer from 1 to %d", FeedMaxLimit))
			return
		}
		limit = n
	}
	n := len(s.people)
	from, err := s.cursors.decode(q.Get("cursor"), n)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_cursor", "the cursor is not one this feed handed out")
		return
	}
	s.delay(r.Context())
	to := min(from+limit, n)
	next := to
	switch {
	case s.has(CursorGap) && to < n:
		next = to + 1
	case s.has(DuplicateRecords) && to < n && to-from >= 2:
		next = to - 1
	}
	body := s.empty
	if to > from {
		body, err = s.page(from, to)
		if err != nil {
			// Every person was encoded once when the simulator was built;
			// this is a bug, and its message stays out of the answer.
			writeError(w, http.StatusInternalServerError, "encode_failed", "the page could not be encoded")
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", s.contentType)
	h.Set(spec.HeaderNextCursor, s.cursors.encode(next))
	h.Set(spec.HeaderRecords, strconv.Itoa(to-from))
	if to >= n {
		h.Set(spec.HeaderFeedEnd, "true")
	}
	w.Write(body)
}

// page encodes the persons [from, to) in feed order, or under the
// UnstableOrder defect rotated by the number of earlier requests for it.
func (s *Sim) page(from, to int) ([]byte, error) {
	key := [2]int{from, to}
	if s.has(UnstableOrder) && to-from > 1 {
		s.orderMu.Lock()
		k := s.orderN[key]
		s.orderN[key]++
		s.orderMu.Unlock()
		if r := k % (to - from); r != 0 {
			rotated := make([]adapters.Person, 0, to-from)
			rotated = append(append(rotated, s.people[from+r:to]...), s.people[from:from+r]...)
			return s.encode(rotated)
		}
	}
	s.pagesMu.Lock()
	body, ok := s.pages[key]
	s.pagesMu.Unlock()
	if ok {
		return body, nil
	}
	body, err := s.encode(s.people[from:to])
	if err != nil {
		return nil, err
	}
	s.pagesMu.Lock()
	if len(s.pages) >= maxCachedPages {
		clear(s.pages)
	}
	s.pages[key] = body
	s.pagesMu.Unlock()
	return body, nil
}

func (s *Sim) encode(people []adapters.Person) ([]byte, error) {
	raw, err := s.adapter.Encode(people, s.enc)
	if err != nil {
		return nil, fmt.Errorf("encode %d persons as %s: %w", len(people), s.cfg.Format, err)
	}
	return raw, nil
}

func (s *Sim) serveStatus(w http.ResponseWriter, r *http.Request) {
	var req spec.StatusRequest
	if !readJSON(w, r, &req) {
		return
	}
	if req.DocType == "" || req.DocNumber == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "doc_type and doc_number are required")
		return
	}
	key, err := docKey(req.DocType, req.DocNumber)
	if err != nil {
		// A DocumentError never quotes the number.
		writeError(w, http.StatusBadRequest, "invalid_document", err.Error())
		return
	}
	i, ok := s.byDoc[key]
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no person with this document")
		return
	}
	s.delay(r.Context())
	body, err := s.page(i, i+1)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encode_failed", "the record could not be encoded")
		return
	}
	w.Header().Set("Content-Type", s.contentType)
	w.Write(body)
}

func (s *Sim) serveNotification(w http.ResponseWriter, r *http.Request) {
	var n struct {
		Subject *string   `json:"subject"`
		Color   *string   `json:"color"`
		Reasons *[]string `json:"reasons"`
		AsOf    *string   `json:"as_of"`
		Index   *uint64   `json:"index"`
	}
	if !readJSON(w, r, &n) {
		return
	}
	if err := checkNotification(n.Subject, n.Color, n.Reasons, n.AsOf, n.Index); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_notification", err.Error())
		return
	}
	note := spec.Notification{Subject: *n.Subject, Color: *n.Color, Reasons: *n.Reasons, AsOf: *n.AsOf, Index: *n.Index}
	s.notesMu.Lock()
	// Replays and late arrivals of older changes leave the latest in place.
	if old, ok := s.notes[note.Subject]; !ok || note.Index >= old.Index {
		s.notes[note.Subject] = note
	}
	s.notesMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func checkNotification(subject, color *string, reasons *[]string, asOf *string, index *uint64) error {
	switch {
	case subject == nil || color == nil || reasons == nil || asOf == nil || index == nil:
		return errors.New("subject, color, reasons, as_of and index are required")
	case len(*subject) != 64 || strings.ToLower(*subject) != *subject:
		return errors.New("subject must be 64 lowercase hex digits")
	case schema.Severity(*color) < 0:
		return errors.New("color must be green, yellow or red")
	}
	if _, err := hex.DecodeString(*subject); err != nil {
		return errors.New("subject must be 64 lowercase hex digits")
	}
	for _, r := range *reasons {
		if r == "" {
			return errors.New("reasons must not be empty strings")
		}
	}
	if _, err := time.Parse(time.RFC3339, *asOf); err != nil {
		return errors.New("as_of must be an RFC 3339 time")
	}
	return nil
}

// readJSON decodes a request's JSON body into v, or answers 400 (413 when
// too large) and returns false.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("more than one JSON value")
	}
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "body_too_large", fmt.Sprintf("the body is larger than %d bytes", maxBody))
			return false
		}
		// The decoder's message may quote the body, which can hold a
		// document number; say only where it went wrong.
		writeError(w, http.StatusBadRequest, "malformed_json", "the body is not the expected JSON object")
		return false
	}
	return true
}

// writeError answers the JSON error of RIS/1.
func writeError(w http.ResponseWriter, status int, code, message string) {
	body, _ := jsonBody(spec.Error{Error: spec.ErrorDetail{Code: code, Message: message}}) // plain strings always marshal
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(body)
}

func jsonBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
