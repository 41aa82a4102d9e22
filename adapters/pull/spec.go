package pull

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/codefed/codefed/adapters"
)

// TokenEnv is the environment variable Token falls back to when no token
// file is named.
const TokenEnv = "CODEFED_PULL_TOKEN"

// Spec is a feed as named on the command line: FORMAT=URL.
type Spec struct {
	// Format is the adapter ID of the feed's payloads.
	Format string
	// URL is the region's base URL in canonical form (lower-case scheme
	// and host, path ending in "/"); the feed is at URL + "feed".
	URL string
}

// Feed is the feed's identifier in the store: "FORMAT@URL".
func (s Spec) Feed() string { return s.Format + "@" + s.URL }

func (s Spec) String() string { return s.Format + "=" + s.URL }

// ParseSpec reads FORMAT=URL. The format must be a registered adapter ID
// and the URL an absolute http or https URL without query or fragment.
func ParseSpec(s string) (Spec, error) {
	format, raw, ok := strings.Cut(s, "=")
	if !ok || format == "" || raw == "" {
		return Spec{}, fmt.Errorf("pull spec %q: want FORMAT=URL", s)
	}
	if _, ok := adapters.Lookup(format); !ok {
		return Spec{}, fmt.Errorf("pull spec %q: unknown format %q", s, format)
	}
	base, err := canonicalURL(raw)
	if err != nil {
		return Spec{}, fmt.Errorf("pull spec %q: %w", s, err)
	}
	return Spec{Format: format, URL: base}, nil
}

// canonicalURL checks a region's base URL and spells it one way, so that
// every node derives the same feed identifier from it.
func canonicalURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse url: %w", err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("url %q: want an http or https url", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("url %q: no host", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("url %q: credentials belong in the token, not the url", u.Redacted())
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", fmt.Errorf("url %q: a base url has no query or fragment", raw)
	}
	u.Host = strings.ToLower(u.Host)
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	return u.String(), nil
}

// Token returns the bearer token for pulled feeds: the content of file,
// trimmed of surrounding white space, when file is not empty, else the
// value of the environment variable CODEFED_PULL_TOKEN. An empty token is
// an error.
func Token(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("read pull token: %w", err)
		}
		tok := strings.TrimSpace(string(b))
		if tok == "" {
			return "", fmt.Errorf("pull token file %s is empty", file)
		}
		return tok, nil
	}
	if tok := strings.TrimSpace(os.Getenv(TokenEnv)); tok != "" {
		return tok, nil
	}
	return "", errors.New("no pull token: name a token file or set " + TokenEnv)
}
