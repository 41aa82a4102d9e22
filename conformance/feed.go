package conformance

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/conformance/spec"
	"github.com/codefed/codefed/schema"
)

// maxWalkPages stops a walk that never reaches the end of the feed.
const maxWalkPages = 200_000

// samplePages is how many pages of a walk are read again by the checks of
// stable order, cursors after a restart and replay.
const samplePages = 8

var cursorPattern = regexp.MustCompile(fmt.Sprintf(`^[A-Za-z0-9._~-]{1,%d}$`, spec.MaxCursorLen))

// page is what the suite keeps of one feed page: enough to compare a
// re-read with it, nothing that names a person.
type page struct {
	index  int
	cursor string
	next   string
	// records is the Codefed-Records header, -1 when absent or malformed.
	records int
	end     bool
	// persons are the subjects of the page in payload order.
	persons []string
	keys    map[string]recordKey
}

// recordKey is a record's merge key as shown in a report and the digest of
// its whole content.
type recordKey struct {
	shown  string
	digest string
}

func (p *page) String() string {
	return fmt.Sprintf("page %d (cursor %s)", p.index, showCursor(p.cursor))
}

func showCursor(c string) string {
	if c == "" {
		return "empty"
	}
	if len(c) > 40 {
		c = c[:40] + "…"
	}
	return strconv.Quote(c)
}

// pageRead is one answer of the feed, checked.
type pageRead struct {
	page  *page
	batch *schema.Batch
	// status is the HTTP status; the page is nil unless it is 200.
	status int
	// problems break RIS-FEED-01; overLimit RIS-FEED-06.
	problems  []string
	overLimit string
}

// readPage fetches and checks one page. The error is non-nil only when no
// answer came.
func (r *runner) readPage(ctx context.Context, index int, cursor string, limit int) (*pageRead, error) {
	q := url.Values{}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	resp, err := r.client.do(ctx, request{method: http.MethodGet, path: spec.PathFeed, query: q, native: true})
	if err != nil {
		return nil, err
	}
	pr := &pageRead{status: resp.status}
	where := fmt.Sprintf("page %d (cursor %s)", index, showCursor(cursor))
	if resp.status != http.StatusOK {
		pr.problems = append(pr.problems, fmt.Sprintf("%s answered %d, want 200", where, resp.status))
		return pr, nil
	}
	pg := &page{index: index, cursor: cursor, records: -1, keys: map[string]recordKey{}}
	pr.page = pg
	bad := func(format string, args ...any) {
		pr.problems = append(pr.problems, where+": "+fmt.Sprintf(format, args...))
	}
	pg.next = resp.header.Get(spec.HeaderNextCursor)
	if !cursorPattern.MatchString(pg.next) {
		bad("%s header %s is not 1 to 256 characters of [A-Za-z0-9._~-]", spec.HeaderNextCursor, showCursor(pg.next))
	}
	if v := resp.header.Get(spec.HeaderRecords); v == "" {
		bad("no %s header", spec.HeaderRecords)
	} else if n, err := strconv.Atoi(v); err != nil || n < 0 {
		bad("%s header %q is not a count", spec.HeaderRecords, v)
	} else {
		pg.records = n
	}
	switch v := resp.header.Get(spec.HeaderFeedEnd); v {
	case "true":
		pg.end = true
	case "", "false":
	default:
		bad("%s header %q, want true or none", spec.HeaderFeedEnd, v)
	}
	res, err := r.decode(resp.body)
	if pg.records == 0 && (err != nil || len(persons(&res.Batch)) == 0) {
		// An empty page is the format's empty payload, which some formats
		// cannot decode (a file of no certificates is no file): nothing to
		// read in it.
		if pg.end && pg.next != cursor && cursor != "" {
			bad("an empty page at the end of the feed must keep the cursor, got next cursor %s", showCursor(pg.next))
		}
		resp.summarize("(native payload, %d bytes, no persons)", len(resp.body))
		return pr, nil
	}
	if err != nil {
		bad("the payload does not decode with the %s adapter: %v", r.opts.Format, err)
		return pr, nil
	}
	pr.batch = &res.Batch
	for _, rej := range res.Rejected {
		bad("rejected %v", rej)
	}
	for _, e := range schema.ValidateBatch(&res.Batch) {
		bad("not schema-valid: %v", e)
	}
	pg.persons = persons(&res.Batch)
	if bound := cmp.Or(limit, spec.DefaultLimit); len(pg.persons) > bound {
		pr.overLimit = fmt.Sprintf("%s holds %d persons, above its limit %d", where, len(pg.persons), bound)
	}
	// The header counts the region's document holders; one whose records
	// the format cannot carry decodes to nothing, so the payload may hold
	// fewer persons than the header says, never more.
	if pg.records >= 0 && len(pg.persons) > pg.records {
		bad("%s header says %d persons, the payload holds %d", spec.HeaderRecords, pg.records, len(pg.persons))
	}
	for k, v := range recordKeys(&res.Batch) {
		pg.keys[k] = v
	}
	resp.summarize("(native payload, %d bytes: %d persons, %d statuses, %d events, %d rejected)",
		len(resp.body), len(pg.persons), len(res.Batch.Statuses), len(res.Batch.Events), len(res.Rejected))
	return pr, nil
}

