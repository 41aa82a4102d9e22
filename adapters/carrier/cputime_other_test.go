//go:build !unix

package carrier

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
