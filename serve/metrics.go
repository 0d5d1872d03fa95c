package serve

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the Server's Prometheus series, in a registry of its own.
type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec   // route, code
	latency    *prometheus.HistogramVec // route
	inFlight   prometheus.Gauge
	inference  *prometheus.HistogramVec // task
	queueWait  prometheus.Histogram
	running    prometheus.Gauge
	queued     prometheus.Gauge
	rejections *prometheus.CounterVec // reason
}

// Rejection reasons, the values of the reason label of mobilenet_rejections_total.
const (
	reasonQueueFull    = "queue_full"
	reasonQueueTimeout = "queue_timeout"
	reasonRunTimeout   = "inference_timeout"
	reasonShutdown     = "shutting_down"
)

// newMetrics registers the series, and the Go and process collectors, in a new registry.
func newMetrics(workers, queue int) *metrics {
	secs := prometheus.ExponentialBuckets(0.005, 2, 14) // 5 ms to 41 s
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mobilenet_http_requests_total", Help: "HTTP requests answered, by route and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mobilenet_http_request_duration_seconds", Help: "Time from a request's headers to its last byte, by route.",
			Buckets: secs,
		}, []string{"route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mobilenet_http_in_flight_requests", Help: "HTTP requests being served.",
		}),
		inference: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "mobilenet_inference_duration_seconds", Help: "Time a worker spends on one image (decode, model, encoding a drawn image), by task.",
			Buckets: secs,
		}, []string{"task"}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "mobilenet_queue_wait_seconds", Help: "Time a job waits in the queue before a worker takes it.",
			Buckets: secs,
		}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mobilenet_inference_in_flight", Help: "Inferences being run by the workers.",
		}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "mobilenet_queue_length", Help: "Admitted requests not yet taken by a worker (uploading or waiting).",
		}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "mobilenet_rejections_total", Help: "Requests refused for load or time: queue_full, queue_timeout, inference_timeout, shutting_down.",
		}, []string{"reason"}),
	}
	workersGauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "mobilenet_pool_workers", Help: "Inference workers."})
	workersGauge.Set(float64(workers))
	queueGauge := prometheus.NewGauge(prometheus.GaugeOpts{Name: "mobilenet_queue_capacity", Help: "Queue slots beside the workers."})
	queueGauge.Set(float64(queue))
	for _, r := range []string{reasonQueueFull, reasonQueueTimeout, reasonRunTimeout, reasonShutdown} {
		m.rejections.WithLabelValues(r)
	}
	m.reg.MustRegister(m.requests, m.latency, m.inFlight, m.inference, m.queueWait, m.running, m.queued,
		m.rejections, workersGauge, queueGauge,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry in the Prometheus text format.
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// instrument wraps h to count, time and track the requests of one route.
func (m *metrics) instrument(route string, h http.Handler) http.Handler {
	latency := m.latency.WithLabelValues(route)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inFlight.Dec()
			latency.Observe(time.Since(start).Seconds())
			m.requests.WithLabelValues(route, strconv.Itoa(sw.code())).Inc()
		}()
		h.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status code written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code returns the status sent, 200 when the handler wrote nothing.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
