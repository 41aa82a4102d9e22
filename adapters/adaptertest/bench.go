package adaptertest

import (
	"testing"

	"github.com/codefed/codefed/adapters"
)

// BenchmarkDecode decodes raw, a payload of records native records, in a
// benchmark loop and reports the throughput in native records per second
// of wall-clock time and, where the platform can tell, per second of CPU
// time: on a shared machine the second says more about the code. It fails
// if anything in raw is rejected, and returns the result of a decode for
// further metrics.
func BenchmarkDecode(b *testing.B, a adapters.Adapter, raw []byte, records int) *adapters.Result {
	b.Helper()
	opts := adapters.DecodeOptions{Subjects: Subjects(b)}
	res, err := a.Decode(raw, opts)
	if err != nil {
		b.Fatalf("decode: %v", err)
	}
	if len(res.Rejected) > 0 {
		b.Fatalf("decode rejected %v", res.Rejected)
	}
	b.SetBytes(int64(len(raw)))
	cpu0, cpuOK := cpuTime()
	for b.Loop() {
		if _, err := a.Decode(raw, opts); err != nil {
			b.Fatal(err)
		}
	}
	n := float64(records * b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "records/s")
	if cpu1, ok := cpuTime(); ok && cpuOK && cpu1 > cpu0 {
		b.ReportMetric(n/(cpu1-cpu0).Seconds(), "records/cpu-s")
	}
	return res
}
