package federation

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// A log entry is an envelope of commands proposed together (group commit):
//
//	byte     envelope version (1)
//	int64    proposer's wall clock, Unix nanoseconds, big endian
//	uvarint  number of commands
//	then per command: byte kind, uvarint length, bytes
//
// Kind kindApp is for the state machine; the others are membership metadata
// the federation keeps itself.
const envelopeVersion = 1

const (
	kindApp     byte = 0
	kindMetaSet byte = 1
	kindMetaDel byte = 2
)

type subCommand struct {
	kind byte
	data []byte
}

func encodeEnvelope(now time.Time, cmds []subCommand) []byte {
	size := 1 + 8 + binary.MaxVarintLen64
	for _, c := range cmds {
		size += 1 + binary.MaxVarintLen64 + len(c.data)
	}
	b := make([]byte, 0, size)
	b = append(b, envelopeVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(now.UnixNano()))
	b = binary.AppendUvarint(b, uint64(len(cmds)))
	for _, c := range cmds {
		b = append(b, c.kind)
		b = binary.AppendUvarint(b, uint64(len(c.data)))
		b = append(b, c.data...)
	}
	return b
}

var errBadEnvelope = errors.New("malformed log entry")

func decodeEnvelope(b []byte) (time.Time, []subCommand, error) {
	if len(b) < 10 || b[0] != envelopeVersion {
		return time.Time{}, nil, fmt.Errorf("%w: version or length", errBadEnvelope)
	}
	now := time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))).UTC()
	b = b[9:]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)) {
		return time.Time{}, nil, fmt.Errorf("%w: command count", errBadEnvelope)
	}
	b = b[k:]
	cmds := make([]subCommand, 0, n)
	for i := uint64(0); i < n; i++ {
		if len(b) < 1 {
			return time.Time{}, nil, fmt.Errorf("%w: command %d", errBadEnvelope, i)
		}
		kind := b[0]
		l, k := binary.Uvarint(b[1:])
		if k <= 0 || l > uint64(len(b)-1-k) {
			return time.Time{}, nil, fmt.Errorf("%w: command %d length", errBadEnvelope, i)
		}
		start := 1 + k
		cmds = append(cmds, subCommand{kind: kind, data: b[start : start+int(l)]})
		b = b[start+int(l):]
	}
	return now, cmds, nil
}
