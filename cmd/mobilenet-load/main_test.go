package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckTarget(t *testing.T) {
	cases := []struct {
		url    string
		errHas string // "" for accepted
	}{
		{"http://127.0.0.1:8080", ""},
		{"http://127.5.6.7:1", ""},
		{"http://[::1]:8080", ""},
		{"https://127.0.0.1", ""},
		{"http://localhost:8080", ""},
		{"http://10.0.0.1:8080", "not a loopback"},
		{"http://192.168.1.20", "not a loopback"},
		{"http://8.8.8.8", "not a loopback"},
		{"http://[2001:db8::1]:80", "not a loopback"},
		{"http://0.0.0.0:8080", "not a loopback"},
		{"ftp://127.0.0.1", "want http"},
		{"127.0.0.1:8080", "127.0.0.1:8080"},
		{"localhost:8080", "want http"},
		{"http://:8080", "no host"},
	}
	for _, c := range cases {
		_, err := checkTarget(context.Background(), c.url)
		switch {
		case c.errHas == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.errHas != "" && (err == nil || !strings.Contains(err.Error(), c.errHas)):
			t.Errorf("%s: error %v, want one with %q", c.url, err, c.errHas)
		}
	}
}

func TestLoopbackDialer(t *testing.T) {
	d := loopbackDialer()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := d.DialContext(ctx, "tcp", "192.0.2.1:80"); err == nil || !strings.Contains(err.Error(), "not a loopback") {
		t.Errorf("dialing a non-loopback address: %v", err)
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 17
go_goroutines_extra 3
process_resident_memory_bytes 5.1740672e+07
mobilenet_http_requests_total{code="200",route="/v1/classify"} 4
`
	got, err := parseMetrics(strings.NewReader(text), []string{"go_goroutines", "process_resident_memory_bytes", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["go_goroutines"] != 17 || got["process_resident_memory_bytes"] != 51740672 {
		t.Errorf("got %v", got)
	}
	if _, err := parseMetrics(strings.NewReader("go_goroutines many\n"), []string{"go_goroutines"}); err == nil {
		t.Error("a non-numeric value was accepted")
	}
}

func TestParseVmRSS(t *testing.T) {
	cases := []struct {
		status string
		want   int64
		ok     bool
	}{
		{"Name:\tmobilenet\nVmPeak:\t  900 kB\nVmRSS:\t   51234 kB\nRssAnon: 1 kB\n", 51234 << 10, true},
		{"Name:\tkthreadd\nState:\tS (sleeping)\n", -1, false},
		{"VmRSS:\t12 MB\n", -1, false},
		{"VmRSS:\t-5 kB\n", -1, false},
	}
	for _, c := range cases {
		got, err := parseVmRSS(c.status, 42)
		if got != c.want || (err == nil) != c.ok {
			t.Errorf("%q: %d, %v; want %d, ok %v", c.status, got, err, c.want, c.ok)
		}
	}
}

func TestQuantile(t *testing.T) {
	// Nearest rank on 1..100 ms: the q-quantile is the ceil(100 q)-th value.
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{{0.5, 50 * time.Millisecond}, {0.99, 99 * time.Millisecond}, {0.999, 100 * time.Millisecond}, {0, time.Millisecond}, {1, 100 * time.Millisecond}}
	for _, c := range cases {
		if got := quantile(d, c.q); got != c.want {
			t.Errorf("q %g: %v, want %v", c.q, got, c.want)
		}
	}
	if quantile(nil, 0.5) != 0 {
		t.Error("quantile of nothing")
	}
	three := []time.Duration{10, 20, 30}
	if quantile(three, 0.5) != 20 || quantile(three, 0.99) != 30 {
		t.Errorf("three samples: p50 %v p99 %v", quantile(three, 0.5), quantile(three, 0.99))
	}
}

// TestRun loads a fake server that answers every third request with 503 and checks the counts by
// kind, the bound on requests and the server state read from its /metrics.
func TestRun(t *testing.T) {
	var n atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/classify", func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%3 == 0 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":"busy"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"image":"body","predictions":[]}`)
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "go_goroutines 9\nprocess_resident_memory_bytes 1048576\n")
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	img := t.TempDir() + "/x.jpg"
	if err := os.WriteFile(img, []byte("not really a jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"--url", ts.URL, "--image", img, "--clients", "3", "--duration", "5s", "--requests", "30",
		"--warmup", "0", "--settle", "0", "--json"}
	if err := run(context.Background(), args, &out, &errb); err != nil {
		t.Fatalf("%v: %s", err, errb.String())
	}
	var rep report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Run.Requests != 30 || rep.Run.Kinds["ok"].Count != 20 || rep.Run.Kinds["http 503"].Count != 10 || rep.Run.Errors != 10 {
		t.Errorf("run %+v", rep.Run)
	}
	if rep.After.Goroutines != 9 || rep.After.RSSMetrics != 1<<20 || rep.Start.Goroutines != 9 {
		t.Errorf("server state: start %+v, after %+v", rep.Start, rep.After)
	}
	if err := run(context.Background(), []string{"--url", "http://10.1.2.3", "--image", img}, &out, &errb); err == nil {
		t.Error("a non-loopback target was accepted")
	}
}

func TestOptionsBounds(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--image", "x", "--clients", "0"},
		{"--image", "x", "--clients", "5000"},
		{"--image", "x", "--duration", "11m"},
		{"--image", "x", "--duration", "0s"},
		{"--image", "x", "--requests", "-1"},
		{"--image", "x", "--path", "v1/classify"},
	} {
		if _, err := parseOptions(args, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
