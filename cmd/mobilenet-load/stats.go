package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"time"
)

// sample is one request's outcome: "ok", "http NNN" or a transport error kind, and its latency.
type sample struct {
	kind    string
	latency time.Duration
}

// kindStats summarises the samples of one kind; latencies in milliseconds.
type kindStats struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50_ms"`
	P90   float64 `json:"p90_ms"`
	P99   float64 `json:"p99_ms"`
	Max   float64 `json:"max_ms"`
}

// phase is one timed stretch of load.
type phase struct {
	Seconds  float64              `json:"seconds"`
	Requests int                  `json:"requests"`
	Errors   int                  `json:"errors"`
	PerSec   float64              `json:"req_per_s"`
	Kinds    map[string]kindStats `json:"kinds"`
}

// summarize groups samples by kind, over elapsed time.
func summarize(samples []sample, elapsed time.Duration) phase {
	byKind := map[string][]time.Duration{}
	for _, s := range samples {
		byKind[s.kind] = append(byKind[s.kind], s.latency)
	}
	p := phase{Seconds: elapsed.Seconds(), Requests: len(samples), Kinds: map[string]kindStats{}}
	if elapsed > 0 {
		p.PerSec = float64(len(samples)) / elapsed.Seconds()
	}
	for k, ls := range byKind {
		slices.Sort(ls)
		p.Kinds[k] = kindStats{Count: len(ls), P50: ms(quantile(ls, 0.50)), P90: ms(quantile(ls, 0.90)),
			P99: ms(quantile(ls, 0.99)), Max: ms(ls[len(ls)-1])}
		if k != "ok" {
			p.Errors += len(ls)
		}
	}
	return p
}

// quantile returns the nearest-rank q-quantile of sorted durations (0 for none).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// print writes the phase's counts and latencies, ok first, then the kinds of errors.
func (p phase) print(w io.Writer, name string) {
	fmt.Fprintf(w, "%-22s %.1f s, %d requests, %.2f req/s, %d errors\n", name+":", p.Seconds, p.Requests, p.PerSec, p.Errors)
	kinds := make([]string, 0, len(p.Kinds))
	for k := range p.Kinds {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool {
		if (kinds[i] == "ok") != (kinds[j] == "ok") {
			return kinds[i] == "ok"
		}
		return kinds[i] < kinds[j]
	})
	for _, k := range kinds {
		s := p.Kinds[k]
		fmt.Fprintf(w, "  %-20s %6d   p50 %8.1f ms   p90 %8.1f ms   p99 %8.1f ms   max %8.1f ms\n", k, s.Count, s.P50, s.P90, s.P99, s.Max)
	}
}

// mib formats a byte count, "?" when unknown.
func mib(n int64) string {
	if n < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// printState writes one line of server state, with the RSS change against ref when both are known.
func printState(w io.Writer, name string, st serverState, ref *serverState) {
	line := fmt.Sprintf("%-22s rss %s", name+":", mib(st.rss()))
	if ref != nil && ref.rss() > 0 && st.rss() >= 0 {
		line += fmt.Sprintf(" (%+.1f %% vs after warm-up)", 100*float64(st.rss()-ref.rss())/float64(ref.rss()))
	}
	if st.RSSProc >= 0 && st.RSSMetrics >= 0 {
		line += fmt.Sprintf(" [/proc %s, /metrics %s]", mib(st.RSSProc), mib(st.RSSMetrics))
	}
	if st.Goroutines >= 0 {
		line += fmt.Sprintf(", goroutines %d", st.Goroutines)
		if ref != nil && ref.Goroutines >= 0 {
			line += fmt.Sprintf(" (%d after warm-up)", ref.Goroutines)
		}
	} else {
		line += ", goroutines ?"
	}
	fmt.Fprintln(w, line)
}
