package onnx

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/lcg"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

func export(t *testing.T, g *graph.Graph) (*decodedModel, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(&buf, g); err != nil {
		t.Fatal(err)
	}
	m, err := decodeModel(buf.Bytes())
	if err != nil {
		t.Fatalf("decoding the export: %v", err)
	}
	return m, buf.Bytes()
}

// constant adds a constant of the given shape: values from rng in [-1, 1), or data when given.
func constant(g *graph.Graph, rng *rand.Rand, name string, shape tensor.Shape, data ...float32) int {
	if data == nil {
		data = make([]float32, shape.Size())
		for i := range data {
			data[i] = float32(rng.Float64()*2 - 1)
		}
	}
	t, err := tensor.FromFloat32(shape, data)
	if err != nil {
		panic(err)
	}
	return g.AddConst(name, t)
}

func TestMobileNetStructure(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 128, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := export(t, g)
	if m.irVersion != 8 || m.opsets[""] != 13 || len(m.opsets) != 1 || m.producer != Producer {
		t.Errorf("ir %d, opsets %v, producer %q; want 8, {\"\": 13}, %q", m.irVersion, m.opsets, m.producer, Producer)
	}
	gr := m.graph
	if len(gr.inputs) != 1 || gr.inputs[0].name != "input" || gr.inputs[0].elemType != 1 ||
		!slices.Equal(gr.inputs[0].dims, []string{"N", "128", "128", "3"}) {
		t.Errorf("inputs %+v, want input float [N 128 128 3]", gr.inputs)
	}
	if len(gr.outputs) != 1 || gr.outputs[0].name != "Predictions" || gr.outputs[0].elemType != 1 ||
		!slices.Equal(gr.outputs[0].dims, []string{"N", "1000"}) {
		t.Errorf("outputs %+v, want Predictions float [N 1000]", gr.outputs)
	}
	counts := map[string]int{}
	for _, n := range gr.nodes {
		counts[n.op]++
	}
	want := map[string]int{"Transpose": 1, "Conv": 28, "Clip": 27, "GlobalAveragePool": 1, "Reshape": 1, "Softmax": 1}
	if !mapsEqual(counts, want) {
		t.Errorf("op counts %v, want %v (batch norms folded, one transpose)", counts, want)
	}
	first := gr.nodes[0]
	if first.op != "Transpose" || first.inputs[0] != "input" || !slices.Equal(first.attrs["perm"].ints, []int64{0, 3, 1, 2}) {
		t.Errorf("first node %+v, want Transpose of input with perm [0 3 1 2]", first)
	}
	convs := map[string]decodedNode{}
	for _, n := range gr.nodes {
		if n.op == "Conv" {
			convs[n.name] = n
		}
	}
	for _, c := range []struct {
		node          string
		weights       []int64
		kernel        []int64
		strides, pads []int64
		group         int64
	}{
		{"Conv2d_0", []int64{8, 3, 3, 3}, []int64{3, 3}, []int64{2, 2}, []int64{0, 0, 1, 1}, 1},
		{"Conv2d_1_depthwise", []int64{8, 1, 3, 3}, []int64{3, 3}, []int64{1, 1}, []int64{1, 1, 1, 1}, 8},
		{"Conv2d_1_pointwise", []int64{16, 8, 1, 1}, []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}, 1},
		{"Conv2d_2_depthwise", []int64{16, 1, 3, 3}, []int64{3, 3}, []int64{2, 2}, []int64{0, 0, 1, 1}, 16},
		{"Conv2d_13_pointwise", []int64{256, 256, 1, 1}, []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}, 1},
		{"Logits/Conv2d_1c_1x1", []int64{1000, 256, 1, 1}, []int64{1, 1}, []int64{1, 1}, []int64{0, 0, 0, 0}, 1},
	} {
		n, ok := convs[c.node]
		if !ok {
			t.Errorf("no Conv node %s", c.node)
			continue
		}
		a := n.attrs
		if len(n.inputs) != 3 || !slices.Equal(gr.inits[n.inputs[1]].dims, c.weights) ||
			!slices.Equal(gr.inits[n.inputs[2]].dims, c.weights[:1]) {
			t.Errorf("%s: inputs %v, want x, weights %v and bias", c.node, n.inputs, c.weights)
		}
		if !slices.Equal(a["kernel_shape"].ints, c.kernel) || !slices.Equal(a["strides"].ints, c.strides) ||
			!slices.Equal(a["pads"].ints, c.pads) || !slices.Equal(a["dilations"].ints, []int64{1, 1}) ||
			a["group"].i != c.group || a["group"].typ != 2 || a["pads"].typ != 7 {
			t.Errorf("%s: attributes %+v, want kernel %v strides %v pads %v group %d", c.node, a, c.kernel, c.strides, c.pads, c.group)
		}
	}
	uses := map[string]int{}
	for i, n := range gr.nodes {
		for _, in := range n.inputs {
			uses[in]++
		}
		switch n.op {
		case "Clip":
			lo, hi := gr.inits[n.inputs[1]], gr.inits[n.inputs[2]]
			if len(lo.dims) != 0 || len(hi.dims) != 0 || lo.floats()[0] != 0 || hi.floats()[0] != 6 {
				t.Errorf("node %d Clip bounds %v %v, want scalars 0 and 6", i, lo, hi)
			}
			if prev := gr.nodes[i-1]; prev.op != "Conv" || prev.outputs[0] != n.inputs[0] {
				t.Errorf("node %d Clip does not follow the Conv it clips", i)
			}
		case "Reshape":
			if s := gr.inits[n.inputs[1]]; s.dataType != 7 || !slices.Equal(s.int64s(), []int64{0, 1000}) {
				t.Errorf("Reshape shape %v, want int64 [0 1000]", s)
			}
			if prev := gr.nodes[i-1]; prev.name != "Logits/Conv2d_1c_1x1" || prev.outputs[0] != n.inputs[0] {
				t.Errorf("Reshape reads %q, want the logits Conv's output without a transpose", n.inputs[0])
			}
		case "Softmax":
			if n.attrs["axis"].i != -1 || n.outputs[0] != "Predictions" {
				t.Errorf("Softmax axis %d output %q, want -1 and Predictions", n.attrs["axis"].i, n.outputs[0])
			}
		}
	}
	for _, name := range gr.initSeq {
		if uses[name] == 0 {
			t.Errorf("initializer %q is never used", name)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestWeightLayouts checks the rewritten weights element by element against layouts worked by hand.
func TestWeightLayouts(t *testing.T) {
	g := &graph.Graph{Name: "layouts"}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 3, 3, 2}, nil)
	seq := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(i)
		}
		return s
	}
	w := constant(g, nil, "conv_w", tensor.Shape{2, 2, 2, 2}, seq(16)...) // OHWI: w[o,y,x,i] = 8o+4y+2x+i
	y, err := g.Add1("conv", &graph.Conv2D{StrideH: 1, StrideW: 1}, x, w)
	if err != nil {
		t.Fatal(err)
	}
	dw := constant(g, nil, "dw_w", tensor.Shape{1, 2, 2, 4}, seq(16)...) // [1,KH,KW,C·M]: w[y,x,o] = 8y+4x+o
	z, err := g.Add1("dw", &graph.DepthwiseConv2D{StrideH: 1, StrideW: 1, Multiplier: 2}, y, dw)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{z}
	m, _ := export(t, g)
	for _, c := range []struct {
		name string
		dims []int64
		want []float32
	}{
		// OIHW: [o][i][y][x] = 8o+4y+2x+i.
		{"conv_w", []int64{2, 2, 2, 2}, []float32{0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15}},
		// [C·M, 1, KH, KW]: [o][0][y][x] = 8y+4x+o.
		{"dw_w", []int64{4, 1, 2, 2}, []float32{0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15}},
	} {
		got, ok := m.graph.inits[c.name]
		if !ok {
			t.Errorf("no initializer %q among %v", c.name, m.graph.initSeq)
			continue
		}
		if !slices.Equal(got.dims, c.dims) || !slices.Equal(got.floats(), c.want) {
			t.Errorf("%s: dims %v data %v, want %v %v", c.name, got.dims, got.floats(), c.dims, c.want)
		}
	}
	var dwNode decodedNode
	for _, n := range m.graph.nodes {
		if n.name == "dw" {
			dwNode = n
		}
	}
	if dwNode.attrs["group"].i != 2 {
		t.Errorf("depthwise group %d, want 2 (the input channels)", dwNode.attrs["group"].i)
	}
}

