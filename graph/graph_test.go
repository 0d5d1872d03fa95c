package graph

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

func constF32(g *Graph, name string, shape tensor.Shape, v float32) int {
	t, _ := tensor.New(tensor.Float32, shape)
	for i := range t.F32 {
		t.F32[i] = v
	}
	return g.AddConst(name, t)
}

func TestShapeErrorsNameBothShapes(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 8, 8, 3}, nil)
	w := constF32(g, "w", tensor.Shape{4, 3, 3, 5}, 1)
	_, err := g.Add("conv", &Conv2D{StrideH: 1, StrideW: 1}, x, w)
	if err == nil || !strings.Contains(err.Error(), "[4 3 3 5]") || !strings.Contains(err.Error(), "[1 8 8 3]") {
		t.Fatalf("error %v does not name both shapes", err)
	}
	// A declared output shape that disagrees with the op's rule is refused at compile time.
	g = &Graph{}
	x = g.AddInput("x", tensor.Float32, tensor.Shape{1, 8, 8, 3}, nil)
	w = constF32(g, "w", tensor.Shape{4, 3, 3, 3}, 1)
	y := g.AddValue(&Value{Name: "y", DType: tensor.Float32, Shape: tensor.Shape{1, 8, 8, 5}})
	g.AddNode("conv", &Conv2D{StrideH: 1, StrideW: 1, Pads: ref.Pads{Top: 1, Left: 1, Bottom: 1, Right: 1}}, []int{x, w}, []int{y})
	g.Outputs = []int{y}
	_, err = Compile(g, Options{})
	if err == nil || !strings.Contains(err.Error(), "[1 8 8 4]") || !strings.Contains(err.Error(), "[1 8 8 5]") {
		t.Fatalf("error %v does not name both shapes", err)
	}
}

func TestCompileRefusesBadDataflow(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4}, nil)
	a := g.AddValue(&Value{Name: "a", DType: tensor.Float32, Shape: tensor.Shape{1, 4}})
	b := g.AddValue(&Value{Name: "b", DType: tensor.Float32, Shape: tensor.Shape{1, 4}})
	// A cycle: the first node reads what the second writes.
	g.AddNode("first", &Softmax{}, []int{b}, []int{a})
	g.AddNode("second", &Softmax{}, []int{a}, []int{b})
	g.Outputs = []int{b}
	if _, err := Compile(g, Options{}); err == nil || !strings.Contains(err.Error(), "not computed before") {
		t.Fatalf("cycle: %v", err)
	}
	// A value written twice.
	g.Nodes = nil
	g.AddNode("first", &Softmax{}, []int{x}, []int{a})
	g.AddNode("again", &Softmax{}, []int{x}, []int{a})
	if _, err := Compile(g, Options{}); err == nil || !strings.Contains(err.Error(), "already produced") {
		t.Fatalf("double write: %v", err)
	}
	// An index out of range.
	g.Nodes = nil
	g.AddNode("bad", &Softmax{}, []int{99}, []int{a})
	if _, err := Compile(g, Options{}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("bad index: %v", err)
	}
}

