package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/codefed/codefed/adapters"
)

// Store is where a Puller reads a feed's committed cursor and delivers its
// pages. The hub implements it on its replicated state; see the package
// documentation for the contract.
type Store interface {
	// Cursor returns the feed's committed cursor, "" when nothing was
	// delivered yet.
	Cursor(ctx context.Context, feed string) (string, error)
	// Deliver commits the page's records and page.Next as the feed's
	// cursor, atomically, if and only if the committed cursor is still
	// page.Cursor. When it is not, the page was delivered before: Deliver
	// changes nothing and returns nil or an error wrapping ErrStaleCursor.
	// The same page may be delivered more than once.
	Deliver(ctx context.Context, feed string, page *Page) error
}

// Page is one answer of the feed, decoded.
type Page struct {
	// Format is the adapter ID the page was decoded with.
	Format string
	// Cursor is the cursor the page was asked for ("" for the beginning);
	// Next is the cursor that follows it (Codefed-Next-Cursor).
	Cursor, Next string
	// End is set when the page reaches the current end of the feed
	// (Codefed-Feed-End).
	End bool
	// Persons is the number of document holders in the page, as the
	// region counted them (Codefed-Records).
	Persons int
	// Result is the decoded payload: accepted records and rejected ones.
	Result *adapters.Result
}

// idle reports whether the page is the feed's end with nothing new: there
// is nothing to deliver.
func (p *Page) idle() bool { return p.End && p.Persons == 0 && p.Next == p.Cursor }

// Config configures a Puller. Format, URL, Token, Store and
// Decode.Subjects are required; zero values elsewhere take the defaults
// given.
type Config struct {
	// Format is the adapter ID of the feed's payloads; URL is the region's
	// base URL (the feed is URL + "feed").
	Format, URL string
	// Feed identifies the feed in the Store; default Spec{Format, URL}.Feed().
	Feed string
	// Token is the region's bearer token.
	Token string
	// Limit is the number of persons asked per page (default 100); it must
	// not exceed the region's feed_max_limit.
	Limit int
	// Decode is passed to the adapter for every page. When Decode.At is
	// zero each page is decoded at Now(); when Decode.BatchID is empty the
	// adapter derives one from the payload, so a page read twice gets the
	// same batch ID.
	Decode adapters.DecodeOptions
	Store  Store
	// HTTPClient, when set, is copied and used for its transport (TLS
	// settings, proxies); its Timeout is replaced by Timeout.
	HTTPClient *http.Client
	// Timeout bounds each HTTP request (default 10 s).
	Timeout time.Duration
	// Retries is the number of times one fetch repeats a request (default
	// 3; negative for none). RetryWait is the first wait between attempts
	// (default 250 ms), doubled at every attempt with jitter, up to
	// RetryMaxWait (default 30 s). A Retry-After longer than RetryMaxWait
	// ends the fetch, and Run waits it out instead.
	Retries                 int
	RetryWait, RetryMaxWait time.Duration
	// BreakerFailures is the number of consecutive failed fetches that
	// opens the breaker (default 5); BreakerCooldown is how long it stays
	// open before it lets one fetch through (default 30 s).
	BreakerFailures int
	BreakerCooldown time.Duration
	// PollInterval is how long Run waits, jittered by ±20%, after the feed
	// reported its end (default 5 s).
	PollInterval time.Duration
	// Backoff is Run's first wait after a failed step (default 1 s),
	// doubled, with jitter, after each further failure up to MaxBackoff
	// (default 1 min).
	Backoff, MaxBackoff time.Duration
	// MaxPageBytes bounds a page's body (default 64 MiB).
	MaxPageBytes int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Registerer receives the metrics; nil leaves them unregistered.
	Registerer prometheus.Registerer
	// Logger receives progress; nil discards it.
	Logger *slog.Logger
}

// Puller pulls one feed into a Store. Step and Run must not be called
// concurrently on one Puller.
type Puller struct {
	cfg     Config
	feed    string
	feedURL string
	adapter adapters.Adapter
	http    *resty.Client
	breaker *gobreaker.CircuitBreaker[*fetched]
	m       *metrics
	log     *slog.Logger
	sleep   func(context.Context, time.Duration) error

	// pending is a page whose delivery failed; the next Step delivers it
	// again. It is never the authoritative cursor: the Store's condition
	// decides whether it still applies.
	pending *Page
}

