package hub

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/codefed/codefed/adapters/pull"
)

// Proposer replicates a command and returns its result once applied
// locally; the federation node implements it.
type Proposer interface {
	Propose(ctx context.Context, cmd []byte) ([]byte, uint64, error)
}

// FeedStore keeps pulled feeds in the replicated state: it is the hub's
// pull.Store. Cursors are read from this server's state; a page is proposed
// as one CommandFeedPage, which applies its records and moves the cursor
// together, and only when the cursor is still the page's. A cursor read on a
// server that lags behind only costs a stale delivery, never a duplicate.
type FeedStore struct {
	FSM     *FSM
	Cluster Proposer
}

var _ pull.Store = (*FeedStore)(nil)

// Cursor returns the feed's committed cursor.
func (fs *FeedStore) Cursor(_ context.Context, feed string) (string, error) {
	return fs.FSM.FeedCursor(feed), nil
}

// Deliver proposes the page. It returns an error wrapping
// pull.ErrStaleCursor when the feed's cursor had moved on.
func (fs *FeedStore) Deliver(ctx context.Context, feed string, page *pull.Page) error {
	cmd := FeedPageCommand{Feed: feed, Cursor: page.Cursor, Next: page.Next}
	if page.Result != nil {
		b := &page.Result.Batch
		rejected, _ := rejectionsOf(page.Result)
		cmd.Records = RecordsCommand{BatchID: b.BatchID, Region: b.Region, Format: page.Format,
			Statuses: b.Statuses, Events: b.Events, RiskAreas: b.RiskAreas, Rejected: rejected}
	}
	enc, err := cmd.Encode()
	if err != nil {
		return err
	}
	out, _, err := fs.Cluster.Propose(ctx, enc)
	if err != nil {
		return fmt.Errorf("propose page of %s: %w", feed, err)
	}
	var cr CommandResult
	if err := json.Unmarshal(out, &cr); err != nil {
		return fmt.Errorf("decode page result: %w", err)
	}
	if cr.Error != "" {
		return fmt.Errorf("page of %s refused: %s", feed, cr.Error)
	}
	var res FeedPageResult
	if err := json.Unmarshal(cr.Result, &res); err != nil {
		return fmt.Errorf("decode page result: %w", err)
	}
	if res.Stale {
		return fmt.Errorf("page at cursor %q of %s: %w (committed cursor %q)", page.Cursor, feed, pull.ErrStaleCursor, res.Cursor)
	}
	return nil
}
