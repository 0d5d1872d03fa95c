package onnx

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// exportFixture is a minimal graph of one op: float32 graph inputs of the given shapes, then constants
// of the given shapes, are the op's inputs, and its outputs are the graph's.
type exportFixture struct {
	op     graph.Op
	inputs []tensor.Shape
	consts []tensor.Shape
}

func (f exportFixture) graph(t *testing.T) *graph.Graph {
	t.Helper()
	g := &graph.Graph{Name: f.op.Type()}
	rng := rand.New(rand.NewPCG(1, 2))
	var in []int
	for i, s := range f.inputs {
		in = append(in, g.AddInput("x"+strconv.Itoa(i), tensor.Float32, s, nil))
	}
	for i, s := range f.consts {
		in = append(in, constant(g, rng, "c"+strconv.Itoa(i), s))
	}
	out, err := g.Add("op", f.op, in...)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = out
	return g
}

// exportFixtures holds a minimal graph of every op type of graph.OpTypes, keyed by graph.Op.Type.
var exportFixtures = map[string]exportFixture{
	"Conv2D":          {&graph.Conv2D{StrideH: 1, StrideW: 1}, []tensor.Shape{{1, 4, 4, 2}}, []tensor.Shape{{3, 1, 1, 2}, {3}}},
	"DepthwiseConv2D": {&graph.DepthwiseConv2D{StrideH: 1, StrideW: 1}, []tensor.Shape{{1, 4, 4, 2}}, []tensor.Shape{{1, 3, 3, 2}, {2}}},
	"BatchNorm":       {&graph.BatchNorm{Epsilon: 0.001}, []tensor.Shape{{1, 2, 2, 3}}, []tensor.Shape{{3}, {3}, {3}, {3}}},
	"Activation":      {&graph.Activation{Act: graph.ActReLU6}, []tensor.Shape{{1, 4}}, nil},
	"AvgPool2D":       {&graph.AvgPool2D{KH: 2, KW: 2, StrideH: 2, StrideW: 2}, []tensor.Shape{{1, 4, 4, 2}}, nil},
	"GlobalAvgPool":   {&graph.GlobalAvgPool{}, []tensor.Shape{{1, 4, 4, 2}}, nil},
	"FullyConnected":  {&graph.FullyConnected{}, []tensor.Shape{{1, 4}}, []tensor.Shape{{3, 4}, {3}}},
	"Reshape":         {&graph.Reshape{Shape: []int{2, 2}}, []tensor.Shape{{1, 4}}, nil},
	"Softmax":         {&graph.Softmax{Beta: 1}, []tensor.Shape{{1, 4}}, nil},
	"Concatenation":   {&graph.Concatenation{Axis: 1}, []tensor.Shape{{1, 2}, {1, 3}}, nil},
	"Logistic":        {&graph.Logistic{}, []tensor.Shape{{1, 4}}, nil},
	"DetectionPostProcess": {&graph.DetectionPostProcess{Options: detect.Options{MaxDetections: 2, MaxClassesPerDetection: 1,
		NumClasses: 2, IoUThreshold: 0.5, YScale: 10, XScale: 10, HScale: 5, WScale: 5}},
		[]tensor.Shape{{1, 3, 4}, {1, 3, 3}}, []tensor.Shape{{3, 4}}},
	"Add": {&graph.Add{}, []tensor.Shape{{1, 4}, {1, 4}}, nil},
	"Mul": {&graph.Mul{}, []tensor.Shape{{1, 4}, {1, 4}}, nil},

	"ResizeBilinear": {&graph.ResizeBilinear{Height: 3, Width: 3, AlignCorners: true}, []tensor.Shape{{1, 2, 2, 2}}, nil},
	"ArgMax":         {&graph.ArgMax{Axis: -1}, []tensor.Shape{{1, 2, 2, 3}}, nil},

	"Mean":       {&graph.Mean{Axes: []int{1, 2}}, []tensor.Shape{{1, 2, 2, 3}}, nil},
	"Quantize":   {&graph.Quantize{}, []tensor.Shape{{1, 4}}, nil},
	"Dequantize": {&graph.Dequantize{}, []tensor.Shape{{1, 4}}, nil},
	"Pad":        {&graph.Pad{Before: []int{0, 1}, After: []int{0, 2}}, []tensor.Shape{{1, 4}}, nil},

	"HardSwish":   {&graph.HardSwish{}, []tensor.Shape{{1, 2, 2, 3}}, nil},
	"HardSigmoid": {&graph.HardSigmoid{}, []tensor.Shape{{1, 4}}, nil},
}

// TestExportTableMatchesExporter holds the op table to the exporter: every op of graph.OpTypes has a
// row; a graph of each op the table exports is written and decodes to a model with nodes; a graph of
// each op it refuses is refused with the table's reason, before anything is written, and the exporter
// has no way to write it even when the table is bypassed.
func TestExportTableMatchesExporter(t *testing.T) {
	rows := map[string]bool{}
	for _, op := range graph.OpTypes() {
		opType := op.Type()
		rows[opType] = true
		t.Run(opType, func(t *testing.T) {
			refusal, known := ExportRefusal(opType)
			if !known {
				t.Fatal("the op table has no row for it")
			}
			f, ok := exportFixtures[opType]
			if !ok {
				t.Fatal("no test graph of it")
			}
			g := f.graph(t)
			if refusal == exported {
				if m, _ := export(t, g); len(m.graph.nodes) == 0 {
					t.Error("exported without a node")
				}
				return
			}
			var buf bytes.Buffer
			err := Export(&buf, g)
			if err == nil || !strings.Contains(err.Error(), refusal) || buf.Len() != 0 {
				t.Errorf("error %v with %d bytes written, want the refusal %q and nothing written", err, buf.Len(), refusal)
			}
			if _, err := encodeGraph(graph.Fold(g)); err == nil {
				t.Error("the exporter writes it when the table is bypassed: the refusal is stale")
			}
		})
	}
	for opType := range exportTable {
		if !rows[opType] {
			t.Errorf("the table has a row for %s, which graph.OpTypes lacks", opType)
		}
	}
}
