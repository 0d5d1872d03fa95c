package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverState is the server's memory and goroutines at one moment; a field is −1 when unknown.
type serverState struct {
	RSSProc    int64 `json:"rss_proc_bytes"`    // VmRSS of /proc/PID/status
	RSSMetrics int64 `json:"rss_metrics_bytes"` // process_resident_memory_bytes of /metrics
	Goroutines int64 `json:"goroutines"`        // go_goroutines of /metrics
}

// rss returns the best known resident set size: /proc's when known, else the server's own.
func (s serverState) rss() int64 {
	if s.RSSProc >= 0 {
		return s.RSSProc
	}
	return s.RSSMetrics
}

// prober reads the server's state from its /metrics and, given a pid, from /proc.
type prober struct {
	client     *http.Client
	metricsURL string
	pid        int
}

// probe reads the state now; errors leave fields at −1.
func (p *prober) probe(ctx context.Context) (serverState, []error) {
	st := serverState{RSSProc: -1, RSSMetrics: -1, Goroutines: -1}
	var errs []error
	if p.pid > 0 {
		n, err := procRSS(p.pid)
		if err != nil {
			errs = append(errs, err)
		}
		st.RSSProc = n
	}
	vals, err := p.scrape(ctx, "process_resident_memory_bytes", "go_goroutines")
	if err != nil {
		return st, append(errs, err)
	}
	if v, ok := vals["process_resident_memory_bytes"]; ok {
		st.RSSMetrics = int64(v)
	}
	if v, ok := vals["go_goroutines"]; ok {
		st.Goroutines = int64(v)
	}
	return st, errs
}

// scrape fetches the metrics page and returns the values of the named unlabelled series.
func (p *prober) scrape(ctx context.Context, names ...string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.metricsURL, nil)
	if err != nil {
		return nil, err
	}
	res, err := p.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load: %s: %v", p.metricsURL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("load: %s: %s", p.metricsURL, res.Status)
	}
	return parseMetrics(io.LimitReader(res.Body, 16<<20), names)
}

// parseMetrics reads Prometheus text and returns the values of the wanted series without labels.
func parseMetrics(r io.Reader, names []string) (map[string]float64, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	vals := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !want[f[0]] {
			continue
		}
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return nil, fmt.Errorf("load: metrics: %s: value %q: %v", f[0], f[1], err)
		}
		vals[f[0]] = v
	}
	return vals, sc.Err()
}

// procRSS reads VmRSS of a process, in bytes, from /proc/PID/status.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1, fmt.Errorf("load: %v", err)
	}
	return parseVmRSS(string(b), pid)
}

// parseVmRSS finds the "VmRSS: N kB" line of a /proc status file.
func parseVmRSS(status string, pid int) (int64, error) {
	for line := range strings.Lines(status) {
		rest, ok := strings.CutPrefix(line, "VmRSS:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return -1, fmt.Errorf("load: /proc/%d/status: VmRSS line %q", pid, strings.TrimSpace(line))
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || kb < 0 {
			return -1, fmt.Errorf("load: /proc/%d/status: VmRSS %q", pid, f[0])
		}
		return kb << 10, nil
	}
	return -1, fmt.Errorf("load: /proc/%d/status has no VmRSS line (a kernel thread, or a zombie?)", pid)
}
