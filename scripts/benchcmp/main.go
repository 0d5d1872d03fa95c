// Command benchcmp is the Go side of scripts/bench_vs_ort.sh, the comparison with ONNX Runtime:
//
//	benchcmp export -alpha A -resolution R [-seed S] [-logits] -o MODEL.onnx
//	benchcmp check  -alpha A -resolution R [-seed S] [-logits] [-batch B] -ort OUT.bin
//	benchcmp table  RESULTS.tsv
//
// export writes MobileNet V1 (random weights from the seed) as ONNX; -logits drops the final Softmax.
// check runs the same network in this project's runtime on the shared pseudo-random input
// (internal/lcg, seed 1, NHWC) and compares it with the raw float32 output that
// "node bench_ort.js MODEL.onnx 1 B 1 0 --dump OUT.bin" wrote, printing the differences as JSON and
// failing when an element differs by more than the tolerance. table turns the timing lines the script
// collects into a markdown table.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchcmp:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: benchcmp export|check|table [flags]")
	}
	switch args[0] {
	case "export":
		return exportCmd(args[1:])
	case "check":
		return checkCmd(args[1:], stdout)
	case "table":
		if len(args) != 2 {
			return errors.New("usage: benchcmp table RESULTS.tsv")
		}
		f, err := os.Open(args[1])
		if err != nil {
			return err
		}
		defer f.Close()
		return table(f, stdout)
	}
	return fmt.Errorf("unknown command %q (export, check or table)", args[0])
}

// modelFlags are the flags that choose the network.
type modelFlags struct {
	alpha      float64
	resolution int
	seed       uint64
	logits     bool
}

func (m *modelFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&m.alpha, "alpha", 1, "width multiplier α")
	fs.IntVar(&m.resolution, "resolution", 224, "input resolution")
	fs.Uint64Var(&m.seed, "seed", 1, "seed of the random weights")
	fs.BoolVar(&m.logits, "logits", false, "drop the final Softmax: the output is the logits")
}
