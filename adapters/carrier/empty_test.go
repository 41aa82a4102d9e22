package carrier

import (
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/adaptertest"
)

func TestEncodeEmpty(t *testing.T) {
	at := time.Date(2022, 3, 15, 0, 0, 0, 0, adapters.Beijing)
	raw, err := Adapter{}.EncodeEmpty(receiving, adapters.EncodeOptions{At: at})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Adapter{}.Decode(raw, adapters.DecodeOptions{Subjects: adaptertest.Subjects(t)})
	if err != nil {
		t.Fatalf("decode the empty export: %v", err)
	}
	if b := res.Batch; b.Region != receiving || len(b.Statuses)+len(b.Events) != 0 || len(res.Rejected) != 0 {
		t.Errorf("empty export decoded to region %s, %d statuses, %d events, %d rejected; want %s and nothing",
			b.Region, len(b.Statuses), len(b.Events), len(res.Rejected), receiving)
	}
	if !strings.Contains(res.Batch.BatchID, "20220315000000") {
		t.Errorf("batch ID %q does not carry the export time", res.Batch.BatchID)
	}
	for _, bad := range []string{"", "610100", "61"} {
		if _, err := (Adapter{}).EncodeEmpty(bad, adapters.EncodeOptions{At: at}); err == nil {
			t.Errorf("EncodeEmpty(%q) succeeded, want an error: not a province code", bad)
		}
	}
	if _, err := (Adapter{}).EncodeEmpty(receiving, adapters.EncodeOptions{}); err == nil {
		t.Error("EncodeEmpty without a time succeeded")
	}
}