// New checks cfg, fills its defaults and returns a Puller.
func New(cfg Config) (*Puller, error) {
	a, ok := adapters.Lookup(cfg.Format)
	if !ok {
		return nil, fmt.Errorf("pull: unknown format %q", cfg.Format)
	}
	base, err := canonicalURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	switch {
	case cfg.Token == "":
		return nil, errors.New("pull: no bearer token")
	case cfg.Store == nil:
		return nil, errors.New("pull: no store")
	case cfg.Decode.Subjects == nil:
		return nil, errors.New("pull: decode options carry no pseudonymizer")
	case cfg.Limit < 0:
		return nil, fmt.Errorf("pull: limit %d is negative", cfg.Limit)
	}
	cfg.URL = base
	if cfg.Feed == "" {
		cfg.Feed = Spec{Format: cfg.Format, URL: base}.Feed()
	}
	setDefault(&cfg.Limit, 100)
	setDefault(&cfg.Timeout, 10*time.Second)
	setDefault(&cfg.Retries, 3)
	cfg.Retries = max(cfg.Retries, 0)
	setDefault(&cfg.RetryWait, 250*time.Millisecond)
	setDefault(&cfg.RetryMaxWait, 30*time.Second)
	setDefault(&cfg.BreakerFailures, 5)
	setDefault(&cfg.BreakerCooldown, 30*time.Second)
	setDefault(&cfg.PollInterval, 5*time.Second)
	setDefault(&cfg.Backoff, time.Second)
	setDefault(&cfg.MaxBackoff, time.Minute)
	setDefault(&cfg.MaxPageBytes, 64<<20)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	m, err := newMetrics(cfg.Registerer, cfg.Feed)
	if err != nil {
		return nil, fmt.Errorf("pull: %w", err)
	}
	p := &Puller{
		cfg:     cfg,
		feed:    cfg.Feed,
		feedURL: base + "feed",
		adapter: a,
		m:       m,
		log:     cfg.Logger.With("feed", cfg.Feed),
		sleep:   sleepCtx,
	}
	if strings.HasPrefix(base, "http://") {
		p.log.Warn("pull feed over plain http: the bearer token travels unencrypted")
	}
	p.breaker = gobreaker.NewCircuitBreaker[*fetched](gobreaker.Settings{
		Name:        cfg.Feed,
		MaxRequests: 1,
		Timeout:     cfg.BreakerCooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
		},
		IsSuccessful: func(err error) bool { return err == nil || !regionFailure(err) },
		IsExcluded:   func(err error) bool { return errorKind(err) == kindCanceled },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			p.m.breaker.Set(float64(to))
			level := slog.LevelInfo
			if to == gobreaker.StateOpen {
				level = slog.LevelWarn
			}
			p.log.Log(context.Background(), level, "pull breaker "+to.String(), "from", from.String(), "cooldown", cfg.BreakerCooldown)
		},
	})
	var hc *http.Client
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	} else {
		hc = &http.Client{}
	}
	p.http = resty.NewWithClient(hc).
		SetLogger(restyLogger{p.log}).
		SetDisableWarn(true).
		SetTimeout(cfg.Timeout).
		SetAuthScheme("Bearer").
		SetAuthToken(cfg.Token).
		SetHeader("User-Agent", "codefed-pull").
		SetResponseBodyLimit(cfg.MaxPageBytes).
		SetRetryCount(cfg.Retries).
		SetRetryWaitTime(cfg.RetryWait).
		SetRetryMaxWaitTime(cfg.RetryMaxWait).
		AddRetryCondition(retryable).
		SetRetryAfter(p.retryWait)
	return p, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Feed returns the feed's identifier in the Store.
func (p *Puller) Feed() string { return p.feed }

// Run pulls until ctx ends and then returns ctx's error. Failed steps are
// logged, counted and retried after a backoff; see the package
// documentation.
func (p *Puller) Run(ctx context.Context) error {
	p.log.Info("pull started", "limit", p.cfg.Limit, "poll", p.cfg.PollInterval)
	failures := 0
	for {
		page, err := p.Step(ctx)
		if ctx.Err() != nil {
			p.log.Info("pull stopped")
			return ctx.Err()
		}
		var wait time.Duration
		switch {
		case err != nil:
			failures++
			wait = max(backoff(p.cfg.Backoff, p.cfg.MaxBackoff, failures), retryAfterOf(err))
			level := slog.LevelWarn
			if errorKind(err) == kindStale {
				level = slog.LevelInfo // another puller delivered the page: expected after a leader change
			}
			p.log.Log(ctx, level, "pull step failed", "kind", errorKind(err), "err", err, "failures", failures, "retry_in", wait)
		case page.End:
			failures = 0
			wait = jitter(p.cfg.PollInterval, 0.2)
		default:
			failures = 0
			continue
		}
		if err := p.sleep(ctx, wait); err != nil {
			p.log.Info("pull stopped")
			return err
		}
	}
}