func (r *runner) decode(raw []byte) (*adapters.Result, error) {
	return r.adapter.Decode(raw, adapters.DecodeOptions{Subjects: r.subjects, Trust: r.opts.Trust})
}

// persons lists the subjects of a batch, those of statuses first, each
// once, in payload order.
func persons(b *schema.Batch) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, st := range b.Statuses {
		add(st.Subject)
	}
	for _, ev := range b.Events {
		add(ev.Subject)
	}
	return out
}

// recordKeys maps each record of a batch by its merge key (the hub's:
// statuses by subject, region, issue time and record ID; events by
// subject, kind, place, start and source system) to the digest of its
// content.
func recordKeys(b *schema.Batch) map[string]recordKey {
	out := map[string]recordKey{}
	add := func(key, shown string, rec any) {
		j, _ := json.Marshal(rec)
		sum := sha256.Sum256(j)
		if prev, dup := out[key]; dup {
			// Two records under one key: the pair is what a replay must
			// reproduce.
			sum = sha256.Sum256(append([]byte(prev.digest), j...))
		}
		out[key] = recordKey{shown: shown, digest: hex.EncodeToString(sum[:8])}
	}
	for _, st := range b.Statuses {
		add(strings.Join([]string{"status", st.Subject, st.Region, st.IssuedAt.UTC().Format(time.RFC3339Nano), st.Source.RecordID}, "|"),
			fmt.Sprintf("status %s of %s", st.Source.RecordID, short(st.Subject)), st)
	}
	for _, ev := range b.Events {
		add(strings.Join([]string{"event", ev.Subject, ev.Kind, ev.Place.ID, ev.Start.UTC().Format(time.RFC3339Nano), ev.Source.System}, "|"),
			fmt.Sprintf("%s event at %s of %s", ev.Kind, ev.Place.ID, short(ev.Subject)), ev)
	}
	for _, ra := range b.RiskAreas {
		add(strings.Join([]string{"risk_area", ra.ID, ra.Region, ra.From.UTC().Format(time.RFC3339Nano)}, "|"),
			"risk area "+ra.ID, ra)
	}
	return out
}

// walk is one pass over the feed from its beginning to its end.
type walk struct {
	// limit is the page size asked for; 0 asks for none (the default).
	limit    int
	pages    []*page
	complete bool
	// err says why the walk could not be carried out to the end when the
	// region did not answer; a region that answered wrongly leaves a
	// problem instead.
	err       error
	problems  []string
	overLimit []string
	// pagesOf lists, per subject, the pages it appeared in.
	pagesOf map[string][]int
	order   []string
	// fixture collects the records of fixture persons.
	fixtureStatuses map[string][]schema.Status
	fixtureEvents   map[string][]schema.Event
	statuses        int
	events          int
}

func (w *walk) name() string {
	if w.limit == 0 {
		return "walk with the default limit"
	}
	return fmt.Sprintf("walk with limit %d", w.limit)
}

// pageLimits returns the page sizes of the small and the large walk.
func (r *runner) pageLimits(ctx context.Context) (small, large int, err error) {
	large, err = r.feedMaxLimit(ctx)
	if err != nil {
		return 0, 0, err
	}
	small = smallPage
	if large <= smallPage {
		small = max(1, large/2)
	}
	return small, large, nil
}

func (r *runner) smallWalk(ctx context.Context) (*walk, error) {
	small, _, err := r.pageLimits(ctx)
	if err != nil {
		return nil, err
	}
	return r.walk(ctx, small), nil
}

// defaultWalk walks without a limit: pages of spec.DefaultLimit.
func (r *runner) defaultWalk(ctx context.Context) (*walk, error) {
	if _, err := r.feedMaxLimit(ctx); err != nil {
		return nil, err
	}
	return r.walk(ctx, 0), nil
}

