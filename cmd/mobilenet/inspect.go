package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
)

func init() {
	c := &command{name: "inspect", summary: "list the tensors, operators, quantization and cost of a .tflite model",
		usage: "[--wide] MODEL.tflite"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		wide := wideFlag(fs)
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usagef("takes one model file, got %d arguments", fs.NArg())
		}
		m, err := tflite.ReadFile(fs.Arg(0))
		if err != nil {
			return err
		}
		width := nameWidth
		if *wide {
			width = 0
		}
		printInspect(stdout, fs.Arg(0), m, width)
		return nil
	}
	register(c)
}

// printInspect prints the model's header, tensors, operators and cost, with tensor names fitted to
// width columns (0: whole).
func printInspect(w io.Writer, path string, m *tflite.Model, width int) {
	sg := &m.Subgraphs[0]
	fmt.Fprintf(w, "%s: TFLite schema %d, %d subgraph(s), %d tensors, %d operators\n", path, m.Version, len(m.Subgraphs), len(sg.Tensors), len(sg.Operators))
	if m.Description != "" {
		fmt.Fprintf(w, "description: %s\n", m.Description)
	}
	fmt.Fprintf(w, "operators used: %s\n", strings.Join(m.OpNames(), ", "))
	if files, err := m.AssociatedFiles(); err == nil && len(files) > 0 {
		names := make([]string, 0, len(files))
		for n, b := range files {
			names = append(names, fmt.Sprintf("%s (%d bytes)", n, len(b)))
		}
		sort.Strings(names)
		fmt.Fprintf(w, "associated files: %s\n", strings.Join(names, ", "))
	}
	io := func(ids []int) string {
		s := make([]string, len(ids))
		for i, id := range ids {
			s[i] = fmt.Sprint(id)
		}
		return strings.Join(s, ",")
	}
	fmt.Fprintf(w, "inputs: %s   outputs: %s\n\ntensors:\n", io(sg.Inputs), io(sg.Outputs))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  #\tname\ttype\tshape\tquantization\tdata")
	for i, t := range sg.Tensors {
		q := "-"
		if t.Quant != nil {
			if t.Quant.PerChannel() {
				q = fmt.Sprintf("axis %d, %d scales", t.Quant.Axis, len(t.Quant.Scale))
			} else {
				q = fmt.Sprintf("scale %g zp %d", t.Quant.Scale[0], t.Quant.ZeroPoint[0])
			}
		}
		data := ""
		if b := m.TensorData(&t); b != nil {
			data = fmt.Sprintf("%d bytes", len(b))
		}
		fmt.Fprintf(tw, "  %d\t%s\t%v\t%v\t%s\t%s\n", i, shortName(t.Name, width), t.Type, t.Shape, q, data)
	}
	tw.Flush()
	fmt.Fprintln(w, "\noperators:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for i, op := range sg.Operators {
		fmt.Fprintf(tw, "  %d\t%s\t%s → %s\t%s\n", i, m.OperatorCodes[op.Opcode], io(op.Inputs), io(op.Outputs), options(op.Options))
	}
	tw.Flush()
	g, err := m.Graph()
	if err != nil {
		fmt.Fprintf(w, "\ncost: not available: %v\n", err)
		return
	}
	s := graph.Summarize(g)
	fmt.Fprintf(w, "\ncost: %d mult-adds (%.1f M), %d weights (%.3f M)\n", s.MultAdds, float64(s.MultAdds)/1e6, s.Params, float64(s.Params)/1e6)
	for _, t := range []string{graph.TypeConv, graph.TypeDepthwise, graph.TypePointwise, graph.TypeFullyConnected} {
		c := s.ByType[t]
		fmt.Fprintf(w, "  %-16s %6.2f %% of mult-adds  %6.2f %% of weights\n", t, 100*c.MultAddsShare, 100*c.ParamsShare)
	}
}

func options(o any) string {
	switch o := o.(type) {
	case nil:
		return ""
	case *tflite.Conv2DOptions:
		return fmt.Sprintf("%v stride %d×%d dilation %d×%d %v", o.Padding, o.StrideH, o.StrideW, o.DilationH, o.DilationW, o.Activation)
	case *tflite.DepthwiseConv2DOptions:
		return fmt.Sprintf("%v stride %d×%d multiplier %d %v", o.Padding, o.StrideH, o.StrideW, o.DepthMultiplier, o.Activation)
	case *tflite.Pool2DOptions:
		return fmt.Sprintf("%v %d×%d stride %d×%d %v", o.Padding, o.FilterH, o.FilterW, o.StrideH, o.StrideW, o.Activation)
	}
	return strings.TrimPrefix(fmt.Sprintf("%+v", o), "&")
}
