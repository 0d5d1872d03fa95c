package main

import (
	"flag"
	"strings"

	"github.com/mobilenet-go/mobilenet"
)

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// roundingFlag adds --rounding to fs.
func roundingFlag(fs *flag.FlagSet) *string {
	return fs.String("rounding", "xnnpack", "arithmetic of 8-bit models: xnnpack (TFLite on a CPU) or reference (TFLite's reference kernels, TFLite Micro)")
}

func parseRounding(s string) (mobilenet.Rounding, error) {
	switch s {
	case "xnnpack":
		return mobilenet.XNNPACK, nil
	case "reference":
		return mobilenet.Reference, nil
	}
	return 0, usagef("--rounding %q: want xnnpack or reference", s)
}

// loadModel opens --model (or, when it is empty, the built-in model builtin gives), with the labels of
// --labels when given.
func loadModel(model, labelsPath string, builtin func(...mobilenet.Option) (*mobilenet.Model, error), opts []mobilenet.Option) (*mobilenet.Model, error) {
	if labelsPath != "" {
		labels, err := mobilenet.ReadLabels(labelsPath)
		if err != nil {
			return nil, err
		}
		opts = append(opts, mobilenet.WithLabels(labels))
	}
	if model == "" {
		return builtin(opts...)
	}
	return mobilenet.Load(model, opts...)
}
