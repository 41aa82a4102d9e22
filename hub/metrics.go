package hub

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the node's Prometheus series, all prefixed codefed_. Labels
// never carry subjects, document numbers or anything personal.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	applied  *prometheus.CounterVec
	rejected *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, fsm *FSM) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codefed_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "codefed_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codefed_records_applied_total", Help: "Records that changed the state, through this node's API.",
		}, []string{"kind"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "codefed_records_rejected_total", Help: "Records rejected and quarantined, by format.",
		}, []string{"format"}),
	}
	reg.MustRegister(m.requests, m.duration, m.applied, m.rejected)
	gauge := func(name, help, key string) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help},
			func() float64 { return float64(fsm.Counts()[key]) }))
	}
	gauge("codefed_state_subjects", "Subjects in the state.", "subjects")
	gauge("codefed_state_statuses", "Regional statuses in the state.", "statuses")
	gauge("codefed_state_events", "Events in the state.", "events")
	gauge("codefed_state_places", "Places in the state.", "places")
	gauge("codefed_state_risk_areas", "Risk areas in the state.", "risk_areas")
	gauge("codefed_state_quarantine", "Quarantined records in the state.", "quarantine")
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "codefed_state_applied_index", Help: "Last raft log index applied to the state.",
	}, func() float64 { return float64(fsm.AppliedIndex()) }))
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) handler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streaming answers through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (m *metrics) instrument(route string, h http.HandlerFunc) http.Handler {
	obs := m.duration.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h(rec, r)
		obs.Observe(time.Since(start).Seconds())
		m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
	})
}
