//go:build !unix

package zhejiang

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
