package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Certification is the summary of a run that a hub records for the
// region's format: POST {hub}/v1/regions/{format}/certification.
type Certification struct {
	Format       string    `json:"format"`
	Target       string    `json:"target"`
	Spec         string    `json:"spec"`
	SuiteVersion string    `json:"suite_version"`
	Started      time.Time `json:"started"`
	Finished     time.Time `json:"finished"`
	Passed       bool      `json:"passed"`
	Counts       Counts    `json:"counts"`
	// Failed lists the requirement IDs not met.
	Failed []string `json:"failed"`
	// ReportSHA256 is the hex SHA-256 of the JSON report, so the summary
	// names the one report it summarises.
	ReportSHA256 string `json:"report_sha256"`
}

// Certification summarises the report; reportJSON is the report as
// written by WriteJSON.
func (r *Report) Certification(reportJSON []byte) Certification {
	sum := sha256.Sum256(reportJSON)
	failed := r.Failed
	if failed == nil {
		failed = []string{}
	}
	return Certification{Format: r.Format, Target: r.Target, Spec: r.Spec, SuiteVersion: r.SuiteVersion,
		Started: r.Started, Finished: r.Finished, Passed: r.Passed(), Counts: r.Counts, Failed: failed,
		ReportSHA256: hex.EncodeToString(sum[:])}
}

// Submit posts the certification to the hub at hubURL. A hub that answers
// anything but 2xx is an error naming its status and its error message.
func Submit(ctx context.Context, hc *http.Client, hubURL string, c Certification) error {
	u, err := url.Parse(hubURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("submit: hub %q is not an http(s) URL", hubURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/v1/regions/" + url.PathEscape(c.Format) + "/certification"
	body, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("submit to %s: %w", u, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	detail := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &e) == nil && e.Error.Code != "" {
		detail = e.Error.Code + ": " + e.Error.Message
	}
	if len(detail) > 300 {
		detail = detail[:300] + "…"
	}
	return fmt.Errorf("submit to %s: hub answered %s: %s", u, resp.Status, detail)
}
