package all_test

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
	_ "github.com/codefed/codefed/adapters/all"
	"github.com/codefed/codefed/adapters/eudcc"
)

// TestEveryFormatSamplesEncodesAndDecodes checks, for every registered
// format, that its synthetic people (used by the dev cluster and the region
// simulators) encode and decode back without a rejected record.
func TestEveryFormatSamplesEncodesAndDecodes(t *testing.T) {
	now := time.Date(2022, 1, 15, 12, 0, 0, 0, adapters.Beijing)
	key, cert, err := eudcc.NewSigner("test DSC", "DE", now.AddDate(0, -1, 0), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(adapters.All()); n < 12 {
		t.Fatalf("%d formats registered, want 12", n)
	}
	for _, a := range adapters.All() {
		t.Run(a.ID(), func(t *testing.T) {
			s, ok := a.(adapters.Sampler)
			if !ok {
				t.Fatal("format does not implement adapters.Sampler")
			}
			people := s.Sample(3, 40, now.Add(-13*24*time.Hour), 13*24*time.Hour)
			if len(people) != 40 {
				t.Fatalf("%d people, want 40", len(people))
			}
			// Signed formats refuse certificates expired at the decode
			// clock; keep every status valid at now.
			for i := range people {
				for j := range people[i].Statuses {
					if st := &people[i].Statuses[j]; !st.ValidUntil.IsZero() && st.ValidUntil.Before(now) {
						st.ValidUntil = now.Add(24 * time.Hour)
					}
				}
			}
			raw, err := a.Encode(people, adapters.EncodeOptions{Signer: key, SignerCert: cert, At: now})
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			res, err := a.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t), At: now, Trust: []*x509.Certificate{cert}})
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			for _, r := range res.Rejected {
				t.Errorf("rejected: %v", r)
			}
			if len(res.Batch.Statuses)+len(res.Batch.Events) == 0 {
				t.Fatal("nothing decoded")
			}
		})
	}
}
