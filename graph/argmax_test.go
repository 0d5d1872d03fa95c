package graph_test

import (
	"slices"
	"strings"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestArgMaxGraph runs ArgMax over the channels of a uint8 [N,1,2,3] tensor at batch 1 and 2 (lanes):
// ties keep the first maximum, as TFLite.
func TestArgMaxGraph(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Uint8, tensor.Shape{1, 1, 2, 3}, tensor.PerTensor(0.1, 0))
	y, err := AddArgMax(g, "argmax", -1, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{y}
	if dt := g.Values[y].DType; dt != tensor.Int64 {
		t.Fatalf("AddArgMax output is %v, want int64", dt)
	}
	// pixel 0: 5 9 9 → 1 (tie: the first); pixel 1: 7 7 7 → 0. Image 2: 0 0 1 → 2; 3 2 1 → 0.
	data := []uint8{5, 9, 9, 7, 7, 7, 0, 0, 1, 3, 2, 1}
	for _, batch := range []int{1, 2} {
		p, err := Compile(g, Options{Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		in := &tensor.Tensor{Shape: tensor.Shape{batch, 1, 2, 3}, DType: tensor.Uint8, U8: data[:6*batch]}
		out, err := p.Run(in)
		if err != nil {
			t.Fatal(err)
		}
		want := []int64{1, 0, 2, 0}[:2*batch]
		if !slices.Equal(out[0].I64, want) || !out[0].Shape.Equal(tensor.Shape{batch, 1, 2}) {
			t.Errorf("batch %d: got %v %v, want %v", batch, out[0].Shape, out[0].I64, want)
		}
	}
}

// TestArgMaxRefusals: the batch axis, an axis out of range, a disagreeing axis input and a non-index
// output type are refused with one-line errors.
func TestArgMaxRefusals(t *testing.T) {
	x := &Value{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 2, 2, 3}}
	axis := func(a int32) *Value {
		return &Value{Name: "axis", DType: tensor.Int32, Shape: tensor.Shape{1}, Data: &tensor.Tensor{Shape: tensor.Shape{1}, DType: tensor.Int32, I32: []int32{a}}}
	}
	cases := []struct {
		op   *ArgMax
		in   []*Value
		want string
	}{
		{&ArgMax{Axis: 0}, []*Value{x}, "the batch cannot be reduced"},
		{&ArgMax{Axis: 4}, []*Value{x}, "want one of dimensions"},
		{&ArgMax{Axis: -5}, []*Value{x}, "want one of dimensions"},
		{&ArgMax{Axis: 3}, []*Value{x, axis(2)}, "disagrees"},
		{&ArgMax{Axis: 1}, []*Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 0, 2}}}, "empty"},
	}
	for _, c := range cases {
		_, err := c.op.Shapes(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%+v: error %v, want one line with %q", c.op, err, c.want)
		}
	}
	if s, err := (&ArgMax{Axis: -1}).Shapes([]*Value{x, axis(3)}); err != nil || !s[0].Equal(tensor.Shape{1, 2, 2}) {
		t.Errorf("a matching axis input: %v %v", s, err)
	}
	g := &Graph{}
	in := g.AddInput("x", tensor.Float32, tensor.Shape{1, 3}, nil)
	out, err := g.Add1("argmax", &ArgMax{Axis: 1}, in) // typed float32, as Graph.Add does
	if err != nil {
		t.Fatal(err)
	}
	g.Outputs = []int{out}
	if _, err := Compile(g, Options{}); err == nil || !strings.Contains(err.Error(), "want int64 or int32") {
		t.Errorf("a float32 output: %v", err)
	}
	g.Values[out].DType = tensor.Int32
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Run(&tensor.Tensor{Shape: tensor.Shape{1, 3}, DType: tensor.Float32, F32: []float32{0, 2, 1}})
	if err != nil || !slices.Equal(res[0].I32, []int32{1}) {
		t.Errorf("int32 indices: %v %v", res, err)
	}
}
