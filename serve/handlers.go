package serve

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"strconv"
	"time"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/vision"
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
	name, err := s.infer(w, r, "classify", func(img image.Image) (err error) {
		preds, err = s.cfg.Classifier.Classify(img, top)
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
	name, err := s.infer(w, r, "detect", func(img image.Image) (err error) {
		if dets, err = s.cfg.Detector.Detect(img); err != nil || !draw {
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

// infer takes an admission slot, reads the upload and has a worker decode it and call work, within
// the request's timeout. It returns the upload's name, or an httpError.
func (s *Server) infer(w http.ResponseWriter, r *http.Request, task string, work func(image.Image) error) (string, error) {
	deadline := time.Now().Add(s.cfg.Timeout)
	ctx, cancel := context.WithDeadline(r.Context(), deadline)
	defer cancel()
	// The body must arrive within the same deadline. Only writers that cannot set deadlines (a test's
	// recorder) refuse; the http.Server's own timeouts hold there.
	_ = http.NewResponseController(w).SetReadDeadline(deadline)
	t, err := s.pool.admit()
	if err != nil {
		return "", s.refuse(err)
	}
	defer t.release()
	up, err := s.readUpload(w, r)
	if err != nil {
		return "", err
	}
	var workErr error
	err = t.run(ctx, func() {
		start := time.Now()
		workErr = s.decodeAndRun(up.data, work)
		s.metrics.inference.WithLabelValues(task).Observe(time.Since(start).Seconds())
	})
	if err != nil {
		return "", s.refuse(err)
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

// decodeAndRun decodes data, refusing it before decoding when its header claims too many pixels, and
// calls work on the image; a panic of the decoder or the model becomes an error.
func (s *Server) decodeAndRun(data []byte, work func(image.Image) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("serve: inference panicked: %v", p)
		}
	}()
	img, _, err := vision.Decode(bytes.NewReader(data), s.cfg.MaxPixels)
	if err != nil {
		return err
	}
	return work(img)
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
