package regionsim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A cursor is "c1.<index in base 36>.<check>": the position of the next
// person in the feed's fixed order, and the first 8 hex digits of
// SHA-256(dataset, index), where dataset names what the population is built
// from (format, seed, persons). A cursor holds no process state, so a new
// simulator with the same Config honours it; the check refuses cursors
// made up by hand or handed out for another population.
const cursorVersion = "c1"

var errCursor = errors.New("malformed cursor")

type cursorCodec struct {
	dataset [sha256.Size]byte
}

func newCursorCodec(cfg *Config) cursorCodec {
	return cursorCodec{dataset: sha256.Sum256(fmt.Appendf(nil, "codefed-regionsim|%s|%d|%d", cfg.Format, cfg.Seed, cfg.Persons))}
}

func (c cursorCodec) check(index int) string {
	h := sha256.New()
	h.Write(c.dataset[:])
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(index)))
	return hex.EncodeToString(h.Sum(nil)[:4])
}

func (c cursorCodec) encode(index int) string {
	return cursorVersion + "." + strconv.FormatUint(uint64(index), 36) + "." + c.check(index)
}

// decode returns the index of cursor s, which must be one encode writes
// for an index in [0, max]; "" is the beginning.
func (c cursorCodec) decode(s string, max int) (int, error) {
	if s == "" {
		return 0, nil
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] != cursorVersion {
		return 0, errCursor
	}
	n, err := strconv.ParseUint(parts[1], 36, 32)
	if err != nil || int(n) > max {
		return 0, errCursor
	}
	// Only the canonical spelling is a cursor, so that a cursor handed
	// back at the end of the feed is the one that was asked for.
	if c.encode(int(n)) != s {
		return 0, errCursor
	}
	return int(n), nil
}
