package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/mobilenet-go/mobilenet/vision"
)

// Server serves the models of a Config over HTTP. Its Handler may be mounted on any http.Server;
// ListenAndServe and Serve run one of their own and drain it when their context ends.
type Server struct {
	cfg          Config
	limits       vision.Limits
	pool         *pool
	large        chan struct{} // one token: the large image being decoded and run
	work         context.Context
	cancelWork   context.CancelFunc // cancels every inference in flight, at the end of a drain
	metrics      *metrics
	handler      http.Handler
	modelsResult ModelsResult
	draining     atomic.Bool
	inferring    atomic.Int64 // inference requests in their handlers, body read included
	closeOnce    sync.Once
}

// New checks cfg, starts the inference workers and returns the Server. Call Close (or let Serve
// return) to stop the workers.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, metrics: newMetrics(cfg.Concurrency, cfg.Queue), large: make(chan struct{}, 1),
		limits: vision.Limits{MaxPixels: cfg.MaxPixels, MaxProgressivePixels: cfg.MaxProgressivePixels}}
	s.work, s.cancelWork = context.WithCancel(context.Background())
	info, err := describe("classifier", cfg.Classifier)
	if err != nil {
		return nil, err
	}
	s.modelsResult.Models = append(s.modelsResult.Models, info)
	if cfg.Detector != nil {
		if info, err = describe("detector", cfg.Detector); err != nil {
			return nil, err
		}
		s.modelsResult.Models = append(s.modelsResult.Models, info)
	}
	if cfg.Segmenter != nil {
		if info, err = describe("segmenter", cfg.Segmenter); err != nil {
			return nil, err
		}
		s.modelsResult.Models = append(s.modelsResult.Models, info)
	}
	s.pool = newPool(cfg.Concurrency, cfg.Queue)
	s.pool.onQueue = func(n int64) { s.metrics.queued.Set(float64(n)) }
	s.pool.onRun = func(n int64) { s.metrics.running.Set(float64(n)) }
	s.pool.onStart = func(d time.Duration) { s.metrics.queueWait.Observe(d.Seconds()) }
	s.handler = s.routes()
	return s, nil
}

// Config returns the Server's configuration with its defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler returns the HTTP handler of every endpoint.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry returns the Prometheus registry that /metrics serves.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// Close marks the server as draining (/readyz answers 503, new inferences 503), lets the workers
// finish the queued and running inferences and stops them. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.draining.Store(true)
		s.pool.close()
	})
}

// ListenAndServe listens on Config.Addr and serves until ctx ends; see Serve.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	return s.Serve(ctx, ln)
}

// drainGrace is how long, after Config.DrainTimeout, the cancelled requests have to write their
// answers, and the workers to stop, before Serve closes the connections and returns.
const drainGrace = 400 * time.Millisecond

// Serve serves on ln until ctx ends, then drains: /readyz answers 503, the listener closes, the
// requests in flight finish within Config.DrainTimeout. Past it, their work is cancelled and they are
// answered 503 (waiting) or 504 (running); Serve closes the connections left and returns within a
// second. It returns nil after a complete drain, or the error that stopped serving or cut the drain
// short. It closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		// Each inference request sets its own read deadline; these bound the other routes and a
		// handler that overstays its timeouts.
		ReadTimeout:  s.cfg.ReadHeaderTimeout + s.cfg.BodyTimeout,
		WriteTimeout: s.cfg.ReadHeaderTimeout + s.cfg.BodyTimeout + s.cfg.Timeout + 10*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.cfg.Logger.Info("serving", "addr", ln.Addr().String(), "workers", s.cfg.Concurrency, "queue", s.cfg.Queue)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.draining.Store(true)
	s.cfg.Logger.Info("draining", "timeout", s.cfg.DrainTimeout)
	deadline := time.Now().Add(s.cfg.DrainTimeout)
	sctx, cancel := context.WithDeadline(context.Background(), deadline)
	shutErr := hs.Shutdown(sctx)
	cancel()
	if shutErr != nil {
		shutErr = nil
		if n := s.inferring.Load(); n > 0 {
			s.cfg.Logger.Warn("drain timeout: cancelling the requests in flight", "requests", n)
			shutErr = fmt.Errorf("%d requests in flight cancelled after %v", n, s.cfg.DrainTimeout)
		}
		s.cancelWork()
		// The cancelled requests answer within moments; then the connections left are closed.
		for s.inferring.Load() > 0 && time.Now().Before(deadline.Add(drainGrace/2)) {
			time.Sleep(5 * time.Millisecond)
		}
		hs.Close()
	}
	if serveErr == nil {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			serveErr = err
		}
	}
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
		s.cfg.Logger.Info("stopped")
	case <-time.After(time.Until(deadline.Add(drainGrace))):
		s.cfg.Logger.Warn("stopped with inferences still running")
	}
	switch {
	case serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed):
		return fmt.Errorf("serve: %w", serveErr)
	case shutErr != nil:
		return fmt.Errorf("serve: drain: %w", shutErr)
	}
	return nil
}

// route is one endpoint: its path, the methods it answers and its handler.
type route struct {
	path    string
	methods []string
	h       http.Handler
}

// router dispatches on the exact path, answering 405 with Allow for a wrong method and a JSON 404 for
// an unknown path.
type router struct {
	routes   map[string]route
	notFound http.Handler
}

func (s *Server) routes() http.Handler {
	get := []string{http.MethodGet, http.MethodHead}
	post := []string{http.MethodPost}
	rt := &router{routes: map[string]route{}}
	for _, r := range []route{
		{"/", get, http.HandlerFunc(servePage)},
		{"/v1/classify", post, http.HandlerFunc(s.classify)},
		{"/v1/detect", post, http.HandlerFunc(s.detect)},
		{"/v1/segment", post, http.HandlerFunc(s.segment)},
		{"/v1/models", get, http.HandlerFunc(s.models)},
		{"/healthz", get, http.HandlerFunc(s.healthz)},
		{"/readyz", get, http.HandlerFunc(s.readyz)},
		{"/metrics", get, s.metrics.handler()},
	} {
		r.h = s.metrics.instrument(r.path, methods(r.methods, r.h))
		rt.routes[r.path] = r
	}
	rt.notFound = s.metrics.instrument("other", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, "serve: no route %s", r.URL.Path))
	}))
	return rt
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if route, ok := rt.routes[r.URL.Path]; ok {
		route.h.ServeHTTP(w, r)
		return
	}
	rt.notFound.ServeHTTP(w, r)
}

// methods answers 405 with Allow to requests whose method is not in allowed.
func methods(allowed []string, h http.Handler) http.Handler {
	allow := strings.Join(allowed, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range allowed {
			if r.Method == m {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", allow)
		writeError(w, errorf(http.StatusMethodNotAllowed, "serve: method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, allow))
	})
}
