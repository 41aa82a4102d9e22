//go:build !unix

package shaanxi

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
