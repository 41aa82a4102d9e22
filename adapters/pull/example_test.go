package pull_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/codefed/codefed/adapters"
	"github.com/codefed/codefed/adapters/pull"
	"github.com/codefed/codefed/adapters/shaanxi"
	"github.com/codefed/codefed/schema"
)

// store keeps the committed cursor of each feed; a hub commits the page's
// records and the cursor in one replicated command instead.
type store struct {
	mu      sync.Mutex
	cursors map[string]string
}

func (s *store) Cursor(_ context.Context, feed string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursors[feed], nil
}

func (s *store) Deliver(_ context.Context, feed string, page *pull.Page) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cursors[feed] != page.Cursor {
		return pull.ErrStaleCursor // delivered before: change nothing
	}
	s.cursors[feed] = page.Next
	return nil
}

func Example() {
	// A region serving its three persons in one page.
	people := shaanxi.Adapter{}.Sample(1, 3, time.Date(2022, 3, 1, 0, 0, 0, 0, adapters.Beijing), 24*time.Hour)
	region := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer region-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := shaanxi.Adapter{}.Encode(people, adapters.EncodeOptions{})
		w.Header().Set("Codefed-Next-Cursor", "p3")
		w.Header().Set("Codefed-Records", "3")
		w.Header().Set("Codefed-Feed-End", "true")
		w.Write(body)
	}))
	defer region.Close()

	spec, err := pull.ParseSpec("shaanxi=" + region.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	key := make([]byte, 32)
	rand.Read(key)
	subjects, _ := schema.NewPseudonymizer(key)
	p, err := pull.New(pull.Config{
		Format: spec.Format,
		URL:    spec.URL,
		Token:  "region-token", // in an agent: pull.Token(tokenFile)
		Decode: adapters.DecodeOptions{Subjects: subjects},
		Store:  &store{cursors: map[string]string{}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Run(ctx) loops Step until ctx ends; one Step is one page.
	page, err := p.Step(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d persons, %d statuses, next cursor %s, end %v\n",
		page.Persons, len(page.Result.Batch.Statuses), page.Next, page.End)
	// Output:
	// 3 persons, 3 statuses, next cursor p3, end true
}
