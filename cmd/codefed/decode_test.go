package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/codefed/codefed/schema"
)

// run executes the codefed command line in-process.
func run(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	root := newRoot()
	var out, errb bytes.Buffer
	root.SetArgs(args)
	root.SetIn(strings.NewReader(stdin))
	root.SetOut(&out)
	root.SetErr(&errb)
	if err := root.Execute(); err != nil {
		if err != errReported {
			errb.WriteString("codefed: " + err.Error() + "\n")
		}
		return out.String(), errb.String(), exitCode(err)
	}
	return out.String(), errb.String(), 0
}

func TestDecodeNamesTheFailedStage(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "testdata", "eu-dcc", "common")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("EU DCC test vectors missing in CI: %v", err)
		}
		t.Skipf("EU DCC test vectors not found at %s", dir)
	}
	cases := map[string]string{"CO1": "", "CO5": "signature", "CO8": "key-usage", "CO17": "expired", "Z1": "zlib", "B1": "base45", "H1": "prefix", "DGC1": "schema"}
	for name, stage := range cases {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			var v struct {
				Prefix  string `json:"PREFIX"`
				TestCtx struct {
					Certificate     string `json:"CERTIFICATE"`
					ValidationClock string `json:"VALIDATIONCLOCK"`
				} `json:"TESTCTX"`
			}
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			trust := filepath.Join(t.TempDir(), "trust.txt")
			os.WriteFile(trust, []byte(v.TestCtx.Certificate+"\n"), 0o600)
			stdout, stderr, code := run(t, v.Prefix, "decode", "--format", "eu-dcc", "--trust", trust, "--at", v.TestCtx.ValidationClock)
			if stage == "" {
				var batch schema.Batch
				if code != 0 || json.Unmarshal([]byte(stdout), &batch) != nil || len(batch.Statuses) != 1 {
					t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
				}
				return
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 1 || len(lines) != 1 || !strings.Contains(lines[0], ": "+stage+": ") {
				t.Fatalf("exit %d, stderr %q, want one line naming stage %s", code, stderr, stage)
			}
		})
	}
}

func TestDecodeUsageErrors(t *testing.T) {
	if _, stderr, code := run(t, "", "decode", "--format", "nope"); code != 2 || !strings.Contains(stderr, "unknown format") {
		t.Fatalf("unknown format: exit %d %q", code, stderr)
	}
	if _, stderr, code := run(t, "", "decode", "--format", "eu-dcc", "--at", "yesterday"); code != 2 || !strings.Contains(stderr, "--at") {
		t.Fatalf("bad --at: exit %d %q", code, stderr)
	}
}

func TestAdaptersListsEveryFormat(t *testing.T) {
	stdout, _, code := run(t, "", "adapters")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, id := range []string{"eu-dcc", "carrier", "tianjin", "macau", "shandong", "hainan"} {
		if !strings.Contains(stdout, id) {
			t.Errorf("adapters output lacks %s:\n%s", id, stdout)
		}
	}
}

func TestParseBytes(t *testing.T) {
	for in, want := range map[string]int64{"1GiB": 1 << 30, "900MiB": 900 << 20, "512KiB": 512 << 10, "4096": 4096, "10B": 10} {
		if got, err := parseBytes(in); err != nil || got != want {
			t.Errorf("parseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1GB", "-1MiB", "lots", "0"} {
		if _, err := parseBytes(bad); err == nil {
			t.Errorf("parseBytes(%q) accepted", bad)
		}
	}
}
