// Command mobilenet-load puts a bounded load on a mobilenet server on this machine and reports
// throughput, latency percentiles, errors by kind, and the server's memory and goroutines before and
// after.
//
//	mobilenet-load --image photo.jpg [--url http://127.0.0.1:8080] [--path /v1/classify] [--clients 16]
//	               [--duration 60s] [--requests N] [--warmup 5s] [--pid PID] [--json]
//
// It only connects to loopback addresses (127.0.0.0/8, ::1) and stops by itself: after --duration
// (at most 10 minutes) or --requests requests, whichever comes first.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Bounds on what one run may ask for.
const (
	maxDuration = 10 * time.Minute
	maxClients  = 1024
	maxRequests = 10_000_000
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mobilenet-load:", strings.Join(strings.Fields(err.Error()), " "))
			os.Exit(2)
		}
	}
}

// options are the command line's settings.
type options struct {
	url      string
	path     string
	image    string
	clients  int
	duration time.Duration
	requests int64
	warmup   time.Duration
	timeout  time.Duration
	settle   time.Duration
	pid      int
	json     bool
}

// report is what a run found; --json prints it.
type report struct {
	URL         string      `json:"url"`
	Image       string      `json:"image"`
	ImageBytes  int         `json:"image_bytes"`
	Clients     int         `json:"clients"`
	Start       serverState `json:"server_start"`
	Warmup      phase       `json:"warmup"`
	AfterWarmup serverState `json:"server_after_warmup"`
	Run         phase       `json:"run"`
	After       serverState `json:"server_after"`
	RSSChange   float64     `json:"rss_change_vs_warmup"` // fraction; 0 when unknown
	Probe       []string    `json:"probe_errors,omitempty"`
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("mobilenet-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "the server: loopback addresses only")
	fs.StringVar(&o.path, "path", "/v1/classify", "the endpoint to POST the image to, with its query")
	fs.StringVar(&o.image, "image", "", "the image file to send (required)")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients, each sending one request at a time")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "how long to load, at most 10m")
	fs.Int64Var(&o.requests, "requests", 0, "stop after this many requests (0: only the duration bounds the run)")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "load before the measured run, not counted (0: none)")
	fs.DurationVar(&o.timeout, "timeout", 60*time.Second, "client limit on one request")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "after the warm-up and the run, how long at most to wait for the server's goroutine count to hold still")
	fs.IntVar(&o.pid, "pid", 0, "the server's process id, to read its RSS from /proc/PID/status (default: process_resident_memory_bytes from /metrics)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.image == "":
		return o, errors.New("--image is required")
	case o.clients < 1 || o.clients > maxClients:
		return o, fmt.Errorf("--clients %d out of range: want 1 to %d", o.clients, maxClients)
	case o.duration <= 0 || o.duration > maxDuration:
		return o, fmt.Errorf("--duration %v out of range: want more than 0, at most %v", o.duration, maxDuration)
	case o.warmup < 0 || o.warmup > maxDuration:
		return o, fmt.Errorf("--warmup %v out of range: want 0 to %v", o.warmup, maxDuration)
	case o.requests < 0 || o.requests > maxRequests:
		return o, fmt.Errorf("--requests %d out of range: want 0 to %d", o.requests, maxRequests)
	case o.timeout <= 0 || o.timeout > maxDuration:
		return o, fmt.Errorf("--timeout %v out of range: want more than 0, at most %v", o.timeout, maxDuration)
	case o.settle < 0 || o.settle > time.Minute:
		return o, fmt.Errorf("--settle %v out of range: want 0 to 1m", o.settle)
	case !strings.HasPrefix(o.path, "/"):
		return o, fmt.Errorf("--path %q: want a path starting with /", o.path)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	base, err := checkTarget(ctx, o.url)
	if err != nil {
		return err
	}
	body, err := os.ReadFile(o.image)
	if err != nil {
		return err
	}
	target := strings.TrimSuffix(base.String(), "/") + o.path
	metricsURL := strings.TrimSuffix(base.String(), "/") + "/metrics"
	dialer := loopbackDialer()
	loadTransport := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: o.clients,
		MaxConnsPerHost: o.clients, ResponseHeaderTimeout: o.timeout}
	defer loadTransport.CloseIdleConnections()
	client := &http.Client{Transport: loadTransport, Timeout: o.timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	p := &prober{pid: o.pid, metricsURL: metricsURL,
		client: &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext, DisableKeepAlives: true}}}

	rep := report{URL: target, Image: filepath.Base(o.image), ImageBytes: len(body), Clients: o.clients}
	var probeErrs []error
	probe := func() serverState {
		st, errs := p.probe(ctx)
		probeErrs = append(probeErrs, errs...)
		return st
	}
	if !o.json {
		fmt.Fprintf(stdout, "mobilenet-load: POST %s, %s (%d bytes), %d clients\n", target, rep.Image, len(body), o.clients)
	}
	rep.Start = probe()
	if !o.json {
		printState(stdout, "server at start", rep.Start, nil)
	}
	post := func(ctx context.Context) sample { return send(ctx, client, target, body) }
	if o.warmup > 0 {
		samples, elapsed := load(ctx, post, o.clients, o.warmup, 0)
		rep.Warmup = summarize(samples, elapsed)
		loadTransport.CloseIdleConnections()
		rep.AfterWarmup = settle(ctx, probe, o.settle)
		if !o.json {
			rep.Warmup.print(stdout, "warm-up")
			printState(stdout, "server after warm-up", rep.AfterWarmup, nil)
		}
	} else {
		rep.AfterWarmup = rep.Start
	}
	samples, elapsed := load(ctx, post, o.clients, o.duration, o.requests)
	rep.Run = summarize(samples, elapsed)
	loadTransport.CloseIdleConnections()
	rep.After = settle(ctx, probe, o.settle)
	if a, b := rep.AfterWarmup.rss(), rep.After.rss(); a > 0 && b >= 0 {
		rep.RSSChange = float64(b-a) / float64(a)
	}
	for _, e := range probeErrs {
		rep.Probe = append(rep.Probe, e.Error())
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	rep.Run.print(stdout, "run")
	printState(stdout, "server after", rep.After, &rep.AfterWarmup)
	for _, e := range rep.Probe {
		fmt.Fprintln(stderr, "mobilenet-load:", e)
	}
	return nil
}

