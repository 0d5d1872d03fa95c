package serve

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestNewRefuses(t *testing.T) {
	cls, det := smallClassifier(t), detector(t)
	cases := []struct {
		name   string
		cfg    Config
		errHas string
	}{
		{"no classifier", Config{}, "no classifier"},
		{"a detector as classifier", Config{Classifier: det}, "is a detector"},
		{"a classifier as detector", Config{Classifier: cls, Detector: cls}, "not a detector"},
		{"negative concurrency", Config{Classifier: cls, Concurrency: -1}, "concurrency"},
		{"negative body limit", Config{Classifier: cls, MaxBody: -5}, "max body"},
		{"negative timeout", Config{Classifier: cls, Timeout: -time.Second}, "negative timeout"},
		{"negative body timeout", Config{Classifier: cls, BodyTimeout: -time.Second}, "negative timeout"},
		{"negative progressive limit", Config{Classifier: cls, MaxProgressivePixels: -1}, "progressive"},
		{"negative large size", Config{Classifier: cls, LargePixels: -1}, "large"},
	}
	for _, c := range cases {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("%s: error %v, want one with %q", c.name, err, c.errHas)
		}
	}
}

func TestDefaults(t *testing.T) {
	cases := []struct {
		concurrency, queue        int
		wantWorkers, wantQueueCap int
	}{
		{1, 0, 1, 32},
		{2, 0, 2, 32},
		{40, 0, 40, 80},
		{2, 5, 2, 5},
		{2, -1, 2, 0},
	}
	for _, c := range cases {
		s, err := New(Config{Classifier: smallClassifier(t), Concurrency: c.concurrency, Queue: c.queue})
		if err != nil {
			t.Fatal(err)
		}
		got := s.Config()
		if got.Concurrency != c.wantWorkers || got.Queue != c.wantQueueCap || cap(s.pool.slots) != c.wantWorkers+c.wantQueueCap {
			t.Errorf("concurrency %d queue %d: got %d workers, queue %d, %d slots", c.concurrency, c.queue,
				got.Concurrency, got.Queue, cap(s.pool.slots))
		}
		if got.MaxBody != 10_000_000 || got.MaxPixels != 100_000_000 || got.MaxProgressivePixels != 16_000_000 ||
			got.LargePixels != 16_000_000 || got.Timeout != 10*time.Second || got.BodyTimeout != 10*time.Second ||
			got.DrainTimeout != 15*time.Second || got.Addr != "127.0.0.1:8080" {
			t.Errorf("defaults %+v", got)
		}
		s.Close()
	}
}

// TestSaturated fills every worker and queue slot and checks that a request is refused at once with
// 503 and Retry-After, then served once a slot frees.
func TestSaturated(t *testing.T) {
	s, ts := start(t, Config{Concurrency: 1, Queue: 2})
	var held []*ticket
	for range 3 {
		tk, err := s.pool.admit()
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, tk)
	}
	jpeg := photo(t, "tfls_burger.jpg")
	start := time.Now()
	res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(jpeg))
	if d := time.Since(start); d > time.Second {
		t.Errorf("the refusal took %v", d)
	}
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(decodeJSON[errorBody](t, body).Error, "busy") {
		t.Fatalf("status %d, Retry-After %q: %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	held[0].release()
	if res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(jpeg)); res.StatusCode != 200 {
		t.Fatalf("after a release: %d %s", res.StatusCode, body)
	}
	for _, tk := range held[1:] {
		tk.release()
	}
	if m := scrape(t, ts.URL); !strings.Contains(m, `mobilenet_rejections_total{reason="queue_full"} 1`+"\n") {
		t.Errorf("metrics lack the rejection:\n%s", grep(m, "mobilenet_rejections_total"))
	}
}

