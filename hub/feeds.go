package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Pulled feeds and certifications: the two pieces of replicated state that
// describe regions rather than people.
//
// A pulled feed's cursor lives here, not in the puller, so that whichever
// server leads resumes where the last committed page ended. A page is
// applied with compare-and-set on the cursor: its records and its next
// cursor commit together, and only if the feed's cursor is still the one
// the page was fetched at. A page delivered twice (a retry, or two servers
// that both believed they led) applies once.

const (
	// CommandFeedPage applies one page of a pulled feed (FeedPageCommand).
	CommandFeedPage CommandType = 2
	// CommandCertification records a conformance result (Certification).
	CommandCertification CommandType = 3
)

func init() {
	register(CommandFeedPage, applyFeedPage)
	register(CommandCertification, applyCertification)
}

// FeedPageCommand is the payload of CommandFeedPage.
type FeedPageCommand struct {
	// Feed names the feed, e.g. "shaanxi@https://ymt.example/".
	Feed string `json:"feed"`
	// Cursor is the cursor the page was fetched at; Next the one after it.
	Cursor string `json:"cursor"`
	Next   string `json:"next"`
	// Records are the page's accepted records and rejections.
	Records RecordsCommand `json:"records"`
}

// Encode returns the command as log bytes.
func (c *FeedPageCommand) Encode() ([]byte, error) { return encodeCommand(CommandFeedPage, c) }

// FeedPageResult is the outcome of a CommandFeedPage.
type FeedPageResult struct {
	// Stale is set when the feed's cursor had moved on: nothing applied.
	Stale  bool   `json:"stale,omitempty"`
	Cursor string `json:"cursor"` // the feed's cursor after the command
	RecordsResult
}

func applyFeedPage(s *State, c *applyContext, payload []byte) (any, error) {
	var cmd FeedPageCommand
	if err := json.Unmarshal(payload, &cmd); err != nil {
		return nil, fmt.Errorf("decode feed page command: %w", err)
	}
	if cmd.Feed == "" {
		return nil, errors.New("feed page without a feed name")
	}
	cur := s.feeds[cmd.Feed]
	if cur != cmd.Cursor {
		return FeedPageResult{Stale: true, Cursor: cur}, nil
	}
	res := s.applyRecords(c, &cmd.Records)
	s.setFeedCursor(cmd.Feed, cmd.Next)
	return FeedPageResult{Cursor: cmd.Next, RecordsResult: res}, nil
}

func (s *State) setFeedCursor(feed, cursor string) {
	if old, ok := s.feeds[feed]; ok {
		s.digest.remove(feedHash(feed, old))
	}
	s.feeds[feed] = cursor
	s.digest.add(feedHash(feed, cursor))
}

func feedHash(feed, cursor string) [32]byte {
	return tagged('F', [2]string{feed, cursor})
}

// Certification is a conformance suite's verdict on a region's system, as
// `codefed conformance run --submit` sends it.
type Certification struct {
	Format       string         `json:"format"`
	Target       string         `json:"target"`
	Spec         string         `json:"spec"`
	SuiteVersion string         `json:"suite_version"`
	Started      time.Time      `json:"started"`
	Finished     time.Time      `json:"finished"`
	Passed       bool           `json:"passed"`
	Counts       map[string]int `json:"counts"`
	Failed       []string       `json:"failed"`
	ReportSHA256 string         `json:"report_sha256"`
	// Recorded is the command time the hub recorded the result at.
	Recorded time.Time `json:"recorded"`
}

// Validate checks what the hub needs of a submitted certification.
func (c *Certification) Validate() error {
	switch {
	case c.Format == "":
		return errors.New("format: required")
	case c.Spec == "":
		return errors.New("spec: required")
	case c.Finished.IsZero():
		return errors.New("finished: required")
	case !c.Started.IsZero() && c.Finished.Before(c.Started):
		return errors.New("finished: before started")
	case c.Passed && len(c.Failed) > 0:
		return errors.New("passed: set although failed lists requirements")
	}
	for k, v := range c.Counts {
		if v < 0 {
			return fmt.Errorf("counts.%s: negative", k)
		}
	}
	return nil
}

// Encode returns the command as log bytes.
func (c *Certification) Encode() ([]byte, error) { return encodeCommand(CommandCertification, c) }

func applyCertification(s *State, c *applyContext, payload []byte) (any, error) {
	var cert Certification
	if err := json.Unmarshal(payload, &cert); err != nil {
		return nil, fmt.Errorf("decode certification: %w", err)
	}
	if err := cert.Validate(); err != nil {
		return nil, fmt.Errorf("certification: %w", err)
	}
	cert.Recorded = c.now
	s.setCertification(&cert)
	return cert, nil
}

// setCertification keeps the latest result per format (log order).
func (s *State) setCertification(cert *Certification) {
	if old, ok := s.certs[cert.Format]; ok {
		s.digest.remove(tagged('C', old))
	}
	s.certs[cert.Format] = cert
	s.digest.add(tagged('C', cert))
}

// Certifications returns the latest certification of every format that has
// one, by format.
func (f *FSM) Certifications() map[string]Certification {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make(map[string]Certification, len(f.state.certs))
	for k, v := range f.state.certs {
		out[k] = *v
	}
	return out
}

// FeedCursor is one pulled feed's committed cursor.
type FeedCursor struct {
	Feed   string `json:"feed"`
	Cursor string `json:"cursor"`
}

// FeedCursor returns the committed cursor of a feed ("" when none).
func (f *FSM) FeedCursor(feed string) string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.feeds[feed]
}

// FeedCursors lists every pulled feed's cursor, by feed name.
func (f *FSM) FeedCursors() []FeedCursor {
	f.mu.RLock()
	defer f.mu.RUnlock()
	out := make([]FeedCursor, 0, len(f.state.feeds))
	for k, v := range f.state.feeds {
		out = append(out, FeedCursor{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Feed < out[j].Feed })
	return out
}
