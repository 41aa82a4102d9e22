package adapters

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

type fake struct{ id string }

func (f fake) ID() string                                   { return f.id }
func (fake) Regions() []string                              { return []string{"610100"} }
func (fake) Description() string                            { return "test" }
func (fake) Decode([]byte, DecodeOptions) (*Result, error)  { return nil, errors.New("no") }
func (fake) Encode([]Person, EncodeOptions) ([]byte, error) { return nil, errors.New("no") }

// runs makes the IDs these tests register unique per run, so that
// `go test -count=N` does not meet the previous run's registrations in the
// process-wide registry.
var runs atomic.Int64

func testID(name string) string { return fmt.Sprintf("test-%s-%d", name, runs.Add(1)) }

func TestRegisterTwicePanics(t *testing.T) {
	id := testID("dup")
	Register(fake{id})
	defer func() {
		if recover() == nil {
			t.Fatal("second Register of the same ID did not panic")
		}
	}()
	Register(fake{id})
}

func TestLookupAndAllSorted(t *testing.T) {
	a, b := testID("a"), testID("b")
	Register(fake{b})
	Register(fake{a})
	if got, ok := Lookup(a); !ok || got.ID() != a {
		t.Fatalf("Lookup(%s) failed", a)
	}
	if _, ok := Lookup("nope"); ok {
		t.Fatal("Lookup of an unregistered ID succeeded")
	}
	all := All()
	for i := 1; i < len(all); i++ {
		if all[i-1].ID() >= all[i].ID() {
			t.Fatalf("All not sorted: %s before %s", all[i-1].ID(), all[i].ID())
		}
	}
}

const subj = "3f1c0a9b7e5d4c3b2a190817161514131211100f0e0d0c0b0a09080706050403"

func status(color string) schema.Status {
	return schema.Status{Subject: subj, Region: "610100", Color: color,
		IssuedAt: time.Date(2022, 1, 4, 9, 0, 0, 0, Beijing), Source: schema.Source{System: "t", RecordID: "1"}}
}

func TestBuilderKeepsOrRejectsWholeRecords(t *testing.T) {
	b := NewBuilder("610100", "b1")
	r := b.Record(0, "ok")
	r.AddStatus(status(schema.Green))
	if !r.Commit() {
		t.Fatal("valid record not kept")
	}
	// One invalid event costs the record its valid status too.
	r = b.Record(1, "bad-event")
	r.AddStatus(status(schema.Red))
	r.AddEvent(schema.Event{Subject: subj, Region: "610100", Kind: "teleport",
		Place: schema.Place{ID: "p", Region: "610100"}, Start: time.Date(2022, 1, 4, 9, 0, 0, 0, Beijing),
		Source: schema.Source{System: "t", RecordID: "2"}})
	if r.Commit() {
		t.Fatal("record with an invalid event kept")
	}
	r = b.Record(2, "native")
	r.Reject("zjhm", errors.New("invalid resident_id: check digit does not match"))
	r.AddStatus(status(schema.Green))
	if r.Commit() {
		t.Fatal("Commit after Reject kept the record")
	}
	res := b.Result()
	if len(res.Batch.Statuses) != 1 || res.Batch.Statuses[0].Color != schema.Green {
		t.Fatalf("kept statuses = %+v, want the one green", res.Batch.Statuses)
	}
	if res.Batch.Statuses[0].Reasons == nil {
		t.Fatal("nil reasons not normalised to an empty list")
	}
	if len(res.Rejected) != 2 {
		t.Fatalf("rejected = %v, want 2", res.Rejected)
	}
	e := res.Rejected[0]
	if e.Index != 1 || e.Ref != "bad-event" || e.Stage != "schema" || e.Field != "event[0].kind" {
		t.Fatalf("schema rejection = %+v", e)
	}
	if got := res.Rejected[1].Error(); got != "record 2 (native): field zjhm: invalid resident_id: check digit does not match" {
		t.Fatalf("native rejection message = %q", got)
	}
	if errs := schema.ValidateBatch(&res.Batch); errs != nil {
		t.Fatalf("built batch invalid: %v", errs)
	}
}

func TestPayloadBatchIDIsStable(t *testing.T) {
	a, b := PayloadBatchID("x", []byte("p")), PayloadBatchID("x", []byte("p"))
	if a != b || a == PayloadBatchID("x", []byte("q")) || !strings.HasPrefix(a, "x-") {
		t.Fatalf("PayloadBatchID unstable or colliding: %s %s", a, b)
	}
}

func TestParseCertificates(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dsc"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pemBlock := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	b64 := base64.StdEncoding.EncodeToString(der)
	for name, in := range map[string]string{
		"pem bundle":   string(pemBlock) + string(pemBlock),
		"base64 lines": "# trust list\n" + b64 + "\n\n" + b64 + "\n",
	} {
		certs, err := ParseCertificates([]byte(in))
		if err != nil || len(certs) != 2 {
			t.Fatalf("%s: %d certificates, %v", name, len(certs), err)
		}
	}
	if _, err := ParseCertificates([]byte("not a certificate\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("garbage accepted or error does not name the line: %v", err)
	}
}

func TestTimeHelpers(t *testing.T) {
	tm, err := ParseBeijing("2006-01-02 15:04:05", "2022-01-04 09:00:00")
	if err != nil || tm.Format(time.RFC3339) != "2022-01-04T09:00:00+08:00" {
		t.Fatalf("ParseBeijing = %v, %v", tm, err)
	}
	tm, err = ParseEpochMillis("1641258000000")
	if err != nil || tm.Format(time.RFC3339) != "2022-01-04T09:00:00+08:00" {
		t.Fatalf("ParseEpochMillis = %v, %v", tm, err)
	}
	if _, err := ParseRFC3339("2022-01-04T09:00:00"); err == nil {
		t.Fatal("zoneless time accepted as RFC 3339")
	}
}
