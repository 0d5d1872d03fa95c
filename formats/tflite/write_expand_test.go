package tflite

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestHardSigmoidExpanded: a float h-sigmoid is written as ADD (+3, fused RELU6) and MUL (×1/6); the file
// read back computes what the graph computes, on values across both kinks (−3, 3) and beyond, and the
// graph Encode was given is left as it was.
func TestHardSigmoidExpanded(t *testing.T) {
	g := &graph.Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 3, 3, 4}, nil)
	y, err := g.Add1("gate", &graph.HardSigmoid{}, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{y}
	nodes, values := len(g.Nodes), len(g.Values)
	b, err := Encode(g, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) != nodes || len(g.Values) != values {
		t.Fatalf("Encode changed its graph: %d nodes, %d values, want %d and %d", len(g.Nodes), len(g.Values), nodes, values)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	ops := []string{}
	for _, o := range m.Subgraphs[0].Operators {
		ops = append(ops, m.OperatorCodes[o.Opcode].Builtin.String())
	}
	if len(ops) != 2 || ops[0] != "ADD" || ops[1] != "MUL" {
		t.Fatalf("operators %v, want [ADD MUL]", ops)
	}
	g2, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := tensor.New(tensor.Float32, tensor.Shape{1, 3, 3, 4})
	for i := range in.F32 {
		in.F32[i] = -5 + 10*float32(i)/float32(len(in.F32)-1)
	}
	run := func(g *graph.Graph) []float32 {
		p, err := graph.Compile(g, graph.Options{})
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		return append([]float32(nil), out[0].F32...)
	}
	approx.Require(t, "h-sigmoid read back", run(g2), run(g), 1e-6, 0)
}
