package train

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// tinyNet builds MobileNet α 0.25 at resolution 16 with batch norm statistics and parameters drawn at
// random, so that inference-mode batch norm is not the identity.
func tinyNet(t testing.TB, channels, classes int, seed uint64) *graph.Graph {
	t.Helper()
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: channels, Classes: classes, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.BatchNorm); !ok {
			continue
		}
		for i, lo := range []float64{0.5, -0.2, -0.2, 0.5} {
			d := g.Values[n.Inputs[i+1]].Data.F32
			for k := range d {
				d[k] = float32(lo + r.Float64()*0.7)
			}
		}
	}
	return g
}

func randInput(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.Float64()*2 - 1)
	}
	return x
}

// TestTapeInferenceMatchesGraph checks the tape's inference-mode forward pass against the graph
// runtime's reference kernels, on the training form and on its folded inference form.
func TestTapeInferenceMatchesGraph(t *testing.T) {
	g := tinyNet(t, 3, 7, 1)
	const batch = 3
	tp, err := newTape(g, tapeOptions{batch: batch, threads: 2, bnMomentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	x := randInput(rand.New(rand.NewPCG(1, 2)), batch*16*16*3)
	tp.forward(x, batch, false)
	got := tp.slots[g.Outputs[0]].act
	in, _ := tensor.FromFloat32(tensor.Shape{batch, 16, 16, 3}, x)
	for _, gg := range []*graph.Graph{g, graph.Fold(g)} {
		p, err := graph.Compile(gg, graph.Options{Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range out[0].F32 {
			if math.Abs(float64(v-got[i])) > 2e-5 {
				t.Fatalf("probability %d: tape %g, graph %g", i, got[i], v)
			}
		}
	}
}

// unknownOp is an op the tape has no backward pass for.
type unknownOp struct{ *graph.Activation }

func (unknownOp) Type() string { return "Mystery" }

// TestTapeRefusesBadGraphs checks the one-line errors for graphs training cannot handle: an op without
// a backward pass, a value read by two nodes, a declared shape that does not follow from the op, and a
// softmax that is not last.
func TestTapeRefusesBadGraphs(t *testing.T) {
	build := func(edit func(g *graph.Graph, x int) int) *graph.Graph {
		g := &graph.Graph{}
		x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4, 4, 2}, nil)
		x = edit(g, x)
		p, _ := g.Add1("pool", &graph.GlobalAvgPool{}, x)
		y, _ := g.Add1("squeeze", &graph.Reshape{Shape: []int{2}}, p)
		g.Outputs = []int{y}
		return g
	}
	cases := []struct {
		name string
		g    *graph.Graph
		want string
	}{
		{"unknown op", build(func(g *graph.Graph, x int) int {
			y, _ := g.Add1("m", unknownOp{&graph.Activation{}}, x)
			return y
		}), "Mystery has no backward pass"},
		{"branch", build(func(g *graph.Graph, x int) int {
			a, _ := g.Add1("a", &graph.Activation{Act: graph.ActReLU}, x)
			g.Add1("b", &graph.Activation{Act: graph.ActReLU}, a)
			y, _ := g.Add1("c", &graph.Activation{Act: graph.ActReLU}, a)
			return y
		}), "feeds 2 nodes"},
		{"declared shape", build(func(g *graph.Graph, x int) int {
			y := g.AddValue(&graph.Value{Name: "y", DType: tensor.Float32, Shape: tensor.Shape{1, 3, 4, 2}})
			g.AddNode("relu", &graph.Activation{Act: graph.ActReLU}, []int{x}, []int{y})
			return y
		}), "does not follow"},
		{"softmax inside", build(func(g *graph.Graph, x int) int {
			y, _ := g.Add1("sm", &graph.Softmax{}, x)
			return y
		}), "softmax must be the graph's last node"},
		{"input shape", func() *graph.Graph {
			g := &graph.Graph{}
			x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4}, nil)
			g.Outputs = []int{x}
			return g
		}(), "want float32 NHWC"},
	}
	for _, c := range cases {
		_, err := newTape(c.g, tapeOptions{batch: 2})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
}
