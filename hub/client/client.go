// Package client is a Go client for the codefed hub's HTTP API v1. The CLI,
// the benchmarks and the development cluster use it; any Go program may.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/codefed/codefed/federation"
	"github.com/codefed/codefed/hub"
	"github.com/codefed/codefed/schema"
)

// Client talks to one hub server.
type Client struct {
	base string
	http *http.Client
}

// New returns a client for the server at base ("http://127.0.0.1:7800"; a
// bare host:port gets http://). hc may be nil.
func New(base string, hc *http.Client) *Client {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{base: strings.TrimRight(base, "/"), http: hc}
}

// Error is an error answer of the API.
type Error struct {
	StatusCode int
	Code       string
	Message    string
}

func (e *Error) Error() string {
	return fmt.Sprintf("HTTP %d %s: %s", e.StatusCode, e.Code, e.Message)
}

func (c *Client) do(ctx context.Context, method, path string, body io.Reader, contentType string, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer of %s %s: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{StatusCode: resp.StatusCode}
		var ae struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(b, &ae) == nil && ae.Error.Code != "" {
			e.Code, e.Message = ae.Error.Code, ae.Error.Message
		} else {
			e.Message = strings.TrimSpace(string(b))
		}
		return e
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode answer of %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) postJSON(ctx context.Context, path string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, path, bytes.NewReader(b), "application/json", out)
}

// Ingest posts a native payload for format.
func (c *Client) Ingest(ctx context.Context, format string, payload io.Reader) (*hub.IngestResponse, error) {
	var out hub.IngestResponse
	err := c.do(ctx, http.MethodPost, "/v1/ingest/"+url.PathEscape(format), payload, "application/octet-stream", &out)
	return &out, err
}

// Records posts a common-schema batch.
func (c *Client) Records(ctx context.Context, b *schema.Batch) (*hub.IngestResponse, error) {
	var out hub.IngestResponse
	err := c.postJSON(ctx, "/v1/records", b, &out)
	return &out, err
}

// Status returns a subject's federated status.
func (c *Client) Status(ctx context.Context, subject string, linearizable bool) (*hub.FederatedStatus, error) {
	path := "/v1/status/" + url.PathEscape(subject)
	if linearizable {
		path += "?consistency=linearizable"
	}
	var out hub.FederatedStatus
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return &out, err
}

// Subject pseudonymises a document on the server.
func (c *Client) Subject(ctx context.Context, docType, docNumber string) (string, error) {
	var out struct {
		Subject string `json:"subject"`
	}
	err := c.postJSON(ctx, "/v1/subjects", map[string]string{"doc_type": docType, "doc_number": docNumber}, &out)
	return out.Subject, err
}

// Trajectory returns a subject's events and city path over [from, to]
// (zero bounds are open).
func (c *Client) Trajectory(ctx context.Context, subject string, from, to time.Time) (*hub.Trajectory, error) {
	q := window(from, to)
	path := "/v1/trajectory/" + url.PathEscape(subject)
	path += query(q)
	var out hub.Trajectory
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return &out, err
}

// ClusterInfo is the answer of the cluster endpoints.
type ClusterInfo struct {
	Leader       string              `json:"leader"`
	Members      []federation.Member `json:"members"`
	AppliedIndex uint64              `json:"applied_index"`
	Digest       string              `json:"digest"`
}

// Cluster returns the members and leader.
func (c *Client) Cluster(ctx context.Context) (*ClusterInfo, error) {
	var out ClusterInfo
	err := c.do(ctx, http.MethodGet, "/v1/cluster", nil, "", &out)
	return &out, err
}

// Join asks the cluster to add a server.
func (c *Client) Join(ctx context.Context, req federation.JoinRequest) (*ClusterInfo, error) {
	var out ClusterInfo
	err := c.postJSON(ctx, "/v1/cluster/join", req, &out)
	return &out, err
}

// Remove takes a server out of the cluster.
func (c *Client) Remove(ctx context.Context, id string) (*ClusterInfo, error) {
	var out ClusterInfo
	err := c.do(ctx, http.MethodDelete, "/v1/cluster/servers/"+url.PathEscape(id), nil, "", &out)
	return &out, err
}

// Digest returns the state digest and the index it is at.
func (c *Client) Digest(ctx context.Context) (index uint64, digest string, err error) {
	var out struct {
		Index  uint64 `json:"index"`
		Digest string `json:"digest"`
	}
	err = c.do(ctx, http.MethodGet, "/v1/cluster/digest", nil, "", &out)
	return out.Index, out.Digest, err
}

// Ready reports whether the server knows a leader.
func (c *Client) Ready(ctx context.Context) error {
	return c.do(ctx, http.MethodGet, "/v1/ready", nil, "", nil)
}

// Contacts returns the subjects who shared a place with subject for at
// least minOverlap (0 means the server's default, 15 minutes).
func (c *Client) Contacts(ctx context.Context, subject string, from, to time.Time, minOverlap time.Duration) (*hub.Contacts, error) {
	q := window(from, to)
	if minOverlap > 0 {
		q.Set("min_overlap", minOverlap.String())
	}
	path := "/v1/contacts/" + url.PathEscape(subject)
	path += query(q)
	var out hub.Contacts
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return &out, err
}

// Visitors returns the visits at a place over [from, to].
func (c *Client) Visitors(ctx context.Context, place string, from, to time.Time) (*hub.Visitors, error) {
	q := window(from, to)
	path := "/v1/places/" + url.PathEscape(place) + "/visitors"
	path += query(q)
	var out hub.Visitors
	err := c.do(ctx, http.MethodGet, path, nil, "", &out)
	return &out, err
}

// window is the query of a time window; zero bounds are left out (open).
func window(from, to time.Time) url.Values {
	q := url.Values{}
	if !from.IsZero() {
		q.Set("from", from.Format(time.RFC3339Nano))
	}
	if !to.IsZero() {
		q.Set("to", to.Format(time.RFC3339Nano))
	}
	return q
}

// query renders q as a URL query, empty when there is nothing to ask.
func query(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}
