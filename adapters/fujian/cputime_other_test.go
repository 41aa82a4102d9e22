//go:build !unix

package fujian

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