func (r *runner) largeWalk(ctx context.Context) (*walk, error) {
	_, large, err := r.pageLimits(ctx)
	if err != nil {
		return nil, err
	}
	return r.walk(ctx, large), nil
}

// walk follows next cursors from the beginning of the feed with the given
// page size, once per run and size.
func (r *runner) walk(ctx context.Context, limit int) *walk {
	if w, ok := r.walks[limit]; ok {
		return w
	}
	w := &walk{limit: limit, pagesOf: map[string][]int{},
		fixtureStatuses: map[string][]schema.Status{}, fixtureEvents: map[string][]schema.Event{}}
	r.walks[limit] = w
	seen := map[string]bool{}
	cursor := ""
	for i := 0; ; i++ {
		if i == maxWalkPages {
			w.problems = append(w.problems, fmt.Sprintf("the feed did not end within %d pages", maxWalkPages))
			return w
		}
		pr, err := r.readPage(ctx, i, cursor, limit)
		if err != nil {
			w.err = fmt.Errorf("page %d: %w", i, err)
			return w
		}
		w.problems = append(w.problems, pr.problems...)
		if pr.overLimit != "" {
			w.overLimit = append(w.overLimit, pr.overLimit)
		}
		pg := pr.page
		if pg == nil {
			return w
		}
		w.pages = append(w.pages, pg)
		for _, s := range pg.persons {
			if len(w.pagesOf[s]) == 0 {
				w.order = append(w.order, s)
			}
			w.pagesOf[s] = append(w.pagesOf[s], i)
		}
		if b := pr.batch; b != nil {
			w.statuses += len(b.Statuses)
			w.events += len(b.Events)
			for _, st := range b.Statuses {
				if r.fixture.bySubject[st.Subject] != nil {
					w.fixtureStatuses[st.Subject] = append(w.fixtureStatuses[st.Subject], st)
				}
			}
			for _, ev := range b.Events {
				if r.fixture.bySubject[ev.Subject] != nil {
					w.fixtureEvents[ev.Subject] = append(w.fixtureEvents[ev.Subject], ev)
				}
			}
		}
		if pg.end {
			w.complete = true
			return w
		}
		seen[cursor] = true
		switch {
		case !cursorPattern.MatchString(pg.next):
			return w // already a problem of the page
		case seen[pg.next]:
			w.problems = append(w.problems, fmt.Sprintf("%s: next cursor %s leads back to an earlier page: the walk never ends", pg, showCursor(pg.next)))
			return w
		}
		cursor = pg.next
	}
}

func checkWalkSmall(ctx context.Context, r *runner, t *testRun) {
	w, err := r.smallWalk(ctx)
	reportWalk(t, w, err)
}

func checkWalkDefault(ctx context.Context, r *runner, t *testRun) {
	w, err := r.defaultWalk(ctx)
	reportWalk(t, w, err)
}

func checkWalkMax(ctx context.Context, r *runner, t *testRun) {
	w, err := r.largeWalk(ctx)
	reportWalk(t, w, err)
}

func reportWalk(t *testRun, w *walk, err error) {
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	for _, p := range w.problems {
		t.Failf("%s", p)
	}
	if w.err != nil {
		t.Errorf("%s stopped: %v", w.name(), w.err)
	}
	if !w.complete && !t.failed() {
		t.Errorf("%s did not reach the end of the feed", w.name())
	}
	t.Notef("%s, %s, %s, %s", count(len(w.pages), "page"), count(len(w.order), "person"), count(w.statuses, "status"), count(w.events, "event"))
}

// usable returns the walk, or records an error when there is none to check.
func usable(t *testRun, w *walk, err error) *walk {
	switch {
	case err != nil:
		t.Errorf("%v", err)
		return nil
	case w.err != nil && len(w.pages) == 0:
		t.Errorf("%s: %v", w.name(), w.err)
		return nil
	case len(w.pages) == 0:
		t.Errorf("%s read no page (see its test)", w.name())
		return nil
	}
	return w
}