// settle probes the server every 200 ms until its goroutine count holds still for three probes in a
// row (the connections of the load have closed), or for at most wait, and returns the last state.
func settle(ctx context.Context, probe func() serverState, wait time.Duration) serverState {
	deadline := time.Now().Add(wait)
	st := probe()
	for same := 1; same < 3 && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(200 * time.Millisecond)
		next := probe()
		if next.Goroutines == st.Goroutines {
			same++
		} else {
			same = 1
		}
		st = next
	}
	return st
}

// load runs clients loops of send for dur, or until limit requests are sent (0: no limit) or ctx
// ends, and returns every sample and the time until the last request ended.
func load(ctx context.Context, send func(context.Context) sample, clients int, dur time.Duration, limit int64) ([]sample, time.Duration) {
	start := time.Now()
	deadline := start.Add(dur)
	var issued atomic.Int64
	var mu sync.Mutex
	var all []sample
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []sample
			for ctx.Err() == nil && time.Now().Before(deadline) && (limit == 0 || issued.Add(1) <= limit) {
				mine = append(mine, send(ctx))
			}
			mu.Lock()
			all = append(all, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, time.Since(start)
}

// send POSTs body to target once and classifies the outcome.
func send(ctx context.Context, client *http.Client, target string, body []byte) sample {
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return sample{kind: "request", latency: time.Since(start)}
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := client.Do(req)
	if err != nil {
		return sample{kind: errorKind(err), latency: time.Since(start)}
	}
	got, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	res.Body.Close()
	lat := time.Since(start)
	switch {
	case err != nil:
		return sample{kind: errorKind(err), latency: lat}
	case res.StatusCode/100 != 2:
		return sample{kind: fmt.Sprintf("http %d", res.StatusCode), latency: lat}
	case strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && !json.Valid(got):
		return sample{kind: "bad json", latency: lat}
	}
	return sample{kind: "ok", latency: lat}
}

// errorKind names a transport error: timeout, refused, reset, eof or transport.
func errorKind(err error) string {
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &te) && te.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "eof"
	}
	return "transport"
}
