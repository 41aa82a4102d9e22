package adaptertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
)

// Sampling is an adapter that samples people for its own format.
type Sampling interface {
	adapters.Adapter
	adapters.Sampler
}

// SampleRoundTrips checks that a sampler feeds region simulators and the
// development cluster what they need, for several seeds and for windows
// that start on a whole second, inside one, and in another zone: 40 people
// whose statuses and events fall within the window, every one of which
// comes back from Encode and Decode, with no rejection and no warning.
// check, when not nil, looks further at the sampled people and what they
// decoded to.
func SampleRoundTrips(t *testing.T, a Sampling, check func(t *testing.T, people []adapters.Person, res *adapters.Result)) {
	t.Helper()
	const n, span = 40, 13 * 24 * time.Hour
	for _, start := range []time.Time{
		time.Date(2022, 1, 2, 12, 0, 0, 0, adapters.Beijing),
		time.Date(2022, 3, 1, 8, 0, 30, 250_500_000, adapters.Beijing),
		time.Date(2022, 11, 20, 23, 59, 59, 999_999_999, time.UTC),
	} {
		for _, seed := range []uint64{3, 7, 41} {
			t.Run(fmt.Sprint(seed, "-", start.Format(time.RFC3339Nano)), func(t *testing.T) {
				people := a.Sample(seed, n, start, span)
				if len(people) != n {
					t.Fatalf("%d people, want %d", len(people), n)
				}
				var statuses, events int
				for _, p := range people {
					for _, st := range p.Statuses {
						statuses++
						if st.IssuedAt.Before(start) || !st.IssuedAt.Before(start.Add(span)) {
							t.Errorf("status issued at %v, outside the window", st.IssuedAt)
						}
					}
					for _, ev := range p.Events {
						events++
						if ev.Start.Before(start) || !ev.Start.Before(start.Add(span)) {
							t.Errorf("event at %v, outside the window", ev.Start)
						}
					}
				}
				raw, err := a.Encode(people, adapters.EncodeOptions{At: start.Add(span)})
				if err != nil {
					t.Fatalf("encode: %v", err)
				}
				res := Decode(t, a, raw, adapters.DecodeOptions{})
				for _, r := range res.Rejected {
					t.Errorf("rejected: %v", r)
				}
				if len(res.Warnings) > 0 {
					t.Errorf("warnings: %v", res.Warnings)
				}
				if len(res.Batch.Statuses) != statuses || len(res.Batch.Events) != events || statuses == 0 {
					t.Fatalf("decoded %d statuses and %d events, sampled %d and %d", len(res.Batch.Statuses), len(res.Batch.Events), statuses, events)
				}
				if check != nil {
					check(t, people, res)
				}
			})
		}
	}
}

// Decode decodes raw, with opts.Subjects defaulting to Subjects(t), and
// fails the test if the payload as a whole cannot be read.
func Decode(t testing.TB, a adapters.Adapter, raw []byte, opts adapters.DecodeOptions) *adapters.Result {
	t.Helper()
	if opts.Subjects == nil {
		opts.Subjects = Subjects(t)
	}
	res, err := a.Decode(raw, opts)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res
}
