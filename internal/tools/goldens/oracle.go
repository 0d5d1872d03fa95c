package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet/internal/golden"
)

// oracleOutput is one output tensor as tflite_run.js prints it. A NaN or infinity is printed as null.
type oracleOutput struct {
	Name  string     `json:"name"`
	Shape []int      `json:"shape"`
	DType string     `json:"dtype"`
	Data  []*float64 `json:"data"`
}

// oracleResult is the whole of tflite_run.js's output.
type oracleResult struct {
	Inputs  []golden.Tensor `json:"inputs"`
	Outputs []oracleOutput  `json:"outputs"`
}

// runOracle runs shared/oracle's tflite_run.js on a model with the given input files, read as int8
// when int8 is set.
func runOracle(oracleDir, model string, inputs []string, int8 bool) (*oracleResult, error) {
	args := append([]string{filepath.Join(oracleDir, "tflite_run.js"), model}, inputs...)
	if int8 {
		args = append(args, "--int8")
	}
	cmd := exec.Command("node", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("goldens: oracle on %s: %v: %s", filepath.Base(model), err, lastLine(stderr.String()))
	}
	var res oracleResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		return nil, fmt.Errorf("goldens: oracle on %s: bad JSON: %w", filepath.Base(model), err)
	}
	return &res, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// toGolden converts an oracle output, checking that int32 values are integers and that float32 values
// are exactly float32 numbers (the oracle prints each float32 as the double it widens to).
func toGolden(o oracleOutput) (golden.Output, error) {
	g := golden.Output{Name: o.Name, Shape: o.Shape, DType: o.DType}
	if n := golden.Elems(o.Shape); n != len(o.Data) {
		return g, fmt.Errorf("goldens: output %q: %d values for shape %v", o.Name, len(o.Data), o.Shape)
	}
	for i, p := range o.Data {
		if p == nil {
			return g, fmt.Errorf("goldens: output %q value %d is not finite", o.Name, i)
		}
		v := *p
		switch o.DType {
		case "int32":
			if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
				return g, fmt.Errorf("goldens: output %q value %d = %v is not an int32", o.Name, i, v)
			}
			g.Ints = append(g.Ints, int32(v))
		case "float32":
			if float64(float32(v)) != v {
				return g, fmt.Errorf("goldens: output %q value %d = %v is not a float32", o.Name, i, v)
			}
			g.Floats = append(g.Floats, float32(v))
		default:
			return g, fmt.Errorf("goldens: output %q: unexpected dtype %q", o.Name, o.DType)
		}
	}
	return g, nil
}

// writeInputs writes one raw input file per tensor into dir, named by prefix, and returns their paths.
func writeInputs(dir, prefix string, inputs [][]byte) ([]string, error) {
	paths := make([]string, len(inputs))
	for i, b := range inputs {
		paths[i] = filepath.Join(dir, fmt.Sprintf("%s_in%d.bin", prefix, i))
		if err := os.WriteFile(paths[i], b, 0o644); err != nil {
			return nil, fmt.Errorf("goldens: %w", err)
		}
	}
	return paths, nil
}