// Step delivers one page: the page left by a failed delivery if there is
// one, else the page at the committed cursor. It returns the page, which
// at the end of the feed may be an idle page that was not delivered
// because it holds nothing new.
func (p *Puller) Step(ctx context.Context) (*Page, error) {
	page, err := p.step(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.m.errors.WithLabelValues(errorKind(err)).Inc()
		}
		return nil, err
	}
	return page, nil
}

func (p *Puller) step(ctx context.Context) (*Page, error) {
	page := p.pending
	if page == nil {
		cursor, err := p.cfg.Store.Cursor(ctx, p.feed)
		if err != nil {
			return nil, withKind(kindStore, fmt.Errorf("read committed cursor: %w", err))
		}
		if page, err = p.Fetch(ctx, cursor); err != nil {
			return nil, err
		}
		if page.idle() {
			p.m.lastSuccess.Set(float64(p.cfg.Now().UnixNano()) / 1e9)
			p.log.Debug("pull feed at its end", "cursor", page.Cursor)
			return page, nil
		}
	}
	if err := p.cfg.Store.Deliver(ctx, p.feed, page); err != nil {
		err = fmt.Errorf("deliver page at cursor %s: %w", quoteCursor(page.Cursor), err)
		if errors.Is(err, ErrStaleCursor) {
			p.pending = nil
			return nil, err
		}
		p.pending = page
		return nil, withKind(kindStore, err)
	}
	p.pending = nil
	b := &page.Result.Batch
	accepted := len(b.Statuses) + len(b.Events) + len(b.RiskAreas)
	p.m.pages.Inc()
	p.m.persons.Add(float64(page.Persons))
	p.m.records.Add(float64(accepted))
	p.m.rejected.Add(float64(len(page.Result.Rejected)))
	p.m.lastSuccess.Set(float64(p.cfg.Now().UnixNano()) / 1e9)
	p.log.Info("pulled page", "cursor", page.Cursor, "next", page.Next, "end", page.End,
		"persons", page.Persons, "records", accepted, "rejected", len(page.Result.Rejected),
		"warnings", len(page.Result.Warnings))
	return page, nil
}

// Fetch asks the region for the page at cursor and decodes it, without
// delivering it.
func (p *Puller) Fetch(ctx context.Context, cursor string) (*Page, error) {
	f, err := p.breaker.Execute(func() (*fetched, error) { return p.get(ctx, cursor) })
	p.m.breaker.Set(float64(p.breaker.State()))
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, fmt.Errorf("fetch page at cursor %s: %w", quoteCursor(cursor), ErrCircuitOpen)
	}
	if err != nil {
		return nil, err
	}
	opts := p.cfg.Decode
	if opts.At.IsZero() {
		opts.At = p.cfg.Now()
	}
	res, err := p.adapter.Decode(f.body, opts)
	if err != nil {
		return nil, withKind(kindDecode, fmt.Errorf("decode page at cursor %s: %w", quoteCursor(cursor), err))
	}
	return &Page{Format: p.cfg.Format, Cursor: cursor, Next: f.next, End: f.end, Persons: f.persons, Result: res}, nil
}

// fetched is a page as it came off the wire.
type fetched struct {
	body    []byte
	next    string
	end     bool
	persons int
}

// errRetryAfterTooLong stops resty's retries when the region asks for a
// longer wait than one fetch spends; the fetch then reports the wait.
var errRetryAfterTooLong = errors.New("retry-after longer than the retry budget")

func (p *Puller) get(ctx context.Context, cursor string) (*fetched, error) {
	req := p.http.R().SetContext(ctx).SetQueryParam("limit", strconv.Itoa(p.cfg.Limit))
	if cursor != "" {
		req.SetQueryParam("cursor", cursor)
	}
	resp, err := req.Get(p.feedURL)
	if n := req.Attempt - 1; n > 0 {
		p.m.retries.Add(float64(n))
	}
	at := quoteCursor(cursor)
	switch {
	case errors.Is(err, errRetryAfterTooLong) && resp != nil && resp.RawResponse != nil:
		// resp is the 429 or 503 whose wait Run will honour.
	case err != nil && ctx.Err() != nil:
		return nil, withKind(kindCanceled, fmt.Errorf("fetch page at cursor %s: %w", at, ctx.Err()))
	case err != nil:
		return nil, withKind(kindTransport, fmt.Errorf("fetch page at cursor %s: %w", at, err))
	}
	switch code := resp.StatusCode(); {
	case code == http.StatusOK:
	case code >= 400:
		return nil, fmt.Errorf("fetch page at cursor %s: %w", at,
			newStatusError(code, resp.Body(), p.retryAfter(resp)))
	default:
		return nil, withKind(kindProtocol, fmt.Errorf("fetch page at cursor %s: %w: status %d, want 200", at, ErrProtocol, code))
	}
	f, err := readHeaders(resp.Header(), cursor, p.cfg.Limit)
	if err != nil {
		return nil, withKind(kindProtocol, fmt.Errorf("fetch page at cursor %s: %w", at, err))
	}
	f.body = resp.Body()
	return f, nil
}

