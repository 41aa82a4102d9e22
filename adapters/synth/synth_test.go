package synth

import (
	"strings"
	"testing"
	"time"

	"github.com/codefed/codefed/schema"
)

func TestSites(t *testing.T) {
	sites := []Site{
		{Kind: schema.KindVenueScan, Place: schema.Place{ID: "V1", Name: "venue", Region: "110105"}},
		{Kind: schema.KindCheckpoint, Place: schema.Place{ID: "C1", Name: "checkpoint", Region: "110228"}},
	}
	places := Places(sites)
	if len(places) != 2 || places[0].ID != "V1" || places[1].ID != "C1" {
		t.Fatalf("Places = %v", places)
	}
	people := People(1, 30, Options{Region: "110000", Places: places, EventKinds: []string{schema.KindVenueScan}})
	SetKinds(people, sites)
	var checks int
	for _, p := range people {
		for _, ev := range p.Events {
			want := schema.KindVenueScan
			if ev.Place.ID == "C1" {
				want = schema.KindCheckpoint
				checks++
			}
			if ev.Kind != want {
				t.Errorf("event at %s is a %s, want %s", ev.Place.ID, ev.Kind, want)
			}
		}
	}
	if checks == 0 {
		t.Error("no event at the checkpoint: the test proves nothing")
	}
}

func TestLatePermits(t *testing.T) {
	people := People(3, 40, Options{})
	LatePermits(people, 3, "M", 8, "GBR")
	for i, p := range people {
		var err error
		switch i % 20 {
		case 7:
			if p.DocType != schema.DocHomeReturnPermit || len(p.DocNumber) != 9 || !strings.HasPrefix(p.DocNumber, "M") {
				t.Errorf("person %d: %s %s, want a home return permit M and 8 digits", i, p.DocType, p.DocNumber)
			}
			_, err = schema.NormalizeDocument(p.DocType, p.DocNumber)
		case 13:
			if p.DocType != schema.DocForeignPermanentResident || len(p.DocNumber) != 15 || !strings.HasPrefix(p.DocNumber, "GBR") {
				t.Errorf("person %d: %s %s, want a foreign permanent resident ID GBR and 12 digits", i, p.DocType, p.DocNumber)
			}
			_, err = schema.NormalizeDocument(p.DocType, p.DocNumber)
		default:
			if p.DocType != schema.DocResidentID {
				t.Errorf("person %d: document type %s changed", i, p.DocType)
			}
		}
		if err != nil {
			t.Errorf("person %d: %v", i, err)
		}
	}
}

func TestDaysIn(t *testing.T) {
	for _, tt := range []struct {
		span time.Duration
		want int
	}{{0, 1}, {time.Hour, 1}, {36 * time.Hour, 1}, {13*24*time.Hour + 7*time.Hour, 13}} {
		if got := DaysIn(tt.span); got != tt.want {
			t.Errorf("DaysIn(%v) = %d, want %d", tt.span, got, tt.want)
		}
	}
}
