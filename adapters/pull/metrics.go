package pull

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are one feed's series. The collectors are labelled by feed and
// shared by every Puller registered on the same Registerer.
type metrics struct {
	pages, persons, records, rejected, retries prometheus.Counter
	errors                                     *prometheus.CounterVec // by kind, curried with the feed
	breaker, lastSuccess                       prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, feed string) (*metrics, error) {
	var errs []error
	opts := func(name, help string) prometheus.Opts {
		return prometheus.Opts{Namespace: "codefed", Subsystem: "pull", Name: name, Help: help}
	}
	counter := func(name, help string) prometheus.Counter {
		v, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts(opts(name, help)), []string{"feed"}))
		errs = append(errs, err)
		return v.WithLabelValues(feed)
	}
	gauge := func(name, help string) prometheus.Gauge {
		v, err := register(reg, prometheus.NewGaugeVec(prometheus.GaugeOpts(opts(name, help)), []string{"feed"}))
		errs = append(errs, err)
		return v.WithLabelValues(feed)
	}
	m := &metrics{
		pages:       counter("pages_total", "Feed pages delivered to the store."),
		persons:     counter("persons_total", "Persons in delivered pages, as the region counted them (Codefed-Records)."),
		records:     counter("records_total", "Accepted v1 records (statuses, events, risk areas) in delivered pages."),
		rejected:    counter("rejected_records_total", "Native records rejected by the adapter in delivered pages, passed on for quarantine."),
		retries:     counter("retries_total", "HTTP requests to the feed repeated after a transport error, a timeout, a 5xx or a 429."),
		breaker:     gauge("breaker_state", "State of the feed's circuit breaker: 0 closed, 1 half-open, 2 open."),
		lastSuccess: gauge("last_success_timestamp_seconds", "Unix time of the last page delivered or of the last poll that found the feed at its end."),
	}
	ev, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts(opts("errors_total",
		"Failed steps by kind: transport, throttled, server, client, breaker_open, protocol, decode, store, stale_cursor.")),
		[]string{"feed", "kind"}))
	errs = append(errs, err)
	m.errors = ev.MustCurryWith(prometheus.Labels{"feed": feed})
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("register pull metrics: %w", err)
	}
	return m, nil
}

// register registers c, or returns the collector already registered under
// the same description, so that several pullers (or a puller restarted
// when leadership comes back) share one set of series.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
	}
	return c, err
}