// TestQueueTimeout checks that a request still waiting for a worker when its timeout runs out gets
// 503 with Retry-After.
func TestQueueTimeout(t *testing.T) {
	s, ts := start(t, Config{Concurrency: 1, Queue: 2, Timeout: 300 * time.Millisecond})
	hold := make(chan struct{})
	tk, err := s.pool.admit()
	if err != nil {
		t.Fatal(err)
	}
	go tk.run(context.Background(), func() { <-hold })
	defer close(hold)
	start := time.Now()
	res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg")))
	d := time.Since(start)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(decodeJSON[errorBody](t, body).Error, "waiting for a worker") {
		t.Fatalf("status %d, Retry-After %q: %s", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	if d < 300*time.Millisecond || d > 3*time.Second {
		t.Errorf("answered after %v, want about the 300 ms timeout", d)
	}
}

func TestRefuseStatuses(t *testing.T) {
	s, ts := start(t, Config{})
	cases := []struct {
		err        error
		status     int
		retryAfter bool
		reason     string
	}{
		{errPoolFull, 503, true, reasonQueueFull},
		{errQueueTimeout, 503, true, reasonQueueTimeout},
		{errRunTimeout, 504, false, reasonRunTimeout},
		{errPoolClosed, 503, true, reasonShutdown},
	}
	for _, c := range cases {
		he, ok := s.refuse(c.err).(*httpError)
		if !ok || he.status != c.status || (he.retryAfter > 0) != c.retryAfter {
			t.Errorf("%v: %+v, want status %d, Retry-After %v", c.err, he, c.status, c.retryAfter)
		}
	}
	m := scrape(t, ts.URL)
	for _, c := range cases {
		if line := fmt.Sprintf(`mobilenet_rejections_total{reason=%q} 1`, c.reason); !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %s:\n%s", line, grep(m, "rejections"))
		}
	}
}

// TestServeDrains stops a server while a request waits in its queue: the request completes, new
// connections are refused, and Serve returns nil.
func TestServeDrains(t *testing.T) {
	s, err := New(Config{Classifier: smallClassifier(t), Concurrency: 1, DrainTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	// Hold the only worker, queue a real request behind it, then stop.
	hold := make(chan struct{})
	tk, err := s.pool.admit()
	if err != nil {
		t.Fatal(err)
	}
	go tk.run(context.Background(), func() { <-hold })
	waitFor(t, func() bool { return s.pool.running.Load() == 1 })
	type answer struct {
		status int
		body   []byte
	}
	answered := make(chan answer, 1)
	go func() {
		res, body := do(t, "POST", url+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg")))
		answered <- answer{res.StatusCode, body}
	}()
	waitFor(t, func() bool { return len(s.pool.jobs) == 1 })
	cancel()
	waitFor(t, func() bool { return s.draining.Load() })
	waitFor(t, func() bool {
		c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v before the request in flight ended", err)
	default:
	}
	close(hold)
	a := <-answered
	if a.status != 200 || decodeJSON[ClassifyResult](t, a.body).Predictions[0].Label != "cheeseburger" {
		t.Errorf("the drained request: %d %s", a.status, a.body)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestHealthAndClose(t *testing.T) {
	s, ts := start(t, Config{})
	for _, path := range []string{"/healthz", "/readyz"} {
		if res, body := do(t, "GET", ts.URL+path, "", nil); res.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, res.StatusCode, body)
		}
	}
	s.Close()
	res, body := do(t, "GET", ts.URL+"/readyz", "", nil)
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" {
		t.Errorf("readyz after Close: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, "GET", ts.URL+"/healthz", "", nil); res.StatusCode != 200 {
		t.Errorf("healthz after Close: %d", res.StatusCode)
	}
	res, body = do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg")))
	if res.StatusCode != 503 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "shutting down") {
		t.Errorf("classify after Close: %d %s", res.StatusCode, body)
	}
}

// TestMetrics runs two servers side by side (each with its own registry) and checks the series of one.
func TestMetrics(t *testing.T) {
	_, ts := start(t, Config{Concurrency: 2, Queue: 3})
	_, other := start(t, Config{})
	do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg")))
	do(t, "POST", ts.URL+"/v1/classify", "", strings.NewReader("not an image"))
	do(t, "GET", ts.URL+"/nowhere", "", nil)
	do(t, "GET", other.URL+"/healthz", "", nil)
	m := scrape(t, ts.URL)
	for _, line := range []string{
		`mobilenet_http_requests_total{code="200",route="/v1/classify"} 1`,
		`mobilenet_http_requests_total{code="400",route="/v1/classify"} 1`,
		`mobilenet_http_requests_total{code="404",route="other"} 1`,
		`mobilenet_http_request_duration_seconds_count{route="/v1/classify"} 2`,
		// The text is refused from its header, before it takes a worker.
		`mobilenet_inference_duration_seconds_count{task="classify"} 1`,
		`mobilenet_queue_wait_seconds_count 1`,
		`mobilenet_http_in_flight_requests 1`, // this scrape
		`mobilenet_inference_in_flight 0`,
		`mobilenet_queue_length 0`,
		`mobilenet_pool_workers 2`,
		`mobilenet_queue_capacity 3`,
		`mobilenet_rejections_total{reason="queue_full"} 0`,
	} {
		if !strings.Contains(m, line+"\n") {
			t.Errorf("metrics lack %s", line)
		}
	}
	for _, name := range []string{"process_resident_memory_bytes ", "go_goroutines "} {
		if !strings.Contains(m, "\n"+name) {
			t.Errorf("metrics lack %s", name)
		}
	}
	if strings.Contains(m, `route="/healthz"} 1`) {
		t.Error("the other server's request was counted here")
	}
}

func TestModels(t *testing.T) {
	_, ts := start(t, Config{})
	res, body := do(t, "GET", ts.URL+"/v1/models", "", nil)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	got := decodeJSON[ModelsResult](t, body)
	if len(got.Models) != 1 {
		t.Fatalf("%d models, want 1", len(got.Models))
	}
	m := got.Models[0]
	in, out := m.Inputs[0], m.Outputs[0]
	if m.Role != "classifier" || m.Name != "mobilenet_v1_0.25_128_quant.tflite" || m.Labels != 1001 ||
		in.DType != "uint8" || fmt.Sprint(in.Shape) != "[1 128 128 3]" || in.Scale[0] != 0.0078125 || in.ZeroPoint[0] != 128 ||
		fmt.Sprint(out.Shape) != "[1 1001]" {
		t.Errorf("model %+v", m)
	}
	// TF-slim's table: MobileNet_v1_0.25_128 has 14 million mult-adds and 0.47 million parameters.
	if m.Cost.MultAdds < 13_500_000 || m.Cost.MultAdds > 14_500_000 || m.Cost.Params < 460_000 || m.Cost.Params > 480_000 {
		t.Errorf("cost %+v, want about 14 M mult-adds and 0.47 M params", m.Cost)
	}
}

func TestPage(t *testing.T) {
	_, ts := start(t, Config{})
	res, body := do(t, "GET", ts.URL+"/", "", nil)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		res.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("%d %v", res.StatusCode, res.Header)
	}
	page := string(body)
	for _, want := range []string{`id="file"`, `id="predictions"`, `id="detections"`, `id="canvas"`, "/v1/classify", "/v1/detect"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Self-contained: nothing fetched from elsewhere.
	for _, bad := range []string{"http://", "https://", `src="//`, `href="//`} {
		if strings.Contains(page, bad) {
			t.Errorf("page refers to %s", bad)
		}
	}
	if res, body := do(t, "HEAD", ts.URL+"/", "", nil); res.StatusCode != 200 || len(body) != 0 {
		t.Errorf("HEAD: %d, %d bytes", res.StatusCode, len(body))
	}
}

// scrape fetches /metrics.
func scrape(t *testing.T, url string) string {
	t.Helper()
	res, body := do(t, "GET", url+"/metrics", "", nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", res.StatusCode)
	}
	return string(body)
}

// grep returns the lines of text that contain sub.
func grep(text, sub string) string {
	var out []string
	for line := range strings.Lines(text) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}

// TestSlowBody sends headers that announce a body and then stalls: the request gets 408 once its
// body timeout runs out, and the server goes on serving.
func TestSlowBody(t *testing.T) {
	_, ts := start(t, Config{BodyTimeout: 300 * time.Millisecond})
	c, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "POST /v1/classify HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n0123456789")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(decodeJSON[errorBody](t, body).Error, "did not arrive") {
		t.Errorf("status %d: %s", res.StatusCode, body)
	}
	if res, body := do(t, "POST", ts.URL+"/v1/classify", "", bytes.NewReader(photo(t, "tfls_burger.jpg"))); res.StatusCode != 200 {
		t.Errorf("afterwards: %d %s", res.StatusCode, body)
	}
}
