package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Tolerance of check: an element passes when |ours − ORT| ≤ relTol·|ORT| + absTol·max|ORT|, the absolute
// part scaled to the output's largest magnitude so that near-zero elements do not fail on rounding.
const (
	relTol = 1e-4
	absTol = 1e-5
)

// diff is the comparison check prints.
type diff struct {
	Model     string  `json:"model"`
	Output    string  `json:"output"`
	Batch     int     `json:"batch"`
	Elements  int     `json:"elements"`
	MaxAbsRef float64 `json:"max_abs_ref"` // largest |ORT| element
	MaxAbs    float64 `json:"max_abs_diff"`
	MaxRel    float64 `json:"max_rel_diff"`    // max |d|/|ORT| over elements with |ORT| ≥ 1e-3·max|ORT|
	MaxScaled float64 `json:"max_scaled_diff"` // max |d| / max|ORT|
	Argmax    [2]int  `json:"argmax_ours_ort"` // of the first image
	Pass      bool    `json:"pass"`
}

func checkCmd(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	var m modelFlags
	m.register(fs)
	batch := fs.Int("batch", 1, "images per run (as given to bench_ort.js)")
	ortFile := fs.String("ort", "", "raw float32 output of bench_ort.js --dump")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *ortFile == "" || *batch < 1 || fs.NArg() != 0 {
		return fmt.Errorf("check: give -ort FILE, a batch ≥ 1 and no arguments")
	}
	g, err := m.build()
	if err != nil {
		return err
	}
	ours, err := runOurs(g, *batch)
	if err != nil {
		return err
	}
	ref, err := readFloats(*ortFile, len(ours.F32))
	if err != nil {
		return err
	}
	d := compare(ours.F32, ref, *batch)
	d.Model, d.Batch = g.Name, *batch
	d.Output = "softmax"
	if m.logits {
		d.Output = "logits"
	}
	if err := json.NewEncoder(stdout).Encode(d); err != nil {
		return err
	}
	if !d.Pass {
		return fmt.Errorf("%s (%s): outputs differ beyond %g relative + %g·max|ORT| absolute", d.Model, d.Output, relTol, absTol)
	}
	return nil
}

// runOurs runs g on the shared input at the given batch size and returns its first output.
func runOurs(g *graph.Graph, batch int) (*tensor.Tensor, error) {
	p, err := graph.Compile(g, graph.Options{Batch: batch})
	if err != nil {
		return nil, err
	}
	in := p.Inputs()[0]
	x, err := tensor.FromFloat32(in.Shape, lcg.Float32s(1, in.Shape.Size()))
	if err != nil {
		return nil, err
	}
	outs, err := p.Run(x)
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// readFloats reads exactly n little-endian float32 values from file.
func readFloats(file string, n int) ([]float32, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if len(b) != 4*n {
		return nil, fmt.Errorf("%s: %d bytes, want %d (%d float32 values)", file, len(b), 4*n, n)
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out, nil
}

// compare measures how far ours is from ref (both batch × classes).
func compare(ours, ref []float32, batch int) diff {
	d := diff{Elements: len(ref), Pass: true}
	for _, r := range ref {
		d.MaxAbsRef = math.Max(d.MaxAbsRef, math.Abs(float64(r)))
	}
	for i, r := range ref {
		a := math.Abs(float64(ours[i]) - float64(r))
		d.MaxAbs = math.Max(d.MaxAbs, a)
		if math.Abs(float64(r)) >= 1e-3*d.MaxAbsRef && r != 0 {
			d.MaxRel = math.Max(d.MaxRel, a/math.Abs(float64(r)))
		}
		if a > relTol*math.Abs(float64(r))+absTol*d.MaxAbsRef || math.IsNaN(a) {
			d.Pass = false
		}
	}
	if d.MaxAbsRef > 0 {
		d.MaxScaled = d.MaxAbs / d.MaxAbsRef
	}
	per := len(ref) / batch
	d.Argmax = [2]int{argmax(ours[:per]), argmax(ref[:per])}
	return d
}

func argmax(xs []float32) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}
