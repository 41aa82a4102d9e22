package hub

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

// BenchmarkStateMemory applies 200,000 events of 20,000 subjects at 2,000
// places (with one status each) and reports the live heap per event, the
// figure that decides how many events a node holds in 1 GiB.
func BenchmarkStateMemory(b *testing.B) {
	const subjects, places, events = 20_000, 2_000, 200_000
	for b.Loop() {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		f := NewFSM(0)
		base := time.Date(2022, 1, 4, 0, 0, 0, 0, utc8)
		var index uint64
		for i := 0; i < events; i += 5000 {
			var cmd RecordsCommand
			for j := i; j < i+5000; j++ {
				s := fmt.Sprintf("%064x", j%subjects)
				cmd.Events = append(cmd.Events, schema.Event{Subject: s, Region: "610100", Kind: schema.KindVenueScan,
					Place: schema.Place{ID: fmt.Sprintf("610113-V-%06d", j%places), Region: "610113001"},
					Start: base.Add(time.Duration(j) * 7 * time.Second), End: base.Add(time.Duration(j)*7*time.Second + 40*time.Minute),
					Source: schema.Source{System: "xa-ymt", RecordID: fmt.Sprintf("r%09d", j)}})
				if j < subjects {
					cmd.Statuses = append(cmd.Statuses, schema.Status{Subject: s, Region: "610100", Color: schema.Green, Reasons: []string{schema.ReasonNATNegative48h},
						IssuedAt: base, ValidUntil: base.Add(48 * time.Hour), Source: schema.Source{System: "xa-ymt", RecordID: fmt.Sprintf("s%09d", j)}})
				}
			}
			enc, _ := cmd.Encode()
			index++
			f.Apply(index, base, [][]byte{enc})
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/events, "heap-bytes/event")
		runtime.KeepAlive(f)
	}
}
