package serve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"
)

// stalledUpload opens a connection that sends the headers of a POST announcing contentLength bytes,
// then the first ten, then nothing; the test's end closes it.
func stalledUpload(t *testing.T, addr string, contentLength int64) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/classify HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n0123456789", contentLength)
	return c
}

// TestSlowBodiesHoldNoWorker: uploads that trickle hold no worker or queue slot, so a server with a
// single slot still answers a normal request at once.
func TestSlowBodiesHoldNoWorker(t *testing.T) {
	_, ts := start(t, Config{Concurrency: 1, Queue: -1, BodyTimeout: 5 * time.Second})
	for range 8 {
		stalledUpload(t, ts.Listener.Addr().String(), 1_000_000)
	}
	waitFor(t, func() bool { return strings.Contains(scrape(t, ts.URL), "mobilenet_http_in_flight_requests 9\n") })
	if res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg"))); res.StatusCode != 200 {
		t.Fatalf("beside 8 slow uploads: %d %s", res.StatusCode, body)
	}
}

// TestContentLengthIsNotAllocated: bodies that claim a gigabyte and send ten bytes cost ten bytes,
// not what they claim.
func TestContentLengthIsNotAllocated(t *testing.T) {
	_, ts := start(t, Config{MaxBody: 2_000_000_000, BodyTimeout: 5 * time.Second})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for range 8 {
		stalledUpload(t, ts.Listener.Addr().String(), 1_000_000_000)
	}
	waitFor(t, func() bool { return strings.Contains(scrape(t, ts.URL), "mobilenet_http_in_flight_requests 9\n") })
	runtime.ReadMemStats(&after)
	if grown := int64(after.TotalAlloc - before.TotalAlloc); grown > 16<<20 {
		t.Fatalf("8 uploads claiming 1 GB each allocated %d bytes", grown)
	}
}

// TestLargeImagesOneAtATime: while a large image holds the large-image lane, another waits for it and
// is refused with 503 when its timeout runs out, and small images are served meanwhile.
func TestLargeImagesOneAtATime(t *testing.T) {
	s, ts := start(t, Config{Concurrency: 2, LargePixels: 100 * 100, Timeout: 2 * time.Second}) // long enough for a small image under -race
	s.large <- struct{}{}
	res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(pngImage(t, 101, 100)))
	if res.StatusCode != 503 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "waiting") {
		t.Fatalf("a large image behind another: %d %s", res.StatusCode, body)
	}
	if res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(pngImage(t, 100, 100))); res.StatusCode != 200 {
		t.Fatalf("a small image beside a large one: %d %s", res.StatusCode, body)
	}
	<-s.large
	if res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(pngImage(t, 101, 100))); res.StatusCode != 200 {
		t.Fatalf("a large image alone: %d %s", res.StatusCode, body)
	}
}

// TestRefusedFromHeader: over-limit images, a progressive JPEG above its own limit included, are
// answered 422 from their headers.
func TestRefusedFromHeader(t *testing.T) {
	_, ts := start(t, Config{MaxPixels: 1_000_000, MaxProgressivePixels: 1000})
	for name, data := range map[string][]byte{
		"png over max pixels":        pngHeader(2000, 1000),
		"progressive over its limit": progressiveJPEGHeader(100, 11),
	} {
		res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(data))
		if res.StatusCode != 422 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "too many pixels") {
			t.Errorf("%s: %d %s", name, res.StatusCode, body)
		}
	}
}

// progressiveJPEGHeader is SOI, a progressive SOF2 for w×h grey pixels and a scan header, and nothing
// else.
func progressiveJPEGHeader(w, h int) []byte {
	return []byte{0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0,
		0xff, 0xda, 0, 8, 1, 1, 0, 0, 0, 0}
}

// TestDecodeStopsWhenCancelled: a done context stops the decoder before the model is called.
func TestDecodeStopsWhenCancelled(t *testing.T) {
	s, _ := start(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.decodeAndRun(ctx, pngImage(t, 64, 64), func(context.Context, image.Image) error {
		called = true
		return nil
	})
	if err == nil || called {
		t.Fatalf("decodeAndRun with a done context: %v, work called %v", err, called)
	}
}

// TestDrainCancelsInFlight: at the drain timeout, a request still waiting for the worker is answered
// 503, and Serve returns within a second even though the worker's job ignores cancellation.
func TestDrainCancelsInFlight(t *testing.T) {
	const drain = 300 * time.Millisecond
	s, err := New(Config{Classifier: smallClassifier(t), Concurrency: 1, DrainTimeout: drain})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	hold := make(chan struct{})
	defer close(hold)
	tk, err := s.pool.admit()
	if err != nil {
		t.Fatal(err)
	}
	go tk.run(context.Background(), func() { <-hold })
	waitFor(t, func() bool { return s.pool.running.Load() == 1 })
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	jpeg := photo(t, "tfls_burger.jpg")
	fmt.Fprintf(c, "POST /v1/classify HTTP/1.1\r\nHost: test\r\nContent-Length: %d\r\n\r\n", len(jpeg))
	c.Write(jpeg)
	waitFor(t, func() bool { return len(s.pool.jobs) == 1 })
	start := time.Now()
	cancel()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 503 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "shutting down") {
		t.Errorf("the request in flight at the drain timeout: %d %s", res.StatusCode, body)
	}
	select {
	case err := <-served:
		if err == nil || !strings.Contains(err.Error(), "cancelled") {
			t.Errorf("Serve returned %v, want the cancellation", err)
		}
	case <-time.After(drain + time.Second):
		t.Fatal("Serve did not return within the drain timeout and a second")
	}
	if d := time.Since(start); d < drain {
		t.Errorf("Serve returned after %v, before the drain timeout", d)
	}
}
