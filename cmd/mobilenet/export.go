package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/formats/onnx"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
)

func init() {
	c := &command{name: "export", summary: "write a network as an ONNX model (float32 NHWC input), loadable by ONNX Runtime, or as a .tflite model (float or 8-bit, with TFLite metadata)",
		usage: "--format onnx|tflite ([--arch v1|v2|v3-large|v3-small] --alpha A --resolution R [--seed S] | --model M.tflite|M.safetensors) -o OUT.onnx|OUT.tflite"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		format := fs.String("format", "onnx", "output format: onnx or tflite")
		mf := addModelFlags(fs)
		out := fs.String("o", "", "the file to write (required)")
		if err := parse(fs, args); err != nil {
			return err
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *format != "onnx" && *format != "tflite":
			return usagef("--format %q: want onnx or tflite", *format)
		case *out == "" && (*format == "onnx" || *mf.model == ""):
			return usagef("-o is required")
		}
		g, name, err := mf.graph(fs)
		if err != nil {
			return err
		}
		if *format == "tflite" {
			opt := tflite.WriteOptions{Description: "MobileNet written by mobilenet-go from " + filepath.Base(name)}
			if *mf.model != "" {
				if m, err := mobilenet.Load(*mf.model); err == nil {
					opt.Labels = m.Labels()
				}
			}
			if len(g.Inputs) > 0 && len(g.Values[g.Inputs[0]].Shape) == 4 {
				// The project's image input: (p − 127.5)/127.5 for float models (8-bit inputs take p).
				opt.Normalization = &tflite.Normalization{Mean: []float32{127.5}, Std: []float32{127.5}}
			}
			if *out == "" {
				*out = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name)) + ".tflite"
				if abs, _ := filepath.Abs(*out); abs == func() string { a, _ := filepath.Abs(name); return a }() {
					return usagef("-o is required: the default %s is the input file", *out)
				}
			}
			if err := tflite.WriteFile(*out, g, opt); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "wrote %s (%s)\n", *out, name)
			return nil
		}
		// 8-bit graphs are written in QDQ form (float32 input and output, 8-bit inside); an 8-bit op the
		// QDQ export lacks is a one-line error naming it.
		if err := atomicfile.Write(*out, func(w io.Writer) error { return onnx.Export(w, g) }); err != nil {
			if onnx.Quantized(g) {
				return fmt.Errorf("%s is an 8-bit model: %w", name, err)
			}
			return err
		}
		fmt.Fprintf(stdout, "wrote %s (%s)\n", *out, name)
		return nil
	}
	register(c)
}
