package main

import (
	"fmt"
	"io"
	"slices"

	"github.com/mobilenet-go/mobilenet/formats/onnx"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
)

func init() {
	c := &command{name: "export", summary: "write a network as an ONNX model (float32 NHWC input), loadable by ONNX Runtime",
		usage: "--format onnx (--alpha A --resolution R [--seed S] | --model M.tflite) -o OUT.onnx"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		format := fs.String("format", "onnx", "output format: onnx")
		mf := addModelFlags(fs)
		out := fs.String("o", "", "the file to write (required)")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *format != "onnx":
			return usagef("--format %q: want onnx", *format)
		case *out == "":
			return usagef("-o is required")
		}
		g, name, err := mf.graph(fs)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(g.Values, func(v *graph.Value) bool { return v != nil && v.Quant != nil }) {
			return fmt.Errorf("%s is an 8-bit model and ONNX export writes float32 graphs only: export the float model it was made from (a float .tflite or a .safetensors checkpoint), or a built network (--alpha A --resolution R)", name)
		}
		if err := atomicfile.Write(*out, func(w io.Writer) error { return onnx.Export(w, g) }); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%s)\n", *out, name)
		return nil
	}
	register(c)
}