// TestTrainingFormIsFolded checks that the training form exports exactly as its inference form.
func TestTrainingFormIsFolded(t *testing.T) {
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	_, train := export(t, g)
	_, inf := export(t, graph.Fold(g))
	if !bytes.Equal(train, inf) {
		t.Errorf("training form exports %d bytes, inference form %d, and they differ", len(train), len(inf))
	}
}

// TestAgainstInterpreter runs exported graphs in the test's ONNX interpreter and compares them with the
// graph runtime on the same input, at batch 2.
func TestAgainstInterpreter(t *testing.T) {
	type build func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error)
	add := func(g *graph.Graph, name string, op graph.Op, in ...int) int {
		id, err := g.Add1(name, op, in...)
		if err != nil {
			panic(err)
		}
		return id
	}
	cases := []struct {
		name  string
		input tensor.Shape
		ops   []string // op types the export must contain
		build build
	}{
		{"conv stride 2, asymmetric pads, bias, relu6", tensor.Shape{1, 7, 6, 3}, []string{"Conv", "Clip", "Transpose"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				w := constant(g, rng, "w", tensor.Shape{4, 3, 3, 3})
				b := constant(g, rng, "b", tensor.Shape{4})
				op := &graph.Conv2D{StrideH: 2, StrideW: 2, Pads: ref.Pads{Top: 0, Left: 1, Bottom: 1, Right: 0}, Act: graph.ActReLU6}
				return []int{add(g, "conv", op, x, w, b)}, nil
			}},
		{"depthwise multiplier 2, dilation 2, relu", tensor.Shape{1, 6, 6, 3}, []string{"Conv", "Relu"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				w := constant(g, rng, "w", tensor.Shape{1, 3, 3, 6})
				op := &graph.DepthwiseConv2D{StrideH: 1, StrideW: 2, DilationH: 2, DilationW: 2, Multiplier: 2,
					Pads: ref.Pads{Top: 2, Left: 1, Bottom: 2, Right: 2}, Act: graph.ActReLU}
				return []int{add(g, "dw", op, x, w)}, nil
			}},
		{"grouped conv, relu_n1_to_1", tensor.Shape{1, 5, 5, 4}, []string{"Conv", "Clip"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				w := constant(g, rng, "w", tensor.Shape{6, 3, 3, 2})
				op := &graph.Conv2D{StrideH: 1, StrideW: 1, Groups: 2, Pads: ref.Pads{Top: 1, Left: 1, Bottom: 1, Right: 1},
					Act: graph.ActReLUN1To1}
				return []int{add(g, "gconv", op, x, w)}, nil
			}},
		{"avg pool, batch norm, relu, reshape, fully connected, softmax β 2", tensor.Shape{1, 6, 6, 3},
			[]string{"AveragePool", "BatchNormalization", "Relu", "Reshape", "Gemm", "Mul", "Softmax"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				x = add(g, "pool", &graph.AvgPool2D{KH: 3, KW: 3, StrideH: 2, StrideW: 2, Pads: ref.Pads{Top: 1, Left: 1, Bottom: 1, Right: 1}}, x)
				gamma := constant(g, rng, "gamma", tensor.Shape{3})
				beta := constant(g, rng, "beta", tensor.Shape{3})
				mean := constant(g, rng, "mean", tensor.Shape{3})
				variance := constant(g, nil, "var", tensor.Shape{3}, 0.5, 1, 2)
				x = add(g, "bn", &graph.BatchNorm{Epsilon: 0.001}, x, gamma, beta, mean, variance)
				x = add(g, "relu", &graph.Activation{Act: graph.ActReLU}, x)
				x = add(g, "flat", &graph.Reshape{Shape: []int{-1}}, x)
				w := constant(g, rng, "fc_w", tensor.Shape{5, 27})
				b := constant(g, rng, "fc_b", tensor.Shape{5})
				x = add(g, "fc", &graph.FullyConnected{Act: graph.ActReLU}, x, w, b)
				return []int{add(g, "softmax", &graph.Softmax{Beta: 2}, x)}, nil
			}},
		{"softmax over channels of a rank-4 tensor, two outputs", tensor.Shape{1, 4, 4, 3}, []string{"Conv", "Softmax"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				w := constant(g, rng, "w", tensor.Shape{5, 1, 1, 3})
				y := add(g, "pw", &graph.Conv2D{StrideH: 1, StrideW: 1}, x, w)
				return []int{y, add(g, "softmax", &graph.Softmax{}, y)}, nil
			}},
		{"fully connected on rank 4, batch norm on rank 2", tensor.Shape{1, 3, 3, 2}, []string{"Flatten", "Gemm", "BatchNormalization"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				w := constant(g, rng, "dw_w", tensor.Shape{1, 3, 3, 2})
				x = add(g, "dw", &graph.DepthwiseConv2D{StrideH: 1, StrideW: 1, Pads: ref.Pads{Top: 1, Left: 1, Bottom: 1, Right: 1}}, x, w)
				fw := constant(g, rng, "fc_w", tensor.Shape{4, 18})
				x = add(g, "fc", &graph.FullyConnected{}, x, fw)
				p := make([]int, 4)
				for i := range p {
					p[i] = constant(g, nil, "bn"+string(rune('0'+i)), tensor.Shape{4}, 0.5, 1.5, 1, 2)
				}
				return []int{add(g, "bn", &graph.BatchNorm{Epsilon: 0.01}, x, p[0], p[1], p[2], p[3])}, nil
			}},
		{"standalone relu6 on the input, global pool", tensor.Shape{1, 5, 3, 4}, []string{"Clip", "GlobalAveragePool"},
			func(g *graph.Graph, rng *rand.Rand, x int) ([]int, error) {
				x = add(g, "scale", &graph.Activation{Act: graph.ActReLU6}, x)
				return []int{add(g, "gap", &graph.GlobalAvgPool{}, x)}, nil
			}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := &graph.Graph{Name: c.name}
			x := g.AddInput("x", tensor.Float32, c.input, nil)
			outs, err := c.build(g, rand.New(rand.NewPCG(uint64(i), 7)), x)
			if err != nil {
				t.Fatal(err)
			}
			g.Outputs = outs
			m, _ := export(t, g)
			ops := map[string]bool{}
			for _, n := range m.graph.nodes {
				ops[n.op] = true
			}
			for _, op := range c.ops {
				if !ops[op] {
					t.Errorf("export has no %s node", op)
				}
			}
			compareWithRuntime(t, g, m, 2, 1e-5)
		})
	}
	t.Run("mobilenet 0.25/32 training form", func(t *testing.T) {
		g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Seed: 5, Classes: 10})
		if err != nil {
			t.Fatal(err)
		}
		m, _ := export(t, g)
		compareWithRuntime(t, g, m, 2, 1e-5)
	})
}

