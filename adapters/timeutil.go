package adapters

import (
	"fmt"
	"strconv"
	"time"

	"github.com/codefed/codefed/adapters/internal/redact"
)

// Beijing is China Standard Time, UTC+8 all year. Native formats that write
// local time without a zone mean this zone; adapters say so explicitly rather
// than trusting the machine's time zone.
var Beijing = time.FixedZone("CST", 8*3600)

// ParseBeijing parses a zoneless local time in layout as Beijing time.
func ParseBeijing(layout, value string) (time.Time, error) {
	t, err := time.ParseInLocation(layout, value, Beijing)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %s does not match %s", redact.Time(value), layout)
	}
	return t, nil
}

// ParseEpochMillis parses milliseconds since the Unix epoch and returns the
// instant in Beijing time.
func ParseEpochMillis(value string) (time.Time, error) {
	ms, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("epoch milliseconds %s is not an integer", redact.Code(value))
	}
	return FromEpochMillis(ms), nil
}

// FromEpochMillis returns the instant ms milliseconds after the Unix epoch, in Beijing time.
func FromEpochMillis(ms int64) time.Time {
	return time.UnixMilli(ms).In(Beijing)
}

// ParseRFC3339 parses a time that must carry an explicit offset.
func ParseRFC3339(value string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %s is not RFC 3339 with an offset", redact.Time(value))
	}
	return t, nil
}
