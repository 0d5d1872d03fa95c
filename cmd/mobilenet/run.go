package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// tensorJSON is one tensor in the oracle's JSON layout (shared/oracle/tflite_run.js).
type tensorJSON struct {
	Name  string    `json:"name"`
	Shape []int     `json:"shape"`
	DType string    `json:"dtype"`
	Data  []float64 `json:"data,omitempty"`
}

func init() {
	c := &command{name: "run", summary: "run a .tflite model on raw input tensors and print or save every output",
		usage: "--model M.tflite --input IN.bin [--input IN2.bin ...] [--rounding xnnpack|reference] [--json] [--out DIR]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "the .tflite model (required)")
		var inputs listFlag
		fs.Var(&inputs, "input", "raw little-endian input tensor in the model's type and shape; once per model input, in order")
		rounding := roundingFlag(fs)
		asJSON := fs.Bool("json", false, "print the inputs and outputs as JSON, 8-bit tensors as their integer codes")
		outDir := fs.String("out", "", "write each output as raw bytes to DIR/output_N.bin (DIR is created if need be)")
		if err := parse(fs, args); err != nil {
			return err
		}
		if *model == "" {
			return usagef("--model is required")
		}
		if fs.NArg() > 0 {
			return usagef("unexpected argument %q (inputs go with --input)", fs.Arg(0))
		}
		r, err := parseRounding(*rounding)
		if err != nil {
			return err
		}
		m, err := mobilenet.Load(*model, mobilenet.WithRounding(r))
		if err != nil {
			return err
		}
		g := m.Graph()
		if len(inputs) != len(g.Inputs) {
			return usagef("the model takes %d inputs, %d --input given", len(g.Inputs), len(inputs))
		}
		xs := make([]*tensor.Tensor, len(inputs))
		for i, path := range inputs {
			if xs[i], err = readRaw(path, g.Values[g.Inputs[i]].DType, g.Values[g.Inputs[i]].Shape); err != nil {
				return err
			}
			xs[i].Quant = g.Values[g.Inputs[i]].Quant
		}
		outs, err := m.Run(xs...)
		if err != nil {
			return err
		}
		if *outDir != "" {
			if err := os.MkdirAll(*outDir, 0o755); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			for i, o := range outs {
				if err := atomicfile.WriteBytes(filepath.Join(*outDir, fmt.Sprintf("output_%d.bin", i)), o.Bytes()); err != nil {
					return err
				}
			}
		}
		if *asJSON {
			var doc struct {
				Inputs  []tensorJSON `json:"inputs"`
				Outputs []tensorJSON `json:"outputs"`
			}
			for _, id := range g.Inputs {
				v := g.Values[id]
				doc.Inputs = append(doc.Inputs, tensorJSON{Name: v.Name, Shape: v.Shape, DType: v.DType.String()})
			}
			for i, o := range outs {
				doc.Outputs = append(doc.Outputs, tensorJSON{Name: g.Values[g.Outputs[i]].Name, Shape: o.Shape, DType: o.DType.String(), Data: codes(o)})
			}
			return json.NewEncoder(stdout).Encode(doc)
		}
		for i, o := range outs {
			printTensorSummary(stdout, g.Values[g.Outputs[i]].Name, o)
		}
		return nil
	}
	register(c)
}

// readRaw reads a raw little-endian tensor of the given type and shape from a file, refusing a file of
// the wrong size before reading it.
func readRaw(path string, dt tensor.DType, shape tensor.Shape) (*tensor.Tensor, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if want := int64(shape.Size() * dt.Size()); st.Size() != want {
		return nil, fmt.Errorf("%s: %d bytes, the input %v %v needs %d", path, st.Size(), dt, shape, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return tensor.FromBytes(dt, shape, b)
}

// codes returns a tensor's elements as numbers: 8-bit, int32 and int64 tensors as their integer codes.
func codes(t *tensor.Tensor) []float64 {
	out := make([]float64, t.Len())
	for i := range out {
		switch t.DType {
		case tensor.Float32:
			out[i] = float64(t.F32[i])
		case tensor.Uint8:
			out[i] = float64(t.U8[i])
		case tensor.Int8:
			out[i] = float64(t.I8[i])
		case tensor.Int32:
			out[i] = float64(t.I32[i])
		case tensor.Int64:
			out[i] = float64(t.I64[i])
		}
	}
	return out
}

func printTensorSummary(w io.Writer, name string, t *tensor.Tensor) {
	vals := t.Floats()
	lo, hi, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, v := range vals {
		lo, hi, sum = math.Min(lo, v), math.Max(hi, v), sum+v
	}
	fmt.Fprintf(w, "%s: %v %v", name, t.DType, t.Shape)
	if t.Quant != nil {
		fmt.Fprintf(w, " (%v)", t.Quant)
	}
	if len(vals) == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintf(w, "\n  real values: min %.6g  max %.6g  mean %.6g\n", lo, hi, sum/float64(len(vals)))
	idx := make([]int, len(vals))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return vals[idx[a]] > vals[idx[b]] })
	fmt.Fprint(w, "  largest:")
	for _, i := range idx[:min(5, len(idx))] {
		fmt.Fprintf(w, " [%d]=%.6g", i, vals[i])
	}
	fmt.Fprintln(w)
}