// walks returns the usable walks of the three page sizes, each once.
func (r *runner) allWalks(ctx context.Context, t *testRun) []*walk {
	var out []*walk
	for _, get := range []func(context.Context) (*walk, error){r.smallWalk, r.defaultWalk, r.largeWalk} {
		w, err := get(ctx)
		if w = usable(t, w, err); w != nil && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

func checkNoDuplicates(ctx context.Context, r *runner, t *testRun) {
	walks := r.allWalks(ctx, t)
	for _, w := range walks {
		for _, s := range w.order {
			if pages := w.pagesOf[s]; len(pages) > 1 {
				t.Failf("%s: person %s appears in pages %s", w.name(), short(s), joinInts(pages))
			}
		}
		if !w.complete {
			t.Errorf("%s did not reach the end of the feed: duplicates were looked for in %d pages only", w.name(), len(w.pages))
		}
	}
	t.Notef("no person twice in any of %s", count(len(walks), "walk"))
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func checkNoGaps(ctx context.Context, r *runner, t *testRun) {
	walks := r.allWalks(ctx, t)
	if t.failed() {
		return
	}
	for _, w := range walks {
		if !w.complete {
			t.Errorf("the %s did not reach the end of the feed: the persons of the walks cannot be compared", w.name())
			return
		}
	}
	if len(walks) < 2 {
		t.Skipf("feed_max_limit is %d: there is one page size only", walks[0].limit)
		return
	}
	onlyIn := func(a, b *walk) {
		var missing []string
		for _, s := range a.order {
			if _, ok := b.pagesOf[s]; !ok {
				missing = append(missing, short(s))
			}
		}
		if len(missing) > 0 {
			t.Failf("%d persons seen by the %s are missing from the %s (first: %s)",
				len(missing), a.name(), b.name(), strings.Join(missing[:min(5, len(missing))], ", "))
		}
	}
	for i, a := range walks {
		for j, b := range walks {
			if i != j {
				onlyIn(a, b)
			}
		}
	}
	t.Notef("the %s saw the same %s", count(len(walks), "walk"), count(len(walks[0].order), "person"))
}

// sample picks pages of a walk to read again: the first, the last, and
// some spread between.
func sample(w *walk) []*page {
	n := len(w.pages)
	if n <= samplePages {
		return w.pages
	}
	out := []*page{}
	for i := range samplePages {
		out = append(out, w.pages[i*(n-1)/(samplePages-1)])
	}
	return out
}

// reread reads the sampled pages again and compares them with the walk's,
// reporting what differs with the given checks.
func (r *runner) reread(ctx context.Context, t *testRun, w *walk, what string, order, content bool) int {
	n := 0
	for _, pg := range sample(w) {
		pr, err := r.readPage(ctx, pg.index, pg.cursor, w.limit)
		if err != nil {
			t.Errorf("%s: %v", pg, err)
			continue
		}
		n++
		again := pr.page
		if again == nil {
			t.Failf("%s %s answered %d", pg, what, pr.status)
			continue
		}
		if order {
			switch {
			case !slices.Equal(pg.persons, again.persons) && sameSet(pg.persons, again.persons):
				t.Failf("%s %s returned its %d persons in another order", pg, what, len(pg.persons))
			case !slices.Equal(pg.persons, again.persons):
				t.Failf("%s %s returned other persons (%d, first read %d)", pg, what, len(again.persons), len(pg.persons))
			case again.next != pg.next:
				t.Failf("%s %s gave another next cursor: %s, first %s", pg, what, showCursor(again.next), showCursor(pg.next))
			}
		}
		if content {
			for _, d := range keyDiff(pg.keys, again.keys) {
				t.Failf("%s %s: %s", pg, what, d)
			}
		}
	}
	return n
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func keyDiff(first, again map[string]recordKey) []string {
	var out []string
	keys := make([]string, 0, len(first))
	for k := range first {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		a, ok := again[k]
		switch {
		case !ok:
			out = append(out, first[k].shown+" is gone")
		case a.digest != first[k].digest:
			out = append(out, first[k].shown+" has another content under the same merge key")
		}
	}
	var extra []string
	for k := range again {
		if _, ok := first[k]; !ok {
			extra = append(extra, again[k].shown)
		}
	}
	slices.Sort(extra)
	for _, e := range extra {
		out = append(out, e+" is new (not in the first read)")
	}
	return out
}

func checkStableOrder(ctx context.Context, r *runner, t *testRun) {
	sw, err := r.smallWalk(ctx)
	w := usable(t, sw, err)
	if w == nil {
		return
	}
	n := r.reread(ctx, t, w, "read again", true, false)
	t.Notef("%s of the %s read again: same persons, same order, same next cursor", count(n, "page"), w.name())
}

func checkRestart(ctx context.Context, r *runner, t *testRun) {
	sw, err := r.smallWalk(ctx)
	w := usable(t, sw, err)
	if w == nil {
		return
	}
	what := "read again at the end of the run"
	if r.opts.Restart != nil {
		if err := r.restart(ctx); err != nil {
			t.Errorf("%v", err)
			return
		}
		what = "read again after the restart"
	}
	n := r.reread(ctx, t, w, what, true, true)
	t.Notef("%s of the %s %s: same persons, records and next cursors", count(n, "page"), w.name(), what)
}

// restart calls the restart hook and waits until the region answers its
// metadata again.
func (r *runner) restart(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, restartWait)
	defer cancel()
	if err := r.opts.Restart(ctx); err != nil {
		return fmt.Errorf("restart the region: %w", err)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := r.client.do(ctx, request{method: http.MethodGet, path: spec.PathMetadata, auth: authNone})
		if err == nil && resp.status == http.StatusOK {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the region did not answer within %s of its restart: %w", restartWait, ctx.Err())
		case <-tick.C:
		}
	}
}

func checkEndCursor(ctx context.Context, r *runner, t *testRun) {
	sw, err := r.smallWalk(ctx)
	w := usable(t, sw, err)
	if w == nil {
		return
	}
	if !w.complete {
		t.Errorf("the %s did not reach the end of the feed", w.name())
		return
	}
	last := w.pages[len(w.pages)-1]
	cursor := last.next
	if cursor == "" {
		cursor = last.cursor
	}
	for i := range 2 {
		pr, err := r.readPage(ctx, len(w.pages)+i, cursor, w.limit)
		if err != nil {
			t.Errorf("%v", err)
			return
		}
		for _, p := range pr.problems {
			t.Failf("%s", p)
		}
		pg := pr.page
		if pg == nil {
			return
		}
		switch {
		case !pg.end:
			t.Failf("the cursor at the end of the feed answered a page without %s: true", spec.HeaderFeedEnd)
		case pg.records != 0:
			t.Failf("the cursor at the end of the feed answered %d persons, want none (nothing changed since the walk)", pg.records)
		case pg.next != cursor:
			t.Failf("the cursor at the end of the feed answered next cursor %s, want the same %s", showCursor(pg.next), showCursor(cursor))
		}
	}
	t.Notef("the end cursor answers an empty last page and keeps the cursor")
}

func checkLimits(ctx context.Context, r *runner, t *testRun) {
	maxLimit, err := r.feedMaxLimit(ctx)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	cases := []struct {
		what  string
		query url.Values
	}{
		{"limit=0", url.Values{"limit": {"0"}}},
		{"limit=-1", url.Values{"limit": {"-1"}}},
		{fmt.Sprintf("limit=%d (feed_max_limit+1)", maxLimit+1), url.Values{"limit": {strconv.Itoa(maxLimit + 1)}}},
		{"limit=ten", url.Values{"limit": {"ten"}}},
		{"a cursor with characters outside [A-Za-z0-9._~-]", url.Values{"cursor": {"not a cursor!"}}},
		{"a cursor of 257 characters", url.Values{"cursor": {strings.Repeat("A", spec.MaxCursorLen+1)}}},
	}
	for _, c := range cases {
		resp, err := r.client.do(ctx, request{method: http.MethodGet, path: spec.PathFeed, query: c.query, native: true})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if resp.status != http.StatusBadRequest {
			t.Failf("%s answered %d, want 400", c.what, resp.status)
		}
	}
	if _, ok := r.walks[0]; !ok {
		// No walk without a limit ran: read its first page.
		pr, err := r.readPage(ctx, 0, "", 0)
		switch {
		case err != nil:
			t.Errorf("%v", err)
		case pr.page == nil:
			t.Failf("the first page without a limit answered %d, want 200", pr.status)
		case pr.overLimit != "":
			t.Failf("without a limit: %s", pr.overLimit)
		}
	}
	for _, limit := range slices.Sorted(maps.Keys(r.walks)) {
		for _, p := range r.walks[limit].overLimit {
			t.Failf("%s: %s", r.walks[limit].name(), p)
		}
	}
	t.Notef("out-of-range limits and malformed cursors answer 400, pages stay within their limit")
}

func checkReplay(ctx context.Context, r *runner, t *testRun) {
	lw, err := r.largeWalk(ctx)
	w := usable(t, lw, err)
	if w == nil {
		return
	}
	n := r.reread(ctx, t, w, "re-read", false, true)
	t.Notef("%s of the %s re-read: the same records under the same merge keys", count(n, "page"), w.name())
}

// count writes n and the noun, in the plural unless n is 1.
func count(n int, noun string) string {
	switch {
	case n == 1:
		return "1 " + noun
	case strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
