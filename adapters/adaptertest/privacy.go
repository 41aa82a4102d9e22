package adaptertest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/codefed/codefed/adapters"
)

// MessagesCarryNoPersonalData fails if a rejection or warning from decoding
// a golden input in dir repeats a value that personal finds in the input:
// its document numbers and names, as the format writes them. Inputs that do
// not decode are passed over.
func MessagesCarryNoPersonalData(t *testing.T, a adapters.Adapter, dir string, personal func(raw []byte) []string) {
	t.Helper()
	inputs, _ := filepath.Glob(filepath.Join(dir, "*.in"))
	for _, in := range inputs {
		raw, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		res, err := a.Decode(raw, adapters.DecodeOptions{Subjects: Subjects(t)})
		if err != nil {
			continue
		}
		for _, p := range personal(raw) {
			if p == "" {
				continue
			}
			for _, e := range slices.Concat(res.Rejected, res.Warnings) {
				if strings.Contains(e.Error(), p) {
					t.Errorf("%s: message %q carries personal data", in, e)
				}
			}
		}
	}
}

// PersonalInJSON finds the personal values of a JSON export whose records
// are the array under list: each record's document number under doc, as
// text whatever its JSON type, and name under name.
func PersonalInJSON(list, doc, name string) func(raw []byte) []string {
	return func(raw []byte) []string {
		var ex map[string]json.RawMessage
		var records []json.RawMessage
		if json.Unmarshal(raw, &ex) != nil || json.Unmarshal(ex[list], &records) != nil {
			return nil
		}
		var personal []string
		for _, rec := range records {
			var r map[string]json.RawMessage
			if json.Unmarshal(rec, &r) != nil {
				continue
			}
			var d any
			var n string
			if json.Unmarshal(r[doc], &d) == nil && d != nil {
				personal = append(personal, fmt.Sprint(d))
			}
			if json.Unmarshal(r[name], &n) == nil {
				personal = append(personal, n)
			}
		}
		return personal
	}
}
