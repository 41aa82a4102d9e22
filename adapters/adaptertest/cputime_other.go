//go:build !unix

package adaptertest

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
