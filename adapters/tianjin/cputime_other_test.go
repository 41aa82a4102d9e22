//go:build !unix

package tianjin

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
