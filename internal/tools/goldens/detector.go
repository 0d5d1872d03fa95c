package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/mobilenet-go/mobilenet/internal/golden"
)

// exposePredictors writes a copy of the detector whose outputs are the twelve tensors that the head
// model takes as inputs (found by name, in the head's input order), followed by the detector's own
// outputs, and returns its path.
func exposePredictors(detPath string, det, head *graph, tmp string) (string, error) {
	model, err := os.ReadFile(detPath)
	if err != nil {
		return "", fmt.Errorf("goldens: %w", err)
	}
	var outs []int
	for _, hi := range head.Inputs {
		name := head.Tensors[hi].Name
		idx := slices.IndexFunc(det.Tensors, func(t tensorInfo) bool { return t.Name == name })
		if idx < 0 {
			return "", fmt.Errorf("goldens: detector has no tensor %q", name)
		}
		dt, ht := det.Tensors[idx], head.Tensors[hi]
		if !slices.Equal(dt.Shape, ht.Shape) || dt.Type != 3 || ht.Type != 3 || !dt.Quant || !ht.Quant {
			return "", fmt.Errorf("goldens: %q: detector %v type %d, head %v type %d", name, dt.Shape, dt.Type, ht.Shape, ht.Type)
		}
		outs = append(outs, idx)
	}
	outs = append(outs, det.Outputs...)
	b, err := withOutputs(model, det, outs)
	if err != nil {
		return "", err
	}
	path := filepath.Join(tmp, "detector_with_predictors.tflite")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", fmt.Errorf("goldens: %w", err)
	}
	return path, nil
}

// requantize turns the detector's predictor outputs (uint8 codes) into the head model's inputs:
// q' = clamp(round(s·(q − z)/s') + z', 0, 255), rounding half away from zero, in float64.
func requantize(outs []golden.Output, det, head *graph) ([][]byte, error) {
	ins := make([][]byte, len(head.Inputs))
	for i, hi := range head.Inputs {
		ht := head.Tensors[hi]
		o := outs[i]
		di := slices.IndexFunc(det.Tensors, func(t tensorInfo) bool { return t.Name == o.Name })
		if o.Name != ht.Name || di < 0 || o.DType != "int32" || len(o.Ints) != ht.elems() {
			return nil, fmt.Errorf("goldens: predictor output %d is %q (%s, %d values), head input is %q", i, o.Name, o.DType, len(o.Ints), ht.Name)
		}
		dt := det.Tensors[di]
		ratio := float64(dt.Scale) / float64(ht.Scale)
		b := make([]byte, len(o.Ints))
		for k, q := range o.Ints {
			v := math.Round(ratio*float64(int64(q)-dt.Zero)) + float64(ht.Zero)
			b[k] = byte(max(0, min(255, v)))
		}
		ins[i] = b
	}
	return ins, nil
}

// sameOutputs reports whether two output lists have the same names, shapes and values.
func sameOutputs(a, b []golden.Output) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Shape, b[i].Shape) ||
			!slices.Equal(a[i].Ints, b[i].Ints) || !slices.Equal(a[i].Floats, b[i].Floats) {
			return false
		}
	}
	return true
}

// logDetections prints each detection: class id, label, score and box.
func logDetections(outs []golden.Output, labels []string) {
	n := int(outs[3].Floats[0])
	for i := 0; i < n; i++ {
		c := int(outs[1].Floats[i])
		name := "?"
		if c >= 0 && c < len(labels) {
			name = labels[c]
		}
		log.Printf("    class %2d %-14s score %.6f (%3.0f/256) box %v", c, name, outs[2].Floats[i], outs[2].Floats[i]*256, outs[0].Floats[4*i:4*i+4])
	}
}

// readLabels reads a label file, one label a line; a missing file gives no labels.
func readLabels(path string) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func appendFloat32(b []byte, v float32) []byte {
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
}
