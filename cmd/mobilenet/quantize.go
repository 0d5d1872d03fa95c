package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/quantize"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train"
)

func init() {
	c := &command{name: "quantize", summary: "turn a float model into an 8-bit .tflite by post-training quantization on calibration images",
		usage: "--model M --data CALIB [--samples 512] [--scheme int8|uint8] [--per-channel=true] [--range minmax|percentile|mse] [--float-io] -o OUT.tflite"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "a float model: a checkpoint (.safetensors) or a float .tflite (required)")
		dataPath := fs.String("data", "", "calibration images: a folder of images (or of class folders), IDX files, or a detection data set (VOC/YOLO folder, .csv, COCO .json) (required)")
		samples := fs.Int("samples", 512, "calibration images to use (chosen at random from --seed when there are more)")
		scheme := fs.String("scheme", "int8", "int8 (symmetric int8 weights, int8 activations) or uint8 (legacy, everything uint8 per tensor)")
		perChannel := fs.Bool("per-channel", true, "int8: one weight scale per output channel of each convolution (false: one per tensor)")
		method := fs.String("range", "minmax", "activation ranges: minmax, percentile (the central --percentile % of values) or mse (least squared error)")
		pct := fs.Float64("percentile", 99.99, "with --range percentile: the share of values, in percent, kept inside the range")
		floatIO := fs.Bool("float-io", false, "take a float input ((p − 127.5)/127.5) and give float outputs, through QUANTIZE and DEQUANTIZE ops; by default the model takes the image's bytes")
		seed := fs.Uint64("seed", 1, "seed of the choice of calibration images")
		threads := fs.Int("threads", runtime.NumCPU(), "threads")
		out := fs.String("o", "", "the .tflite file to write (required)")
		if err := parse(fs, args); err != nil {
			return err
		}
		perChannelSet := false
		fs.Visit(func(f *flag.Flag) { perChannelSet = perChannelSet || f.Name == "per-channel" })
		opt := quantize.Options{Percentile: *pct, Threads: *threads, PerTensor: !*perChannel}
		switch *scheme {
		case "int8":
		case "uint8":
			opt.Scheme, opt.PerTensor = quantize.Uint8, true
			if perChannelSet && *perChannel {
				return usagef("--scheme uint8 is per tensor: --per-channel=true needs --scheme int8")
			}
		default:
			return usagef("--scheme %q: want int8 or uint8", *scheme)
		}
		switch *method {
		case "minmax":
		case "percentile":
			opt.Range = quantize.Percentile
		case "mse":
			opt.Range = quantize.MSE
		default:
			return usagef("--range %q: want minmax, percentile or mse", *method)
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *model == "" || *dataPath == "" || *out == "":
			return usagef("--model, --data and -o are required")
		case !strings.EqualFold(filepath.Ext(*out), ".tflite"):
			return usagef("-o %s: an 8-bit model is written as .tflite only", *out)
		case *samples < 1:
			return usagef("--samples %d: want at least 1", *samples)
		case *threads < 1 || *threads > 1024:
			return usagef("--threads %d out of range: want 1 to 1024", *threads)
		}
		if err := opt.Check(); err != nil {
			return usagef("%v", err)
		}
		m, err := mobilenet.Load(*model)
		if err != nil {
			return err
		}
		g := m.Graph()
		if in := m.Input(); in.DType != tensor.Float32 {
			return fmt.Errorf("%s is already an 8-bit model (its input is %v): quantize the float model it was made from", *model, in.DType)
		}
		h, w, ch, err := quantize.InputShape(g)
		if err != nil {
			return err
		}
		images, err := quantize.LoadImages(*dataPath, h, w, ch, *samples, *seed)
		if err != nil {
			return err
		}
		if len(images) < *samples {
			fmt.Fprintf(stdout, "%s has %d images, fewer than --samples %d: calibrating on all of them\n", *dataPath, len(images), *samples)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		start := time.Now()
		q, cal, err := quantize.Model(ctx, g, images, opt)
		if err != nil {
			return err
		}
		if *floatIO {
			if q, err = quantize.FloatIO(q); err != nil {
				return err
			}
		}
		if err := tflite.WriteFile(*out, q, tflite.WriteOptions{Labels: m.Labels()}); err != nil {
			return err
		}
		pc := ""
		if opt.Scheme == quantize.Int8 {
			pc = ", weights per channel"
			if opt.PerTensor {
				pc = ", weights per tensor"
			}
		}
		fmt.Fprintf(stdout, "calibrated %s on %d images (%d activations, %s ranges) in %.1f s\nwrote %s (%s%s)\n",
			m.Name(), cal.Images, len(cal.Ranges), opt.Range, time.Since(start).Seconds(), *out, opt.Scheme, pc)
		return nil
	}
	register(c)
}

// loadEvalModel reads the model eval measures: a checkpoint, or a .tflite model (float or 8-bit; an
// 8-bit one is run through its float-input form, quantize.FloatIO) described as a checkpoint would be:
// a detector when it ends in the detection post-process, else a classifier of its input's size.
func loadEvalModel(path string) (*train.Checkpoint, error) {
	if !strings.EqualFold(filepath.Ext(path), ".tflite") {
		return train.LoadCheckpoint(path)
	}
	m, err := mobilenet.Load(path)
	if err != nil {
		return nil, err
	}
	g, err := quantize.FloatIO(m.Graph())
	if err != nil {
		return nil, err
	}
	in := g.Values[g.Inputs[0]].Shape
	if len(in) != 4 {
		return nil, fmt.Errorf("%s: input shape %v is not an image (NHWC)", path, in)
	}
	st := &train.State{Builder: checkpoint.MobileNetV1, Labels: m.Labels(),
		Model: mobilenetv1.Config{Resolution: in[1], Channels: in[3]}}
	if m.IsDetector() {
		st.Builder = checkpoint.SSDMobileNetV1
	}
	return &train.Checkpoint{Graph: g, State: st}, nil
}
