package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/serve"
)

func init() {
	c := &command{name: "serve", summary: "serve classification, detection and segmentation over HTTP, with Prometheus metrics and a web page",
		usage: "[--addr HOST:PORT] [--model M.tflite] [--detector D.tflite|none] [--segmenter S.tflite|none] [--max-body 10MB] [--max-pixels 100M] [--max-progressive-pixels 16M] [--large-pixels 16M] [--concurrency N] [--queue N] [--body-timeout 10s] [--timeout 10s] [--drain-timeout 15s]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		addr := fs.String("addr", serve.DefaultAddr, "address to listen on")
		model := fs.String("model", "", "a .tflite classifier (default: the built-in MobileNet V1 0.75/192 uint8)")
		detector := fs.String("detector", "", `a .tflite SSD detector (default: the built-in COCO SSD MobileNet V1 uint8); "none" answers /v1/detect with 404`)
		segmenter := fs.String("segmenter", "", `a .tflite segmentation model ending in ARG_MAX (default: the built-in DeepLab V3, PASCAL VOC); "none" answers /v1/segment with 404`)
		maxBody := fs.String("max-body", "10MB", "largest request body: bytes, or with a unit KB, MB, GB (powers of 1000) or KiB, MiB, GiB")
		maxPixels := fs.String("max-pixels", "100M", "largest image, in pixels as its header claims: a count, or with K, M, G (powers of 1000)")
		maxProgressive := fs.String("max-progressive-pixels", "16M", "largest progressive JPEG, in pixels as its header claims (its decoder holds 4 bytes per DCT coefficient)")
		large := fs.String("large-pixels", "16M", "images above this many pixels are decoded and run one at a time")
		concurrency := fs.Int("concurrency", runtime.NumCPU(), "inference workers")
		queue := fs.Int("queue", 0, "requests that may wait for a worker; 0: max(32, 2×concurrency), -1: none (refuse when every worker is busy)")
		bodyTimeout := fs.Duration("body-timeout", serve.DefaultBodyTimeout, "per-request limit on reading the body, before the request queues")
		timeout := fs.Duration("timeout", serve.DefaultTimeout, "per-request limit on waiting in the queue and inference, once the body has arrived")
		drainTimeout := fs.Duration("drain-timeout", 0, "on SIGTERM or interrupt, how long requests in flight may finish before they are cancelled (0: --timeout + 5s); the process exits within a second after")
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q", fs.Arg(0))
		}
		body, err := parseSize("--max-body", *maxBody, byteUnits)
		if err != nil {
			return err
		}
		pixels, err := parseSize("--max-pixels", *maxPixels, countUnits)
		if err != nil {
			return err
		}
		progressive, err := parseSize("--max-progressive-pixels", *maxProgressive, countUnits)
		if err != nil {
			return err
		}
		largePixels, err := parseSize("--large-pixels", *large, countUnits)
		if err != nil {
			return err
		}
		switch {
		case *concurrency < 1 || *concurrency > 4096:
			return usagef("--concurrency %d out of range: want 1 to 4096", *concurrency)
		case *queue < -1 || *queue > 1<<20:
			return usagef("--queue %d out of range: want -1 to %d", *queue, 1<<20)
		case *timeout <= 0:
			return usagef("--timeout %v: want a positive duration", *timeout)
		case *bodyTimeout <= 0:
			return usagef("--body-timeout %v: want a positive duration", *bodyTimeout)
		case *drainTimeout < 0:
			return usagef("--drain-timeout %v: want a positive duration, or 0 for --timeout + 5s", *drainTimeout)
		}
		opts := []mobilenet.Option{mobilenet.WithMaxPixels(pixels), mobilenet.WithMaxProgressivePixels(progressive)}
		cfg := serve.Config{Addr: *addr, MaxBody: body, MaxPixels: pixels, MaxProgressivePixels: progressive,
			LargePixels: largePixels, Concurrency: *concurrency, Queue: *queue, BodyTimeout: *bodyTimeout,
			Timeout: *timeout, DrainTimeout: *drainTimeout, Logger: slog.New(slog.NewTextHandler(stderr, nil))}
		if *model == "" {
			cfg.Classifier, err = mobilenet.Default(opts...)
		} else {
			cfg.Classifier, err = mobilenet.Load(*model, opts...)
		}
		if err != nil {
			return err
		}
		switch *detector {
		case "none":
		case "":
			cfg.Detector, err = mobilenet.DefaultDetector(opts...)
		default:
			cfg.Detector, err = mobilenet.Load(*detector, opts...)
		}
		if err != nil {
			return err
		}
		switch *segmenter {
		case "none":
		case "":
			cfg.Segmenter, err = mobilenet.DefaultSegmenter(opts...)
		default:
			cfg.Segmenter, err = mobilenet.Load(*segmenter, opts...)
		}
		if err != nil {
			return err
		}
		s, err := serve.New(cfg)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			s.Close()
			return err
		}
		fmt.Fprintf(stdout, "mobilenet serve: listening on http://%s\n", ln.Addr())
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return s.Serve(ctx, ln)
	}
	register(c)
}

// byteUnits and countUnits are the suffixes parseSize accepts, with their multipliers.
var (
	byteUnits  = map[string]int64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30}
	countUnits = map[string]int64{"": 1, "K": 1e3, "M": 1e6, "G": 1e9}
)

// parseSize reads a positive number with an optional unit from units (case-insensitive), such as
// "10MB", "1.5MiB" or "100M", for the flag named flag.
func parseSize(flag, s string, units map[string]int64) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	mult, ok := units[strings.ToUpper(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, usagef("%s %q: unknown unit %q", flag, s, strings.TrimSpace(t[i:]))
	}
	x, err := strconv.ParseFloat(t[:i], 64)
	if err != nil || !(x > 0) {
		return 0, usagef("%s %q: want a positive number with an optional unit", flag, s)
	}
	v := x * float64(mult)
	if v >= math.MaxInt64 || v < 1 {
		return 0, usagef("%s %q out of range", flag, s)
	}
	return int64(v), nil
}
