package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/mobilenet-go/mobilenet"
)

// ClassifyResult is the answer of /v1/classify: one element of "mobilenet classify --json".
type ClassifyResult struct {
	Image       string                 `json:"image"`
	Predictions []mobilenet.Prediction `json:"predictions"`
}

// DetectResult is the answer of /v1/detect: one element of "mobilenet detect --json".
type DetectResult struct {
	Image      string                `json:"image"`
	Detections []mobilenet.Detection `json:"detections"`
}

// classify answers POST /v1/classify.
func (s *Server) classify(w http.ResponseWriter, r *http.Request) {
	top, err := intParam(r, "top", DefaultTop, 1, 1000)
	if err != nil {
		writeError(w, err)
		return
	}
	var preds []mobilenet.Prediction
	name, err := s.infer(w, r, "classify", func(ctx context.Context, img image.Image) (err error) {
		preds, err = s.cfg.Classifier.ClassifyContext(ctx, img, top)
		return err
	})
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, ClassifyResult{Image: name, Predictions: preds})
}

// detect answers POST /v1/detect.
func (s *Server) detect(w http.ResponseWriter, r *http.Request) {
	draw, err := boolParam(r, "draw")
	if err != nil {
		writeError(w, err)
		return
	}
	if s.cfg.Detector == nil {
		writeError(w, errorf(http.StatusNotFound, "serve: no detector is loaded"))
		return
	}
	var dets []mobilenet.Detection
	var drawn bytes.Buffer
	name, err := s.infer(w, r, "detect", func(ctx context.Context, img image.Image) (err error) {
		if dets, err = s.cfg.Detector.DetectContext(ctx, img); err != nil || !draw {
			return err
		}
		enc := png.Encoder{CompressionLevel: png.BestSpeed}
		return enc.Encode(&drawn, mobilenet.Draw(img, dets))
	})
	if err != nil {
		writeError(w, err)
		return
	}
	if draw {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Content-Length", strconv.Itoa(drawn.Len()))
		w.Write(drawn.Bytes())
		return
	}
	if dets == nil {
		dets = []mobilenet.Detection{}
	}
	writeJSON(w, http.StatusOK, DetectResult{Image: name, Detections: dets})
}

// infer reads the upload (within Config.BodyTimeout), checks its image header, takes an admission
// slot (after the large image before it, for a large one) and has a worker decode it and call work,
// within Config.Timeout from the end of the body. It returns the upload's name, or an httpError.
func (s *Server) infer(w http.ResponseWriter, r *http.Request, task string, work func(context.Context, image.Image) error) (string, error) {
	s.inferring.Add(1)
	defer s.inferring.Add(-1)
	// Only writers that cannot set deadlines (a test's recorder) refuse; the http.Server's own timeouts
	// hold there.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout))
	up, err := s.readUpload(w, r)
	if err != nil {
		return "", err
	}
	h, err := s.limits.Header(bytes.NewReader(up.data))
	if err != nil {
		return "", &httpError{status: imageStatus(err), msg: err.Error()}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Timeout)
	defer cancel()
	defer context.AfterFunc(s.work, cancel)()
	if h.Pixels() > s.cfg.LargePixels {
		select {
		case s.large <- struct{}{}:
			start := time.Now()
			defer func() { go s.endLarge(time.Since(start)) }()
		case <-ctx.Done():
			return "", s.refuse(s.cause(ctx, errQueueTimeout))
		}
	}
	t, err := s.pool.admit()
	if err != nil {
		return "", s.refuse(err)
	}
	defer t.release()
	var workErr error
	err = t.run(ctx, func() {
		start := time.Now()
		workErr = s.decodeAndRun(ctx, up.data, work)
		s.metrics.inference.WithLabelValues(task).Observe(time.Since(start).Seconds())
	})
	if err != nil {
		return "", s.refuse(s.cause(ctx, err))
	}
	if workErr != nil && ctx.Err() != nil {
		// The work gave up at a cancellation that came as the worker finished.
		return "", s.refuse(s.cause(ctx, errRunTimeout))
	}
	if workErr != nil {
		status := imageStatus(workErr)
		if status == http.StatusInternalServerError {
			s.cfg.Logger.Error("inference failed", "task", task, "image", up.name, "err", workErr)
		}
		return "", &httpError{status: status, msg: workErr.Error()}
	}
	return up.name, nil
}

// endLarge ends the turn of a large image that held the large-image lane for d: the memory of its
// decoded image goes back to the system now, rather than when the runtime gets to it, and the lane
// stays closed as long again, so that large images take at most half of one worker's time.
func (s *Server) endLarge(d time.Duration) {
	debug.FreeOSMemory()
	time.Sleep(d)
	<-s.large
}

// cause returns errPoolClosed when ctx ended because the server cancelled its work at the end of a
// drain, else err.
func (s *Server) cause(ctx context.Context, err error) error {
	if s.work.Err() != nil {
		return errPoolClosed
	}
	return err
}

// decodeAndRun decodes data, refusing it before decoding when its header is over the limits, and
// calls work on the image; a panic of the decoder or the model becomes an error. The decoder stops
// reading once ctx is done.
func (s *Server) decodeAndRun(ctx context.Context, data []byte, work func(context.Context, image.Image) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("serve: inference panicked: %v", p)
		}
	}()
	img, _, err := s.limits.Decode(&ctxReader{ctx: ctx, r: bytes.NewReader(data)})
	if err != nil {
		return err
	}
	return work(ctx, img)
}

// ctxReader reads from r until ctx is done, then fails with ctx.Err().
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// refuse turns an error of the pool into its response and counts it.
func (s *Server) refuse(err error) error {
	switch {
	case errors.Is(err, errPoolFull):
		s.metrics.rejections.WithLabelValues(reasonQueueFull).Inc()
		return &httpError{status: http.StatusServiceUnavailable, msg: err.Error(), retryAfter: s.pool.retryAfter()}
	case errors.Is(err, errQueueTimeout):
		s.metrics.rejections.WithLabelValues(reasonQueueTimeout).Inc()
		return &httpError{status: http.StatusServiceUnavailable, msg: fmt.Sprintf("%v (waited %v)", err, s.cfg.Timeout),
			retryAfter: s.pool.retryAfter()}
	case errors.Is(err, errRunTimeout):
		s.metrics.rejections.WithLabelValues(reasonRunTimeout).Inc()
		return &httpError{status: http.StatusGatewayTimeout, msg: fmt.Sprintf("%v (%v)", err, s.cfg.Timeout)}
	case errors.Is(err, errPoolClosed):
		s.metrics.rejections.WithLabelValues(reasonShutdown).Inc()
		return &httpError{status: http.StatusServiceUnavailable, msg: err.Error(), retryAfter: 1}
	}
	return err
}

// intParam reads the integer query parameter name, def when absent, refusing values outside [lo, hi].
func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errorf(http.StatusBadRequest, "serve: %s=%q: want an integer from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// boolParam reads the query parameter name: 1 or true, 0 or false, false when absent.
func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	default:
		return false, errorf(http.StatusBadRequest, "serve: %s=%q: want 1, true, 0 or false", name, v)
	}
}
