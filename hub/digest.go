package hub

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"

	"github.com/codefed/codefed/schema"
)

// digest is an incremental multiset hash of the canonical state: the sum,
// lane by lane modulo 2^64, of the SHA-256 of every record's canonical
// encoding. Adding and removing records in any order gives the same value, so
// replicas that applied the same log agree on it without sorting anything,
// and it is current at every applied index at O(1) cost per change.
type digest [4]uint64

func (d *digest) add(h [32]byte) {
	for i := range d {
		d[i] += binary.BigEndian.Uint64(h[i*8:])
	}
}

func (d *digest) remove(h [32]byte) {
	for i := range d {
		d[i] -= binary.BigEndian.Uint64(h[i*8:])
	}
}

func (d *digest) String() string {
	var b [32]byte
	for i, v := range d {
		binary.BigEndian.PutUint64(b[i*8:], v)
	}
	return hex.EncodeToString(b[:])
}

func tagged(tag byte, v any) [32]byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only types with fixed JSON shapes reach here.
		panic("hub: digest: " + err.Error())
	}
	h := sha256.New()
	h.Write([]byte{tag})
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

func statusHash(st *schema.Status) [32]byte { return tagged('S', st) }

func (s *State) statusHash(subject string, r *statusRec) [32]byte {
	st := s.status(subject, r)
	return statusHash(&st)
}

func placeHash(p *schema.Place) [32]byte { return tagged('P', p) }

func riskAreaHash(a *schema.RiskArea) [32]byte { return tagged('R', a) }

func quarantineHash(q *QuarantineEntry) [32]byte { return tagged('Q', q) }

func (s *State) eventHash(subject string, e *eventRec) [32]byte {
	h := sha256.New()
	var num [8]byte
	h.Write([]byte{'E'})
	for _, str := range []string{subject, kindNames[e.kind], s.slot(e).id, s.sources.region(e.source), s.sources.system(e.source)} {
		binary.BigEndian.PutUint64(num[:], uint64(len(str)))
		h.Write(num[:])
		h.Write([]byte(str))
	}
	rid := s.rid(e)
	binary.BigEndian.PutUint64(num[:], uint64(len(rid)))
	h.Write(num[:])
	h.Write(rid)
	for _, v := range []int64{s.startNs(e), s.endNs(e), int64(e.offset) * 60} {
		binary.BigEndian.PutUint64(num[:], uint64(v))
		h.Write(num[:])
	}
	var out [32]byte
	h.Sum(out[:0])
	return out
}