// compareWithRuntime runs g in the graph runtime and m in the interpreter on the shared input at the
// given batch size and requires every output element to agree within tol·(1 + |runtime|).
func compareWithRuntime(t *testing.T, g *graph.Graph, m *decodedModel, batch int, tol float64) {
	t.Helper()
	p, err := graph.Compile(g, graph.Options{Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	in := p.Inputs()[0]
	data := lcg.Float32s(1, in.Shape.Size())
	xt, err := tensor.FromFloat32(in.Shape, data)
	if err != nil {
		t.Fatal(err)
	}
	outs, err := p.Run(xt)
	if err != nil {
		t.Fatal(err)
	}
	x := newND(in.Shape...)
	for i, v := range data {
		x.data[i] = float64(v)
	}
	env, err := evalModel(m, map[string]nd{m.graph.inputs[0].name: x})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.graph.outputs) != len(outs) {
		t.Fatalf("model has %d outputs, graph %d", len(m.graph.outputs), len(outs))
	}
	for k, o := range m.graph.outputs {
		got, ok := env[o.name]
		if !ok {
			t.Fatalf("output %q is never computed", o.name)
		}
		want := outs[k]
		if !slices.Equal(got.dims, []int(want.Shape)) {
			t.Fatalf("output %q has shape %v, the runtime's %v", o.name, got.dims, want.Shape)
		}
		worst := 0.0
		for i, w := range want.F32 {
			worst = math.Max(worst, math.Abs(got.data[i]-float64(w))/(1+math.Abs(float64(w))))
		}
		if worst > tol || math.IsNaN(worst) {
			t.Errorf("output %q differs from the runtime by up to %.3g (relative to 1+|x|), want ≤ %g", o.name, worst, tol)
		}
	}
}

// bnRank3 returns a graph with a batch norm over a rank-3 tensor, which ONNX's channel axis 1 cannot
// express.
func bnRank3() *graph.Graph {
	g := &graph.Graph{Name: "bn3"}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4, 3}, nil)
	in := []int{x}
	for i := 0; i < 4; i++ {
		in = append(in, constant(g, nil, "p"+string(rune('0'+i)), tensor.Shape{3}, 1, 1, 1))
	}
	y, err := g.Add1("bn", &graph.BatchNorm{Epsilon: 0.001}, in...)
	if err != nil {
		panic(err)
	}
	g.Outputs = []int{y}
	return g
}

