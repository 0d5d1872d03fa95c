package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// The lines of a results file, tab-separated:
//
//	time  SIDE MODEL THREADS BATCH REP JSON   (JSON: a bench line with median_ms)
//	mem   SIDE MODEL KBYTES NOTE              (peak resident set size from /usr/bin/time -v)
//
// SIDE is "ours" or "ort"; MODEL is e.g. "1.0/224".

// config is one row of the table.
type config struct {
	model          string
	threads, batch int
}

// benchLine is the part of a bench JSON line table reads.
type benchLine struct {
	MedianMS *float64 `json:"median_ms"`
}

// memLine is one peak memory figure.
type memLine struct {
	side, model, note string
	kb                int
}

// table reads a results file and writes the markdown table of medians and the peak memory lines.
func table(r io.Reader, w io.Writer) error {
	times := map[config]map[string][]float64{}
	var order []config
	var mems []memLine
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "time" && len(f) == 7:
			threads, err1 := strconv.Atoi(f[3])
			batch, err2 := strconv.Atoi(f[4])
			var b benchLine
			err3 := json.Unmarshal([]byte(f[6]), &b)
			if err1 != nil || err2 != nil || err3 != nil || b.MedianMS == nil || threads < 1 || batch < 1 {
				return fmt.Errorf("results line %d: bad time line %q", ln, line)
			}
			c := config{model: f[2], threads: threads, batch: batch}
			if times[c] == nil {
				times[c] = map[string][]float64{}
				order = append(order, c)
			}
			times[c][f[1]] = append(times[c][f[1]], *b.MedianMS)
		case f[0] == "mem" && len(f) == 5:
			kb, err := strconv.Atoi(f[3])
			if err != nil {
				return fmt.Errorf("results line %d: bad memory figure %q", ln, f[3])
			}
			mems = append(mems, memLine{side: f[1], model: f[2], kb: kb, note: f[4]})
		default:
			return fmt.Errorf("results line %d: not a time or mem line: %q", ln, line)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	fmt.Fprintln(w, "| model | threads | batch | ours ms | ORT ms | ours/ORT | ours img/s | ORT img/s | reps |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, c := range order {
		ours, okO := median(times[c]["ours"])
		ort, okR := median(times[c]["ort"])
		ratio := "—"
		if okO && okR && ort > 0 {
			ratio = fmt.Sprintf("%.2f", ours/ort)
		}
		reps := fmt.Sprintf("%d/%d", len(times[c]["ours"]), len(times[c]["ort"]))
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %s | %s |\n", c.model, c.threads, c.batch,
			ms(ours, okO), ms(ort, okR), ratio, rate(c.batch, ours, okO), rate(c.batch, ort, okR), reps)
	}
	if len(mems) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "| peak RSS | model | MiB | what |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, m := range mems {
			fmt.Fprintf(w, "| %s | %s | %.1f | %s |\n", m.side, m.model, float64(m.kb)/1024, m.note)
		}
	}
	return nil
}

// median returns the median of xs (the mean of the middle two for an even count).
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2], true
	}
	return (s[n/2-1] + s[n/2]) / 2, true
}

func ms(v float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func rate(batch int, msPerRun float64, ok bool) string {
	if !ok || msPerRun <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.1f", float64(batch)*1000/msPerRun)
}
