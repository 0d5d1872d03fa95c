package serve

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/vision"
)

// Defaults of the Config fields left zero.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultMaxBody           = 10_000_000 // bytes
	DefaultTimeout           = 10 * time.Second
	DefaultBodyTimeout       = 10 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultLargePixels is the size above which images are decoded one at a time: 16 M pixels, above
	// any phone camera's photo.
	DefaultLargePixels = 16_000_000
	DefaultTop         = 5
	// MinDefaultQueue is the smallest default queue: enough that 16 clients of a 2-worker server
	// wait rather than being refused.
	MinDefaultQueue = 32
)

// Config sets up a Server. Zero fields take the defaults named on them.
type Config struct {
	// Classifier answers /v1/classify; required, and not a detector.
	Classifier *mobilenet.Model
	// Detector answers /v1/detect; nil answers it with 404.
	Detector *mobilenet.Model
	// Segmenter answers /v1/segment; nil answers it with 404.
	Segmenter *mobilenet.Model
	// Addr is where ListenAndServe listens (DefaultAddr).
	Addr string
	// MaxBody is the largest request body in bytes; more is refused with 413 (DefaultMaxBody).
	MaxBody int64
	// MaxPixels is the largest image in pixels, as its header claims; more is refused with 422
	// before decoding (mobilenet.DefaultMaxPixels).
	MaxPixels int64
	// MaxProgressivePixels is the largest progressive JPEG in pixels, refused with 422 from its header
	// (vision.DefaultMaxProgressivePixels): Go's decoder holds every DCT coefficient of such an image.
	MaxProgressivePixels int64
	// LargePixels is the size in pixels above which an image is large: large images are decoded and
	// run one at a time, each waiting within its Timeout for the one before and then as long again
	// (its memory goes back to the system meanwhile), so that a stream of them takes at most half of
	// one worker's time and one decoded image's memory (DefaultLargePixels).
	LargePixels int64
	// Concurrency is the number of inference workers (runtime.NumCPU()).
	Concurrency int
	// Queue is the number of admitted requests that may wait for a worker beyond those running:
	// 0 takes max(MinDefaultQueue, 2×Concurrency), a negative value means none.
	Queue int
	// BodyTimeout bounds reading a request's body, from its headers on (DefaultBodyTimeout). The body is
	// read before the request takes a place in the queue, so slow uploads hold no worker.
	BodyTimeout time.Duration
	// Timeout bounds each request once its body has arrived: the wait for a worker and the inference,
	// cancelled when it runs out (DefaultTimeout).
	Timeout time.Duration
	// ReadHeaderTimeout bounds reading a request's headers (DefaultReadHeaderTimeout).
	ReadHeaderTimeout time.Duration
	// DrainTimeout bounds how long Serve waits for the requests in flight once its context ends; then
	// their work is cancelled, they are answered 503 or 504, and Serve returns within a second
	// (Timeout + 5 s).
	DrainTimeout time.Duration
	// Logger receives the server's start, drain and failure messages; nil discards them.
	Logger *slog.Logger
}

// withDefaults checks c and fills in its zero fields.
func (c Config) withDefaults() (Config, error) {
	if c.Classifier == nil {
		return c, errors.New("serve: no classifier")
	}
	if c.Classifier.IsDetector() {
		return c, fmt.Errorf("serve: %s is a detector, not a classifier", c.Classifier.Name())
	}
	if c.Detector != nil && !c.Detector.IsDetector() {
		return c, fmt.Errorf("serve: %s is not a detector (it has no TFLite_Detection_PostProcess op)", c.Detector.Name())
	}
	if c.Segmenter != nil && !c.Segmenter.IsSegmenter() {
		return c, fmt.Errorf("serve: %s is not a segmentation model (one image input, one [1, H, W] class output from an ARG_MAX)", c.Segmenter.Name())
	}
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBody == 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxPixels == 0 {
		c.MaxPixels = mobilenet.DefaultMaxPixels
	}
	if c.MaxProgressivePixels == 0 {
		c.MaxProgressivePixels = vision.DefaultMaxProgressivePixels
	}
	if c.LargePixels == 0 {
		c.LargePixels = DefaultLargePixels
	}
	if c.Concurrency == 0 {
		c.Concurrency = runtime.NumCPU()
	}
	switch {
	case c.Queue == 0:
		c.Queue = max(MinDefaultQueue, 2*c.Concurrency)
	case c.Queue < 0:
		c.Queue = 0
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.BodyTimeout == 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.DrainTimeout == 0 {
		c.DrainTimeout = c.Timeout + 5*time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.MaxBody < 0:
		return c, fmt.Errorf("serve: max body %d bytes: want at least 1", c.MaxBody)
	case c.MaxPixels < 0:
		return c, fmt.Errorf("serve: max pixels %d: want at least 1", c.MaxPixels)
	case c.MaxProgressivePixels < 0:
		return c, fmt.Errorf("serve: max progressive pixels %d: want at least 1", c.MaxProgressivePixels)
	case c.LargePixels < 0:
		return c, fmt.Errorf("serve: large pixels %d: want at least 1", c.LargePixels)
	case c.Concurrency < 0 || c.Concurrency > 4096:
		return c, fmt.Errorf("serve: concurrency %d out of range: want 1 to 4096", c.Concurrency)
	case c.Queue > 1<<20:
		return c, fmt.Errorf("serve: queue %d out of range: want at most %d", c.Queue, 1<<20)
	case c.Timeout < 0 || c.BodyTimeout < 0 || c.ReadHeaderTimeout < 0 || c.DrainTimeout < 0:
		return c, errors.New("serve: negative timeout")
	}
	return c, nil
}