// RIS/1 response headers.
const (
	headerNext    = "Codefed-Next-Cursor"
	headerRecords = "Codefed-Records"
	headerEnd     = "Codefed-Feed-End"
)

// readHeaders checks a page's RIS/1 headers.
func readHeaders(h http.Header, cursor string, limit int) (*fetched, error) {
	f := &fetched{next: h.Get(headerNext), end: strings.EqualFold(h.Get(headerEnd), "true")}
	// An empty feed read from the beginning has no cursor to give back.
	if !(f.next == "" && f.end && cursor == "") && !validCursor(f.next) {
		return nil, fmt.Errorf("%w: %s is not 1 to 256 characters of [A-Za-z0-9._~-]", ErrProtocol, headerNext)
	}
	if !f.end && f.next == cursor {
		return nil, fmt.Errorf("%w: %s repeats the cursor asked for on a page that is not the feed's end", ErrProtocol, headerNext)
	}
	n, err := strconv.Atoi(h.Get(headerRecords))
	if err != nil || n < 0 || n > limit {
		return nil, fmt.Errorf("%w: %s is not a count of persons from 0 to the limit %d", ErrProtocol, headerRecords, limit)
	}
	f.persons = n
	return f, nil
}

// validCursor reports whether c is a RIS/1 cursor: 1 to 256 characters of
// [A-Za-z0-9._~-].
func validCursor(c string) bool {
	if len(c) < 1 || len(c) > 256 {
		return false
	}
	for i := 0; i < len(c); i++ {
		switch b := c[i]; {
		case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9', b == '.', b == '_', b == '~', b == '-':
		default:
			return false
		}
	}
	return true
}

func quoteCursor(c string) string {
	if c == "" {
		return `"" (the beginning)`
	}
	return strconv.Quote(c)
}

// retryable is resty's retry condition: transport errors and timeouts,
// 429 and 5xx. Other answers, and a body over the size limit, would come
// back the same.
func retryable(resp *resty.Response, err error) bool {
	if err != nil {
		return !errors.Is(err, resty.ErrResponseBodyTooLarge)
	}
	code := resp.StatusCode()
	return code == http.StatusTooManyRequests || code >= 500
}

// retryWait is resty's wait before the next attempt: the Retry-After of a
// 429 or 503, or 0 for resty's own jittered exponential backoff.
func (p *Puller) retryWait(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
	d := p.retryAfter(resp)
	if d > p.cfg.RetryMaxWait {
		return 0, errRetryAfterTooLong
	}
	return d, nil
}

func (p *Puller) retryAfter(resp *resty.Response) time.Duration {
	if resp == nil || resp.RawResponse == nil {
		return 0
	}
	switch resp.StatusCode() {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		return parseRetryAfter(resp.Header().Get("Retry-After"), p.cfg.Now())
	}
	return 0
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP
// date, as a wait from now; 0 when absent, malformed or past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// regionFailure reports whether err says the region is unavailable, which
// is what the breaker counts.
func regionFailure(err error) bool {
	switch errorKind(err) {
	case kindTransport, kindThrottled, kindServer:
		return true
	}
	return false
}

// backoff is the wait after the n-th consecutive failure: base doubled
// n-1 times, capped, with equal jitter (half fixed, half random).
func backoff(base, ceiling time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	return d/2 + rand.N(d/2+1)
}

// jitter spreads d uniformly over [d(1-f), d(1+f)], so that pullers on one
// region do not ask in step.
func jitter(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * (1 - f + 2*f*rand.Float64()))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// restyLogger sends resty's own messages, which repeat what the puller
// logs, to debug level.
type restyLogger struct{ l *slog.Logger }

func (r restyLogger) Errorf(format string, v ...any) { r.l.Debug(fmt.Sprintf(format, v...)) }
func (r restyLogger) Warnf(format string, v ...any)  { r.l.Debug(fmt.Sprintf(format, v...)) }
func (r restyLogger) Debugf(format string, v ...any) { r.l.Debug(fmt.Sprintf(format, v...)) }
