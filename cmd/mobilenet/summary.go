package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/mobilenet-go/mobilenet"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/models/zoo"
)

// summaryJSON is the --json form of the cost report.
type summaryJSON struct {
	Alpha      float64 `json:"alpha"`
	Resolution int     `json:"resolution"`
	Channels   int     `json:"channels"`
	Classes    int     `json:"classes"`
	Conv       string  `json:"conv"`
	SSD        bool    `json:"ssd"`
	*graph.Summary
}

func init() {
	c := &command{name: "summary", summary: "print the layers, parameters and mult-adds of a MobileNet V1, V2 or V3 network",
		usage: "[--arch v1|v2|v3-large|v3-small] [--alpha A] [--resolution R] [--channels C] [--classes N] [--conv separable|full] [--ssd] [--json] | --model M [--wide] [--json]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		arch := fs.String("arch", "v1", "architecture: v1, v2, v3-large or v3-small")
		alpha := fs.Float64("alpha", 1, "width multiplier α, in (0, 4]")
		res := fs.Int("resolution", 224, "input height and width in pixels, at least 16")
		channels := fs.Int("channels", 3, "input channels (3 RGB, 1 grey), 1 to 64")
		classes := fs.Int("classes", 1000, "number of classes, at least 1")
		conv := fs.String("conv", "separable", "separable (MobileNet) or full (standard 3×3 convolutions, the paper's Table 4 baseline)")
		asJSON := fs.Bool("json", false, "print one JSON object")
		withSSD := fs.Bool("ssd", false, "the SSD 300 detector on MobileNet V1 (the paper's Table 13): resolution 300 and 90 classes unless given")
		model := fs.String("model", "", "report the cost of a model file instead: a .tflite model or a training checkpoint (.safetensors)")
		wide := wideFlag(fs)
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usagef("takes no arguments, got %q", fs.Arg(0))
		}
		width := summaryNameWidth
		if *wide {
			width = 0
		}
		if *model != "" {
			g, err := mobilenet.ReadGraph(*model)
			if err != nil {
				return err
			}
			s := graph.Summarize(g)
			if *asJSON {
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Model string `json:"model"`
					*graph.Summary
				}{*model, s})
			}
			printSummary(stdout, *model, s, width)
			return nil
		}
		if *withSSD {
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			if !set["resolution"] {
				*res = 300
			}
			if !set["classes"] {
				*classes = 90
			}
			if set["channels"] || set["conv"] {
				return usagef("--ssd takes an RGB separable backbone: drop --channels and --conv")
			}
		}
		cfg, err := archFlags(*alpha, *res, *channels, *classes, *conv)
		if err != nil {
			return err
		}
		if err := zoo.Check(*arch); err != nil {
			return usagef("--arch: %v", err)
		}
		if *arch != zoo.V1 && (*withSSD || *conv != "separable") {
			return usagef("--ssd and --conv full build MobileNet V1 only: drop --arch %s", *arch)
		}
		var g *graph.Graph
		if *arch != zoo.V1 {
			g, err = zoo.Build(*arch, zoo.Config{Alpha: cfg.Alpha, Resolution: cfg.Resolution, Channels: cfg.Channels, Classes: cfg.Classes})
		} else if *withSSD {
			g, err = ssd.Build(ssd.Config{Alpha: cfg.Alpha, Resolution: cfg.Resolution, Classes: cfg.Classes})
		} else {
			g, err = mobilenetv1.Build(cfg)
		}
		if err != nil {
			return err
		}
		s := graph.Summarize(g)
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(summaryJSON{Alpha: cfg.Alpha, Resolution: cfg.Resolution, Channels: cfg.Channels,
				Classes: cfg.Classes, Conv: *conv, SSD: *withSSD, Summary: s})
		}
		printSummary(stdout, g.Name, s, width)
		if *withSSD {
			fmt.Fprintf(stdout, "\nThe paper's Table 13 gives SSD 300 MobileNet 1.2 B mult-adds and 6.8 M parameters; counted here: every\nconvolution's mult-adds and weights (backbone, extra layers, box and class predictors).\n")
		}
		return nil
	}
	register(c)
}

// archFlags checks the architecture flags shared by several commands and returns the configuration.
func archFlags(alpha float64, res, channels, classes int, conv string) (mobilenetv1.Config, error) {
	switch {
	case !(alpha > 0 && alpha <= 4):
		return mobilenetv1.Config{}, usagef("--alpha %g out of range: want 0 < α ≤ 4", alpha)
	case res < 16 || res > 4096:
		return mobilenetv1.Config{}, usagef("--resolution %d out of range: want 16 to 4096", res)
	case channels < 1 || channels > 64:
		return mobilenetv1.Config{}, usagef("--channels %d out of range: want 1 to 64", channels)
	case classes < 1 || classes > 100000:
		return mobilenetv1.Config{}, usagef("--classes %d out of range: want 1 to 100000", classes)
	case conv != "separable" && conv != "full":
		return mobilenetv1.Config{}, usagef("--conv %q: want separable or full", conv)
	}
	return mobilenetv1.Config{Alpha: alpha, Resolution: res, Channels: channels, Classes: classes, FullConv: conv == "full"}, nil
}

// printSummary prints the cost report s of the network name, with layer names fitted to width columns
// (0: whole).
func printSummary(w io.Writer, name string, s *graph.Summary, width int) {
	fmt.Fprintf(w, "%s\n\n", name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\ttype\tstride\tinput\t\toutput\tparams\tmult-adds\tshare\t")
	for _, l := range s.Layers {
		stride := "-"
		if l.Stride > 0 {
			stride = fmt.Sprint(l.Stride)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t→\t%s\t%d\t%d\t%.2f %%\t\n", shortName(l.Name, width), l.Type, stride, dims(l.Input), dims(l.Output), l.Params, l.MultAdds, 100*l.Share)
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntotal: %d mult-adds (%.1f M), %d params (%.3f M) in convolutions and the classifier,\n       %d trained parameters in all\n\n",
		s.MultAdds, float64(s.MultAdds)/1e6, s.Params, float64(s.Params)/1e6, s.ParamsTotal)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "by type (Table 2)\tmult-adds\tshare\tparams\tshare\t")
	for _, t := range []struct{ key, label string }{{graph.TypePointwise, "conv 1×1"}, {graph.TypeDepthwise, "conv dw 3×3"}, {graph.TypeConv, "conv 3×3"}, {graph.TypeFullyConnected, "fully connected"}} {
		c := s.ByType[t.key]
		fmt.Fprintf(tw, "%s\t%d\t%.2f %%\t%d\t%.2f %%\t\n", t.label, c.MultAdds, 100*c.MultAddsShare, c.Params, 100*c.ParamsShare)
	}
	tw.Flush()
	if len(s.Blocks) == 0 {
		return
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "separable block\tmult-adds\tas standard conv\tratio\t1/N + 1/K²\t")
	for _, b := range s.Blocks {
		fmt.Fprintf(tw, "%s + %s\t%d\t%d\t%.4f\t%.4f\t\n", shortName(b.Depthwise, width), shortName(b.Pointwise, width), b.MultAdds, b.StandardMultAdds, b.Ratio, b.Formula)
	}
	tw.Flush()
}

func dims(d []int) string {
	if len(d) == 3 {
		return fmt.Sprintf("%d×%d×%d", d[0], d[1], d[2])
	}
	return fmt.Sprint(d)
}
