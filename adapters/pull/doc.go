// Package pull pulls a region's record feed into the hub, for regions that
// publish their changes under RIS/1 (GET /feed) instead of pushing them.
//
// # Feed client
//
// A Puller asks GET {base}/feed?cursor=C&limit=N with the region's bearer
// token, reads the RIS/1 headers (Codefed-Next-Cursor, Codefed-Records,
// Codefed-Feed-End) and decodes the body, one native payload, with the
// adapter registered for the feed's format and the DecodeOptions its caller
// supplies (pseudonymizer, trust list, clock). Rejected records are not
// dropped: they travel in the page's adapters.Result to the store, which
// keeps them in quarantine.
//
// Each request has its own timeout. A request that fails with a transport
// error, a timeout, a 5xx or a 429 is retried with exponential backoff and
// jitter; on 429 and 503 a Retry-After header (seconds or an HTTP date) is
// honoured: the next attempt is never sooner. When Retry-After asks for
// longer than the puller waits between attempts of one fetch, the fetch
// ends with a *StatusError carrying the wait, and Run waits at least that
// long before it asks again. Other 4xx answers are never retried; they are
// reported as a *StatusError with the status and the region's JSON error
// code and message. A circuit breaker around each fetch opens after a
// number of consecutive failed fetches (transport errors, timeouts, 5xx,
// 429; a 4xx is the region answering, not failing) and lets one fetch
// through again after a cool-down; while it is open a fetch fails at once
// with ErrCircuitOpen, without touching the region.
//
// # Cursor and delivery
//
// The authoritative cursor lives in the hub's replicated state, never in
// the puller: each Step reads the committed cursor from the Store, fetches
// the page at that cursor, decodes it and hands it to Store.Deliver. A
// Store must commit the page's records and its next cursor atomically (one
// replicated command), and only when the committed cursor still equals
// Page.Cursor; otherwise the page was delivered already (by this puller
// before a failure it did not see the end of, or by the puller of a former
// leader) and Deliver must change nothing, returning nil or an error that
// wraps ErrStaleCursor. With that contract a delivery that is repeated
// after an error, or a new leader that resumes from the committed cursor,
// can neither lose nor repeat a page. A page whose Deliver failed is kept
// and delivered again, unchanged, by the next Step.
//
// Run loops Step until its context ends: straight on while the feed has
// more, a jittered poll interval (default 5 s) once the feed reports its
// end, and a jittered exponential backoff after an error, never shorter
// than a Retry-After the region asked for. Errors do not stop Run; the
// breaker bounds how hard a failing region is asked.
//
// # Observability
//
// Metrics, registered on the caller's prometheus.Registerer and labelled
// by feed: codefed_pull_pages_total, codefed_pull_persons_total,
// codefed_pull_records_total, codefed_pull_rejected_records_total,
// codefed_pull_retries_total, codefed_pull_errors_total{kind},
// codefed_pull_breaker_state (0 closed, 1 half-open, 2 open) and
// codefed_pull_last_success_timestamp_seconds. Progress goes to the
// caller's *slog.Logger: cursors, counts, statuses and errors, never a
// document number or a name (adapter errors never carry them).
//
// # Configuration from the command line
//
// A feed is named on the command line as FORMAT=URL, e.g.
//
//	codefed agent --pull shaanxi=https://feed.example.org/ris/
//
// which ParseSpec reads; Spec.Feed is the feed's identifier in the store
// ("shaanxi@https://feed.example.org/ris/"), the same on every node given
// the same flag. The bearer token never appears on the command line: Token
// reads it from the file named by --pull-token-file, or else from the
// environment variable CODEFED_PULL_TOKEN.
package pull
