package graph

import (
	"strings"
	"testing"

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
