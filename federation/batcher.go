package federation

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/raft"
)

// batcher coalesces concurrent proposals into log entries (group commit).
// One goroutine collects requests until an entry is full or MaxBatchDelay has
// passed since its first request, then hands the entry to raft without
// waiting for it to commit, so several entries can be in flight while the
// next one fills.
type batcher struct {
	n    *Node
	reqs chan *proposal
	done chan struct{}
	// inflight bounds entries handed to raft and not yet answered.
	inflight chan struct{}
}

type proposal struct {
	cmd  subCommand
	resp chan proposalResult
}

type proposalResult struct {
	result []byte
	index  uint64
	err    error
}

func newBatcher(n *Node) *batcher {
	b := &batcher{n: n, reqs: make(chan *proposal, 4096), done: make(chan struct{}), inflight: make(chan struct{}, 64)}
	go b.loop()
	return b
}

func (b *batcher) stop() { close(b.done) }

func (b *batcher) submit(ctx context.Context, c subCommand) ([]byte, uint64, error) {
	p := &proposal{cmd: c, resp: make(chan proposalResult, 1)}
	select {
	case b.reqs <- p:
	case <-ctx.Done():
		return nil, 0, fmt.Errorf("%w: queueing proposal", ErrTimeout)
	case <-b.done:
		return nil, 0, ErrClosed
	}
	select {
	case r := <-p.resp:
		return r.result, r.index, r.err
	case <-ctx.Done():
		// The entry may still commit; commands are idempotent, so the
		// caller may retry.
		return nil, 0, fmt.Errorf("%w: waiting for commit", ErrTimeout)
	case <-b.done:
		return nil, 0, ErrClosed
	}
}

func (b *batcher) loop() {
	cfg := b.n.cfg
	for {
		var first *proposal
		select {
		case first = <-b.reqs:
		case <-b.done:
			return
		}
		batch := []*proposal{first}
		size := len(first.cmd.data)
		timer := time.NewTimer(cfg.MaxBatchDelay)
	fill:
		for len(batch) < cfg.MaxBatchCommands && size < cfg.MaxBatchBytes {
			select {
			case p := <-b.reqs:
				batch = append(batch, p)
				size += len(p.cmd.data)
			case <-timer.C:
				break fill
			case <-b.done:
				timer.Stop()
				fail(batch, ErrClosed)
				return
			}
		}
		timer.Stop()
		select {
		case b.inflight <- struct{}{}:
		case <-b.done:
			fail(batch, ErrClosed)
			return
		}
		go b.commit(batch)
	}
}

func (b *batcher) commit(batch []*proposal) {
	defer func() { <-b.inflight }()
	cmds := make([]subCommand, len(batch))
	for i, p := range batch {
		cmds[i] = p.cmd
	}
	// The proposer's clock, read once here, is the "now" of every command
	// in the entry on every replica.
	entry := encodeEnvelope(b.n.cfg.Clock(), cmds)
	f := b.n.raft.Apply(entry, b.n.cfg.ApplyTimeout)
	if err := f.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipLost) {
			err = fmt.Errorf("%w: %v", ErrNotLeader, err)
		} else if errors.Is(err, raft.ErrEnqueueTimeout) {
			err = fmt.Errorf("%w: %v", ErrTimeout, err)
		}
		fail(batch, err)
		return
	}
	resp, ok := f.Response().(*applyResponse)
	if !ok || resp == nil {
		fail(batch, errors.New("log entry applied without a response"))
		return
	}
	if resp.err != nil {
		fail(batch, resp.err)
		return
	}
	for i, p := range batch {
		p.resp <- proposalResult{result: resp.results[i], index: f.Index()}
	}
}

func fail(batch []*proposal, err error) {
	for _, p := range batch {
		p.resp <- proposalResult{err: err}
	}
}
