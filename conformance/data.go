package conformance

import (
	"context"
	"fmt"
)

// fixtureDiffs compares the fixture persons' records in the feed with the
// expected ones. It returns, per fixture person present in the feed, what
// differs, and the persons missing from it.
func (r *runner) fixtureDiffs(ctx context.Context, t *testRun) (diffs map[*fixturePerson][]fieldDiff, missing []*fixturePerson, ok bool) {
	fs := r.fixture
	if fs.err != nil {
		t.Errorf("no fixture: %v", fs.err)
		return nil, nil, false
	}
	// The largest pages hold each person whole in the fewest requests.
	lw, err := r.largeWalk(ctx)
	w := usable(t, lw, err)
	if w == nil {
		return nil, nil, false
	}
	if !w.complete {
		t.Errorf("the %s did not reach the end of the feed: fixture persons were looked for in %d pages only", w.name(), len(w.pages))
	}
	diffs = map[*fixturePerson][]fieldDiff{}
	for _, fp := range fs.persons {
		if len(fp.statuses)+len(fp.events) == 0 {
			continue // nothing the feed could hold
		}
		gotS, gotE := w.fixtureStatuses[fp.subject], w.fixtureEvents[fp.subject]
		if len(gotS)+len(gotE) == 0 {
			missing = append(missing, fp)
			continue
		}
		diffs[fp] = personDiff(gotS, gotE, fp)
	}
	return diffs, missing, true
}

func checkFixture(ctx context.Context, r *runner, t *testRun) {
	diffs, missing, ok := r.fixtureDiffs(ctx, t)
	if !ok {
		return
	}
	for _, fp := range missing {
		t.Failf("%s is not in the feed", fp)
	}
	for _, fp := range r.fixture.persons {
		if d := diffs[fp]; len(d) > 0 {
			more := ""
			if len(d) > 1 {
				more = fmt.Sprintf(" (%d differences)", len(d))
			}
			t.Failf("%s: %s%s", fp, d[0], more)
		}
	}
	t.Notef("the %d fixture persons are in the feed with exactly the expected records", len(diffs))
}

func checkTimeOffsets(ctx context.Context, r *runner, t *testRun) {
	checkDiffKind(ctx, r, t, diffTime, "times")
}

func checkColours(ctx context.Context, r *runner, t *testRun) {
	checkDiffKind(ctx, r, t, diffColour, "colours")
}

// checkDiffKind reports the differences of one kind, for the fixture
// persons the feed holds.
func checkDiffKind(ctx context.Context, r *runner, t *testRun, kind int, what string) {
	diffs, missing, ok := r.fixtureDiffs(ctx, t)
	if !ok {
		return
	}
	if len(diffs) == 0 {
		t.Errorf("no fixture person is in the feed: no %s to compare", what)
		return
	}
	compared := 0
	for _, fp := range r.fixture.persons {
		d, ok := diffs[fp]
		if !ok {
			continue
		}
		compared++
		for _, x := range d {
			if x.kind == kind {
				t.Failf("%s: %s", fp, x)
			}
		}
	}
	note := fmt.Sprintf("the %s of %d fixture persons are as expected", what, compared)
	if len(missing) > 0 {
		note += fmt.Sprintf("; %d persons missing from the feed could not be compared", len(missing))
	}
	t.Notef("%s", note)
}