// activationBias returns a graph whose fully connected layer takes its bias from a graph input.
func activationBias() *graph.Graph {
	g := &graph.Graph{Name: "fcbias"}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4}, nil)
	b := g.AddInput("b", tensor.Float32, tensor.Shape{3}, nil)
	w := constant(g, rand.New(rand.NewPCG(1, 2)), "w", tensor.Shape{3, 4})
	y, err := g.Add1("fc", &graph.FullyConnected{}, x, w, b)
	if err != nil {
		panic(err)
	}
	g.Outputs = []int{y}
	return g
}

// shortConstant returns a graph whose weights hold fewer values than their shape says.
func shortConstant() *graph.Graph {
	g := activationBias()
	g.Values[2].Shape = tensor.Shape{2, 2}
	g.Values[2].Data = &tensor.Tensor{DType: tensor.Float32, Shape: tensor.Shape{2, 2}, F32: []float32{1, 2, 3}}
	return g
}

// unknownOp is an op Export has no mapping for.
type unknownOp struct{ graph.Activation }

func (unknownOp) Type() string { return "Unknown" }

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestExportErrors(t *testing.T) {
	small := func(op graph.Op, dt tensor.DType, shape tensor.Shape) *graph.Graph {
		g := &graph.Graph{Name: "small"}
		x := g.AddInput("x", dt, shape, nil)
		y, err := g.Add1("op", op, x)
		if err != nil {
			panic(err)
		}
		g.Outputs = []int{y}
		return g
	}
	cases := []struct {
		name string
		g    *graph.Graph
		want string
	}{
		{"nil graph", nil, "onnx: nil graph"},
		{"uint8 graph", small(&graph.Activation{Act: graph.ActReLU}, tensor.Uint8, tensor.Shape{1, 2, 2, 1}), "op Activation has no 8-bit ONNX form"},
		{"unknown op", small(&unknownOp{}, tensor.Float32, tensor.Shape{1, 4}), "op Unknown has no ONNX form"},
		{"unknown activation", small(&graph.Activation{Act: graph.Act(42)}, tensor.Float32, tensor.Shape{1, 4}), "has no ONNX form"},
		{"batch norm of a rank-3 tensor", bnRank3(), "rank-3"},
		{"bias that is not a constant", activationBias(), "must be a constant"},
		{"no outputs", &graph.Graph{Name: "empty", Values: []*graph.Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1}}},
			Inputs: []int{0}}, "needs at least one"},
		{"node input out of range", &graph.Graph{Name: "bad", Values: []*graph.Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1}}},
			Inputs: []int{0}, Outputs: []int{0}, Nodes: []*graph.Node{{Name: "relu", Op: &graph.Activation{}, Inputs: []int{5}, Outputs: []int{0}}}},
			"node 0 relu refers to value 5, out of range"},
		{"node with two outputs", &graph.Graph{Name: "bad", Values: []*graph.Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1}},
			{Name: "y", DType: tensor.Float32, Shape: tensor.Shape{1}}, {Name: "z", DType: tensor.Float32, Shape: tensor.Shape{1}}},
			Inputs: []int{0}, Outputs: []int{1}, Nodes: []*graph.Node{{Name: "relu", Op: &graph.Activation{}, Inputs: []int{0}, Outputs: []int{1, 2}}}},
			"names 2 outputs, the op makes 1"},
		{"constant too short", shortConstant(), "holds 3 float32 values for shape [2 2]"},
		{"output out of range", &graph.Graph{Name: "bad", Values: []*graph.Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1}}},
			Inputs: []int{0}, Outputs: []int{3}}, "out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Export(&buf, c.g)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "onnx: ") {
				t.Fatalf("error %v, want one starting onnx: and containing %q", err, c.want)
			}
			if buf.Len() != 0 {
				t.Errorf("%d bytes written before the error", buf.Len())
			}
		})
	}
	g := small(&graph.Activation{Act: graph.ActReLU}, tensor.Float32, tensor.Shape{1, 4})
	if err := Export(failingWriter{}, g); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: error %v, want it to carry the write error", err)
	}
}
