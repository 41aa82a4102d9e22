package adapters

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/codefed/codefed/schema"
)

// Builder assembles a Result one native record at a time, so that every
// adapter gives the same guarantees: a record is kept or rejected whole,
// every kept record is schema-valid, and a rejection names the record and
// the field.
//
//	b := adapters.NewBuilder(region, batchID)
//	for i, rec := range native {
//		r := b.Record(i, rec.ID)
//		subject, err := opts.Subjects.Subject(schema.DocResidentID, rec.IDNumber)
//		if err != nil {
//			r.Reject("zjhm", err)
//			continue
//		}
//		r.AddStatus(schema.Status{...})
//		r.Commit()
//	}
//	return b.Result(), nil
type Builder struct {
	res Result
}

// NewBuilder starts a batch for region (GB/T 2260) with the given batch ID.
func NewBuilder(region, batchID string) *Builder {
	return &Builder{res: Result{Batch: schema.Batch{
		Schema:   schema.Version,
		Region:   region,
		BatchID:  batchID,
		Statuses: []schema.Status{},
		Events:   []schema.Event{},
	}}}
}

// SetRegion changes the batch region, for formats that declare it in a header.
func (b *Builder) SetRegion(region string) { b.res.Batch.Region = region }

// SetBatchID changes the batch ID, for formats that carry their own.
func (b *Builder) SetBatchID(id string) { b.res.Batch.BatchID = id }

// Record starts native record index (0-based, payload order); ref is the
// record's own identifier, if it has one, used in error messages.
func (b *Builder) Record(index int, ref string) *Record {
	return &Record{b: b, index: index, ref: ref}
}

// Warn records a problem that did not cost a record.
func (b *Builder) Warn(index int, ref, field string, err error) {
	b.res.Warnings = append(b.res.Warnings, RecordError{Index: index, Ref: ref, Field: field, Err: err})
}

// Reject records a native record that could not be decoded at all.
func (b *Builder) Reject(index int, ref, field string, err error) {
	b.res.Rejected = append(b.res.Rejected, RecordError{Index: index, Ref: ref, Field: field, Err: err})
}

// Result returns what was built. The Builder must not be used afterwards.
func (b *Builder) Result() *Result {
	r := b.res
	return &r
}

// Record collects the v1 records one native record produces.
type Record struct {
	b         *Builder
	index     int
	ref       string
	statuses  []schema.Status
	events    []schema.Event
	riskAreas []schema.RiskArea
	done      bool
}

// AddStatus adds a status to the record. A nil Reasons becomes an empty
// list, which is what v1 requires when a region gives no reason.
func (r *Record) AddStatus(s schema.Status) {
	if s.Reasons == nil {
		s.Reasons = []string{}
	}
	r.statuses = append(r.statuses, s)
}

// AddEvent adds an event to the record.
func (r *Record) AddEvent(e schema.Event) { r.events = append(r.events, e) }

// AddRiskArea adds a risk area to the record.
func (r *Record) AddRiskArea(a schema.RiskArea) { r.riskAreas = append(r.riskAreas, a) }

// Reject drops the record; field names the native field at fault.
func (r *Record) Reject(field string, err error) {
	if r.done {
		return
	}
	r.done = true
	r.b.Reject(r.index, r.ref, field, err)
}

// RejectStage drops the record, naming the decoding stage that failed.
func (r *Record) RejectStage(stage, field string, err error) {
	if r.done {
		return
	}
	r.done = true
	r.b.res.Rejected = append(r.b.res.Rejected, RecordError{Index: r.index, Ref: r.ref, Stage: stage, Field: field, Err: err})
}

// Commit validates every v1 record against the schema and keeps them all,
// or rejects the native record naming the first invalid v1 field. It
// reports whether the record was kept.
func (r *Record) Commit() bool {
	if r.done {
		return false
	}
	r.done = true
	for i := range r.statuses {
		if err := schema.ValidateStatus(&r.statuses[i]); err != nil {
			r.rejectInvalid("status", err)
			return false
		}
	}
	for i := range r.events {
		if err := schema.ValidateEvent(&r.events[i]); err != nil {
			r.rejectInvalid(fmt.Sprintf("event[%d]", i), err)
			return false
		}
	}
	for i := range r.riskAreas {
		if err := schema.ValidateRiskArea(&r.riskAreas[i]); err != nil {
			r.rejectInvalid(fmt.Sprintf("risk_area[%d]", i), err)
			return false
		}
	}
	res := &r.b.res
	res.Batch.Statuses = append(res.Batch.Statuses, r.statuses...)
	res.Batch.Events = append(res.Batch.Events, r.events...)
	res.Batch.RiskAreas = append(res.Batch.RiskAreas, r.riskAreas...)
	return true
}

func (r *Record) rejectInvalid(what string, err error) {
	field, msg := what, err.Error()
	var ve *schema.ValidationError
	if errors.As(err, &ve) && len(ve.Fields) > 0 {
		if f := ve.Fields[0].Field; f != "" {
			field += "." + f
		}
		msg = ve.Fields[0].Message
		for _, more := range ve.Fields[1:] {
			msg += "; " + more.Error()
		}
	}
	r.b.res.Rejected = append(r.b.res.Rejected, RecordError{
		Index: r.index, Ref: r.ref, Stage: "schema", Field: field, Err: errors.New(msg),
	})
}

// MaxBatchID is the longest batch ID, in bytes, schema v1 accepts.
const MaxBatchID = 128

// PayloadBatchID derives a stable batch ID from the payload bytes, for
// formats that carry none: the format ID and the first 16 hex digits of the
// payload's SHA-256.
func PayloadBatchID(format string, raw []byte) string {
	sum := sha256.Sum256(raw)
	return format + "-" + hex.EncodeToString(sum[:8])
}
