package adapters

import (
	"fmt"
	"sort"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]Adapter{}
)

// Register adds an adapter. It is called from init(); a duplicate or empty ID
// is a programming error and panics.
func Register(a Adapter) {
	registryMu.Lock()
	defer registryMu.Unlock()
	id := a.ID()
	if id == "" {
		panic("adapters: Register with empty ID")
	}
	if _, dup := registry[id]; dup {
		panic(fmt.Sprintf("adapters: Register called twice for %q", id))
	}
	registry[id] = a
}

// Lookup returns the adapter registered under id.
func Lookup(id string) (Adapter, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	a, ok := registry[id]
	return a, ok
}

// All returns every registered adapter sorted by ID.
func All() []Adapter {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Adapter, 0, len(registry))
	for _, a := range registry {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID() < out[j].ID() })
	return out
}
