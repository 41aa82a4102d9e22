package conformance

import "context"

// test is one check of the suite.
type test struct {
	id       string
	group    string
	title    string
	reqs     []string
	required bool
	run      func(ctx context.Context, r *runner, t *testRun)
}

// Groups of the suite, in report order.
const (
	groupMeta       = "meta"
	groupAuth       = "auth"
	groupErrors     = "errors"
	groupFeed       = "feed"
	groupData       = "data"
	groupStatus     = "status"
	groupNotify     = "notify"
	groupLoad       = "load"
	testRestart     = "feed.restart"
	testErrorFormat = "errors.json"
	testWalkMax     = "feed.walk-max"
	testWalkSmall   = "feed.walk-small"
)

var groups = []struct{ id, name string }{
	{groupMeta, "Metadata"},
	{groupAuth, "Authentication"},
	{groupErrors, "Errors"},
	{groupFeed, "Feed"},
	{groupData, "Certification fixture"},
	{groupStatus, "Status lookup"},
	{groupNotify, "Notifications"},
	{groupLoad, "Load"},
}

// suite lists every test in report order. The requirement IDs are those of
// spec.Requirements; every one of them is checked by at least one required
// test.
var suite = []test{
	{"meta.document", groupMeta, "metadata document served without a token, valid and for this format",
		[]string{"RIS-META-01"}, true, checkMetadata},

	{"auth.missing-token", groupAuth, "feed, status and notifications answer 401 with WWW-Authenticate: Bearer without a token",
		[]string{"RIS-AUTH-01"}, true, checkMissingToken},
	{"auth.wrong-token", groupAuth, "feed, status and notifications answer 401 with WWW-Authenticate: Bearer to a wrong token",
		[]string{"RIS-AUTH-02"}, true, checkWrongToken},

	{testErrorFormat, groupErrors, "every 4xx and 5xx answer of the run (401, 400 and 404 provoked) carries the JSON error with a snake_case code",
		[]string{"RIS-ERR-01"}, true, checkErrorFormat},
	{"errors.unknown-path", groupErrors, "an unknown path answers 404 with the JSON error",
		[]string{"RIS-ERR-01"}, false, checkUnknownPath},

	{testWalkSmall, groupFeed, "walk with limit 7: every page decodes, no rejections, schema-valid records, consistent headers",
		[]string{"RIS-FEED-01"}, true, checkWalkSmall},
	{"feed.walk-default", groupFeed, "walk without a limit (pages of 100): every page decodes, no rejections, schema-valid records, consistent headers",
		[]string{"RIS-FEED-01"}, true, checkWalkDefault},
	{testWalkMax, groupFeed, "walk with limit feed_max_limit: every page decodes, no rejections, schema-valid records, consistent headers",
		[]string{"RIS-FEED-01"}, true, checkWalkMax},
	{"feed.no-duplicates", groupFeed, "no person appears in two pages of any walk",
		[]string{"RIS-FEED-02"}, true, checkNoDuplicates},
	{"feed.no-gaps", groupFeed, "the walks with pages of 7, of the default 100 and of feed_max_limit see the same persons",
		[]string{"RIS-FEED-03"}, true, checkNoGaps},
	{"feed.stable-order", groupFeed, "the same cursor returns the same persons in the same order and the same next cursor",
		[]string{"RIS-FEED-04"}, true, checkStableOrder},
	{testRestart, groupFeed, "cursors of the first walk still return the same pages after a restart, or later in the run",
		[]string{"RIS-FEED-05"}, true, checkRestart},
	{"feed.end-cursor", groupFeed, "the cursor at the end of the feed answers an empty page that ends the feed and keeps the cursor",
		[]string{"RIS-FEED-05"}, true, checkEndCursor},
	{"feed.limits", groupFeed, "out-of-range limits and malformed cursors answer 400; no page holds more persons than its limit",
		[]string{"RIS-FEED-06"}, true, checkLimits},
	{"feed.replay", groupFeed, "re-reading pages yields records identical by merge key",
		[]string{"RIS-FEED-07"}, true, checkReplay},

	{"data.fixture", groupData, "every fixture person is in the feed with exactly the expected records",
		[]string{"RIS-DATA-01"}, true, checkFixture},
	{"data.time-offsets", groupData, "fixture times are the expected instants with the expected UTC offset",
		[]string{"RIS-DATA-02"}, true, checkTimeOffsets},
	{"data.colours", groupData, "fixture colour codes map to the expected colours",
		[]string{"RIS-DATA-03"}, true, checkColours},

	{"status.fixture", groupStatus, "status lookup of each fixture person returns their records",
		[]string{"RIS-STATUS-01"}, true, checkStatusFixture},
	{"status.unknown", groupStatus, "status lookup of an unknown person answers 404",
		[]string{"RIS-STATUS-02"}, true, checkStatusUnknown},

	{"notify.accept", groupNotify, "a notification is accepted with 204, and again when repeated",
		[]string{"RIS-NOTIFY-01"}, true, checkNotifyAccept},
	{"notify.malformed", groupNotify, "malformed notifications (broken JSON, bad subject, unknown colour) answer 400",
		[]string{"RIS-NOTIFY-01"}, true, checkNotifyMalformed},

	{"load.peak", groupLoad, "open-loop load at the declared peak rate: every request served, p99 within the objective",
		[]string{"RIS-LOAD-01"}, true, checkLoadPeak},
	{"load.overload", groupLoad, "open-loop load at 10x the declared peak: every request 2xx or 429 with Retry-After within the objective",
		[]string{"RIS-LOAD-02"}, true, checkLoadOverload},
}
