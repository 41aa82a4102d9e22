package hub

// A pool holds the events (or statuses) of every subject in a few large,
// pointer-free chunks. A subject keeps a run (chunk, offset, length,
// capacity) instead of a slice, so its record holds no pointer and the
// collector has a few hundred chunks to look at instead of millions of
// small arrays: at ten million events the collector's work no longer
// grows with the state.
//
// Runs are never moved or rewritten while a snapshot may read them: a
// subject shared with a snapshot copies its runs before changing them
// (subjectForWrite), and a run that outgrows its capacity moves to a new
// one. The space they leave behind is garbage until compact moves the live
// runs out of mostly empty chunks and drops those chunks (a snapshot still
// holding one keeps it alive until released). Where runs lie is private to
// a replica and never reaches the digest or a snapshot.

// run is a subject's stretch of a pool.
type run struct {
	chunk, off, len, cap uint32
}

// poolChunk is the size of a chunk in values; a run longer than that gets
// a chunk of its own.
const poolChunk = 1 << 16

type pool[T any] struct {
	chunks [][]T
	// handed is the capacity given out of each chunk, live the part of it
	// that live runs still hold.
	handed, live []uint32
	fill         uint32 // used part of the last chunk
	garbage      int    // sum of handed - live
	liveTotal    int
}

func (p *pool[T]) alloc(n uint32) run {
	if n == 0 {
		return run{}
	}
	last := len(p.chunks) - 1
	if last < 0 || uint32(len(p.chunks[last]))-p.fill < n {
		p.chunks = append(p.chunks, make([]T, max(poolChunk, n)))
		p.handed = append(p.handed, 0)
		p.live = append(p.live, 0)
		p.fill = 0
		last++
	}
	r := run{chunk: uint32(last), off: p.fill, cap: n}
	p.fill += n
	p.handed[last] += n
	p.live[last] += n
	p.liveTotal += int(n)
	return r
}

// slice returns a run's values (its spare capacity too, beyond len).
func (p *pool[T]) slice(r run) []T {
	if r.cap == 0 {
		return nil
	}
	return p.chunks[r.chunk][r.off : r.off+r.len : r.off+r.cap]
}

// free abandons a run.
func (p *pool[T]) free(r run) {
	if r.cap == 0 {
		return
	}
	p.live[r.chunk] -= r.cap
	p.liveTotal -= int(r.cap)
	p.garbage += int(r.cap)
}

// clone copies a run into a fresh one of the same capacity and abandons the
// old one (a snapshot may go on reading it).
func (p *pool[T]) clone(r run) run {
	if r.cap == 0 {
		return r
	}
	n := p.alloc(r.cap)
	n.len = r.len
	copy(p.slice(n), p.slice(r))
	p.free(r)
	return n
}

// insert inserts v at index i of the run, moving the run to a larger one
// when it is full. Runs grow by a quarter: they are many and long-lived.
func (p *pool[T]) insert(r *run, i int, v T) {
	if r.len == r.cap {
		n := p.alloc(r.cap + r.cap/4 + 2)
		n.len = r.len
		copy(p.slice(n), p.slice(*r))
		p.free(*r)
		*r = n
	}
	r.len++
	s := p.slice(*r)
	copy(s[i+1:], s[i:])
	s[i] = v
}

// worthCompacting reports whether abandoned space is large enough to move
// live runs for.
func (p *pool[T]) worthCompacting() bool {
	return p.garbage > poolChunk && p.garbage > p.liveTotal/4
}

// victims marks the chunks, all but the one being filled, that live runs
// fill less than three quarters of.
func (p *pool[T]) victims() []bool {
	v := make([]bool, len(p.chunks))
	for c := range p.chunks[:max(0, len(p.chunks)-1)] {
		if p.chunks[c] != nil && p.live[c] < uint32(len(p.chunks[c]))/4*3 {
			v[c] = true
		}
	}
	return v
}

// move copies a run out of a victim chunk into a fresh, exactly sized one.
func (p *pool[T]) move(r run) run {
	if r.len == 0 {
		p.free(r)
		return run{}
	}
	n := p.alloc(r.len)
	n.len = r.len
	copy(p.slice(n), p.slice(r))
	p.free(r)
	return n
}

// drop releases victim chunks once no live run is left in them.
func (p *pool[T]) drop(victims []bool) {
	for c, v := range victims {
		if v && p.live[c] == 0 {
			p.garbage -= int(p.handed[c])
			p.chunks[c], p.handed[c] = nil, 0
		}
	}
}

// view returns the pool's chunk list for a snapshot.
func (p *pool[T]) view() pool[T] {
	return pool[T]{chunks: append([][]T(nil), p.chunks...)}
}
