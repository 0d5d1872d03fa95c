package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/models/zoo"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// benchJSON is the --json output of bench.
type benchJSON struct {
	Model    string  `json:"model"`
	MedianMS float64 `json:"median_ms"`
	P10MS    float64 `json:"p10_ms"`
	P90MS    float64 `json:"p90_ms"`
	ImgPerS  float64 `json:"img_per_s"`
	Threads  int     `json:"threads"`
	Batch    int     `json:"batch"`
	Runs     int     `json:"runs"`
}

// modelFlags are the flags that choose a network: a .tflite file or a built MobileNet V1.
type modelFlags struct {
	model      *string
	arch       *string
	alpha      *float64
	resolution *int
	seed       *uint64
}

func addModelFlags(fs *flag.FlagSet) modelFlags {
	return modelFlags{
		model:      fs.String("model", "", "a .tflite model or a training checkpoint (.safetensors) instead of a built MobileNet V1"),
		arch:       fs.String("arch", "v1", "architecture of the built network: v1, v2, v3-large or v3-small"),
		alpha:      fs.Float64("alpha", 1, "width multiplier α of the built network, in (0, 4]"),
		resolution: fs.Int("resolution", 224, "input size of the built network, at least 16"),
		seed:       fs.Uint64("seed", 1, "seed of the built network's weights"),
	}
}

// graph returns the chosen network in inference form and its name.
func (m modelFlags) graph(fs *flag.FlagSet) (*graph.Graph, string, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *m.model != "" {
		if set["alpha"] || set["resolution"] || set["seed"] || set["arch"] {
			return nil, "", usagef("--model and --arch/--alpha/--resolution/--seed exclude each other")
		}
		g, err := mobilenet.ReadGraph(*m.model)
		if err != nil {
			return nil, "", err
		}
		return graph.Fold(g), *m.model, nil
	}
	cfg, err := archFlags(*m.alpha, *m.resolution, 3, 1000, "separable")
	if err != nil {
		return nil, "", err
	}
	cfg.Seed = *m.seed
	if err := zoo.Check(*m.arch); err != nil {
		return nil, "", usagef("--arch: %v", err)
	}
	g, err := zoo.Build(*m.arch, zoo.Config{Alpha: cfg.Alpha, Resolution: cfg.Resolution, Classes: cfg.Classes, Seed: cfg.Seed})
	if err != nil {
		return nil, "", err
	}
	return graph.Fold(g), g.Name, nil
}

// lcgInput fills a tensor for value v with the deterministic sequence that ONNX Runtime's harness
// (shared/peers/bench_ort.js) uses: seed 1, NHWC order, floats in [−1, 1) or bytes.
func lcgInput(v *graph.Value) (*tensor.Tensor, error) {
	t := &tensor.Tensor{Shape: v.Shape.Clone(), DType: v.DType, Quant: v.Quant}
	n := v.Shape.Size()
	switch v.DType {
	case tensor.Float32:
		t.F32 = lcg.Float32s(1, n)
	case tensor.Uint8:
		t.U8 = lcg.Uint8s(1, n)
	case tensor.Int8:
		t.I8 = lcg.Int8s(1, n)
	default:
		return nil, fmt.Errorf("cannot make a %v input", v.DType)
	}
	return t, nil
}