func TestRunChecksInputs(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 2, 2, 3}, nil)
	y, err := g.Add1("pool", &GlobalAvgPool{}, x)
	if err != nil {
		t.Fatal(err)
	}
	r, err := g.Add1("flat", &Reshape{Shape: []int{-1}}, y)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{r}
	p, err := Compile(g, Options{Batch: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Outputs()[0].Shape; !got.Equal(tensor.Shape{2, 3}) {
		t.Fatalf("output shape %v", got)
	}
	bad, _ := tensor.New(tensor.Float32, tensor.Shape{1, 2, 2, 3})
	if _, err := p.Run(bad); err == nil || !strings.Contains(err.Error(), "[2 2 2 3]") {
		t.Fatalf("wrong batch accepted: %v", err)
	}
	in, _ := tensor.FromFloat32(tensor.Shape{2, 2, 2, 3}, []float32{
		1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3,
		4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8})
	out, err := p.Run(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1, 2, 3, 1, 0, 2}
	for i, v := range want {
		if out[0].F32[i] != v {
			t.Fatalf("out = %v, want %v", out[0].F32, want)
		}
	}
}

func TestReshapeShapes(t *testing.T) {
	x := &Value{Shape: tensor.Shape{3, 1, 1, 10}}
	for _, c := range []struct {
		target []int
		want   tensor.Shape
		ok     bool
	}{
		{[]int{10}, tensor.Shape{3, 10}, true},
		{[]int{-1}, tensor.Shape{3, 10}, true},
		{[]int{2, -1}, tensor.Shape{3, 2, 5}, true},
		{[]int{3, -1}, nil, false},
		{[]int{11}, nil, false},
		{[]int{-1, -1}, nil, false},
		{[]int{0}, nil, false},
	} {
		s, err := (&Reshape{Shape: c.target}).Shapes([]*Value{x})
		if (err == nil) != c.ok || (c.ok && !s[0].Equal(c.want)) {
			t.Errorf("reshape to %v: %v %v", c.target, s, err)
		}
	}
}

// TestRunContext: a done context stops a run before its next node, at batch 1 and on lanes, and the
// program then runs again normally.
func TestRunContext(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 2, 2, 3}, nil)
	y, err := g.Add1("pool", &GlobalAvgPool{}, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{y}
	for _, batch := range []int{1, 3} {
		p, err := Compile(g, Options{Batch: batch, Threads: 2})
		if err != nil {
			t.Fatal(err)
		}
		in, _ := tensor.New(tensor.Float32, tensor.Shape{batch, 2, 2, 3})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := p.RunContext(ctx, in); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "pool") {
			t.Fatalf("batch %d: cancelled run: %v", batch, err)
		}
		if _, err := p.RunContext(context.Background(), in); err != nil {
			t.Fatalf("batch %d: run after a cancelled one: %v", batch, err)
		}
	}
}

// TestQuantParamsCheckedAtCompile: the quantization parameters a crafted model may carry (a huge
// multiplier, an infinite or subnormal scale, a zero point its type cannot hold) are refused when the
// graph is compiled, with one line naming the tensor, never a panic when it runs.
func TestQuantParamsCheckedAtCompile(t *testing.T) {
	build := func(sx, sw, sy float32, zx, zw int32, dt tensor.DType) *Graph {
		g := &Graph{}
		x := g.AddInput("x", dt, tensor.Shape{1, 3, 3, 2}, tensor.PerTensor(sx, zx))
		w, _ := tensor.New(dt, tensor.Shape{4, 1, 1, 2})
		w.Quant = tensor.PerTensor(sw, zw)
		wi := g.AddConst("w", w)
		b, _ := tensor.New(tensor.Int32, tensor.Shape{4})
		bi := g.AddConst("b", b)
		y := g.AddValue(&Value{Name: "y", DType: dt, Shape: tensor.Shape{1, 3, 3, 4}, Quant: tensor.PerTensor(sy, 0)})
		g.AddNode("conv", &Conv2D{StrideH: 1, StrideW: 1}, []int{x, wi, bi}, []int{y})
		g.Outputs = []int{y}
		return g
	}
	inf := float32(math.Inf(1))
	cases := []struct {
		name   string
		g      *Graph
		errHas string
	}{
		{"1e30 × 1e10", build(1e30, 1e10, 1, 128, 128, tensor.Uint8), "does not fit"},
		{"1e15 × 1e5", build(1e15, 1e5, 1, 0, 0, tensor.Int8), "does not fit"},
		{"infinite output scale", build(0.5, 0.5, inf, 128, 128, tensor.Uint8), "finite"},
		{"subnormal output scale", build(0.5, 0.5, 1e-45, 128, 128, tensor.Uint8), "does not fit"},
		{"input zero point 300", build(0.5, 0.5, 1, 300, 128, tensor.Uint8), "zero point 300"},
		{"int8 weights zero point 128", build(0.5, 0.5, 1, 0, 128, tensor.Int8), "zero point 128"},
	}
	for _, c := range cases {
		for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
			_, err := Compile(c.g, Options{Rounding: r})
			if err == nil || !strings.Contains(err.Error(), c.errHas) || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s, %v: %v, want one line with %q", c.name, r, err, c.errHas)
			}
		}
	}
}