func init() {
	c := &command{name: "bench", summary: "time inference: warm-up, then median, p10, p90 and images/s",
		usage: "(--model M.tflite | [--arch v1|v2|v3-large|v3-small] --alpha A --resolution R) [--threads N] [--batch B] [--runs N] [--warmup N] [--json] [--profile [--wide]] [--dump OUT.bin]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		mf := addModelFlags(fs)
		threads := fs.Int("threads", runtime.NumCPU(), "threads each layer is split over")
		batch := fs.Int("batch", 1, "images per run")
		runs := fs.Int("runs", 100, "timed runs")
		warmup := fs.Int("warmup", 20, "untimed runs first")
		asJSON := fs.Bool("json", false, "print one JSON object")
		profile := fs.Bool("profile", false, "add one row per layer: time, GFLOP/s or GB/s, share of time beside share of mult-adds")
		wide := wideFlag(fs)
		rounding := roundingFlag(fs)
		dump := fs.String("dump", "", "write the first output of the last run as raw little-endian bytes")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *threads < 1 || *threads > 1024:
			return usagef("--threads %d out of range: want 1 to 1024", *threads)
		case *batch < 1 || *batch > 4096:
			return usagef("--batch %d out of range: want 1 to 4096", *batch)
		case *runs < 1 || *runs > 1000000:
			return usagef("--runs %d out of range: want 1 to 1000000", *runs)
		case *warmup < 0 || *warmup > 1000000:
			return usagef("--warmup %d out of range: want 0 to 1000000", *warmup)
		}
		r, err := parseRounding(*rounding)
		if err != nil {
			return err
		}
		g, name, err := mf.graph(fs)
		if err != nil {
			return err
		}
		p, err := graph.Compile(g, graph.Options{Batch: *batch, Threads: *threads, Rounding: r})
		if err != nil {
			return err
		}
		inputs := make([]*tensor.Tensor, len(p.Inputs()))
		for i, v := range p.Inputs() {
			if inputs[i], err = lcgInput(v); err != nil {
				return err
			}
		}
		for i := 0; i < *warmup; i++ {
			if _, err := p.Run(inputs...); err != nil {
				return err
			}
		}
		times := make([]float64, *runs)
		var layerTimes []time.Duration
		if *profile {
			layerTimes = make([]time.Duration, len(p.Nodes()))
		}
		var outs []*tensor.Tensor
		for i := range times {
			start := time.Now()
			if *profile {
				err = p.Profile(layerTimes, inputs...)
			} else {
				outs, err = p.Run(inputs...)
			}
			if err != nil {
				return err
			}
			times[i] = float64(time.Since(start)) / 1e6
		}
		if *dump != "" {
			if outs == nil {
				if outs, err = p.Run(inputs...); err != nil {
					return err
				}
			}
			if err := atomicfile.WriteBytes(*dump, outs[0].Bytes()); err != nil {
				return err
			}
		}
		sort.Float64s(times)
		q := func(f float64) float64 { return times[min(len(times)-1, int(f*float64(len(times))))] }
		res := benchJSON{Model: name, MedianMS: q(0.5), P10MS: q(0.1), P90MS: q(0.9), Threads: *threads, Batch: *batch, Runs: *runs}
		res.ImgPerS = float64(*batch) * 1000 / res.MedianMS
		if *asJSON {
			return json.NewEncoder(stdout).Encode(res)
		}
		fmt.Fprintf(stdout, "%s  batch %d  threads %d  %d runs: median %.3f ms  p10 %.3f  p90 %.3f  %.1f img/s\n",
			name, res.Batch, res.Threads, res.Runs, res.MedianMS, res.P10MS, res.P90MS, res.ImgPerS)
		if *profile {
			width := profileNameWidth
			if *wide {
				width = 0
			}
			printProfile(stdout, p, layerTimes, *runs, width)
		}
		return nil
	}
	register(c)
}

// printProfile prints one row per layer: its share of the time beside its share of the mult-adds, and
// its speed (GFLOP/s for layers that multiply, GB/s of activations moved for the rest), with layer names
// fitted to width columns (0: whole).
func printProfile(w io.Writer, p *graph.Program, times []time.Duration, runs, width int) {
	var total time.Duration
	var totalMA int64
	infos := make([]graph.Info, len(times))
	for i, n := range p.Nodes() {
		total += times[i]
		infos[i] = n.Op.Describe(p.Values(n.Inputs), p.Values(n.Outputs))
		infos[i].MultAdds *= int64(p.Batch())
		totalMA += infos[i].MultAdds
	}
	byType := map[string][2]float64{}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nlayer\ttype\tkernel\ttime ms\tspeed\ttime share\tmult-add share\t")
	for i, n := range p.Nodes() {
		t := times[i].Seconds() / float64(runs)
		speed := ""
		if infos[i].MultAdds > 0 && t > 0 {
			speed = fmt.Sprintf("%.1f GFLOP/s", 2*float64(infos[i].MultAdds)/t/1e9)
		} else if t > 0 {
			var bytes int64
			for _, v := range append(p.Values(n.Inputs), p.Values(n.Outputs)...) {
				if v != nil && !v.Const() {
					bytes += int64(v.Shape.Size() * v.DType.Size())
				}
			}
			speed = fmt.Sprintf("%.1f GB/s", float64(bytes)/t/1e9)
		}
		ts, ms := times[i].Seconds()/total.Seconds(), frac(infos[i].MultAdds, totalMA)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.4f\t%s\t%.2f %%\t%.2f %%\t\n", shortName(n.Name, width), infos[i].Type, p.KernelName(i), 1000*t, speed, 100*ts, 100*ms)
		acc := byType[infos[i].Type]
		byType[infos[i].Type] = [2]float64{acc[0] + ts, acc[1] + ms}
	}
	tw.Flush()
	fmt.Fprintln(w)
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		fmt.Fprintf(w, "  %-16s %6.2f %% of the time  %6.2f %% of the mult-adds\n", t, 100*byType[t][0], 100*byType[t][1])
	}
}

func frac(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
