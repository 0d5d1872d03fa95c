package graph_test

import (
	"slices"
	"strings"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// resizeGraph is x (uint8 [1,1,2,1], scale 0.5, zp 0) → ResizeBilinear → out, with the output's
// quantization given.
func resizeGraph(op *ResizeBilinear, outQ *tensor.Quant) *Graph {
	g := &Graph{}
	x := g.AddInput("x", tensor.Uint8, tensor.Shape{1, 1, 2, 1}, tensor.PerTensor(0.5, 0))
	y := g.AddValue(&Value{Name: "y", DType: tensor.Uint8, Shape: tensor.Shape{1, op.Height, op.Width, 1}, Quant: outQ})
	g.AddNode("resize", op, []int{x}, []int{y})
	g.Outputs = []int{y}
	return g
}

// TestResizeBilinearRoundings: the same graph rounds the halfway sample up under XNNPACK (what the
// TFLite interpreter computes) and down under Reference (TFLite's reference kernel truncates).
func TestResizeBilinearRoundings(t *testing.T) {
	g := resizeGraph(&ResizeBilinear{Height: 1, Width: 3, AlignCorners: true}, tensor.PerTensor(0.5, 0))
	for _, c := range []struct {
		r    qmath.Rounding
		want []uint8
	}{{qmath.XNNPACK, []uint8{0, 2, 3}}, {qmath.Reference, []uint8{0, 1, 3}}} {
		p, err := Compile(g, Options{Rounding: c.r})
		if err != nil {
			t.Fatal(err)
		}
		x := &tensor.Tensor{Shape: tensor.Shape{1, 1, 2, 1}, DType: tensor.Uint8, U8: []uint8{0, 3}}
		out, err := p.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(out[0].U8, c.want) {
			t.Errorf("%v: got %v, want %v", c.r, out[0].U8, c.want)
		}
	}
}

// TestResizeBilinearRefusals: hostile sizes and parameters give one-line errors before anything is
// allocated.
func TestResizeBilinearRefusals(t *testing.T) {
	x := &Value{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 4, 4, 3}}
	big := &Value{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 4, 4, 1 << 12}}
	size := func(h, w int32) *Value {
		return &Value{Name: "size", DType: tensor.Int32, Shape: tensor.Shape{2}, Data: &tensor.Tensor{Shape: tensor.Shape{2}, DType: tensor.Int32, I32: []int32{h, w}}}
	}
	cases := []struct {
		op   *ResizeBilinear
		in   []*Value
		want string
	}{
		{&ResizeBilinear{Height: 0, Width: 4}, []*Value{x}, "each side must be 1 to"},
		{&ResizeBilinear{Height: -3, Width: 4}, []*Value{x}, "each side must be 1 to"},
		{&ResizeBilinear{Height: MaxResizeSide + 1, Width: 1}, []*Value{x}, "each side must be 1 to"},
		{&ResizeBilinear{Height: 1 << 20, Width: 1 << 20}, []*Value{big}, "more than"},
		{&ResizeBilinear{Height: 2, Width: 2, AlignCorners: true, HalfPixelCenters: true}, []*Value{x}, "cannot both be set"},
		{&ResizeBilinear{Height: 2, Width: 2}, []*Value{x, size(2, 3)}, "disagrees"},
		{&ResizeBilinear{Height: 2, Width: 2}, []*Value{x, {Name: "s", DType: tensor.Int32, Shape: tensor.Shape{2}}}, "must be an int32 constant"},
		{&ResizeBilinear{Height: 2, Width: 2}, []*Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 0, 4, 3}}}, "no pixels"},
		{&ResizeBilinear{Height: 2, Width: 2}, []*Value{{Name: "x", DType: tensor.Float32, Shape: tensor.Shape{1, 4}}}, "rank 4"},
	}
	for _, c := range cases {
		_, err := c.op.Shapes(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.ContainsAny(err.Error(), "\n\r") {
			t.Errorf("%+v: error %v, want one line with %q", c.op, err, c.want)
		}
	}
	if s, err := (&ResizeBilinear{Height: 2, Width: 3}).Shapes([]*Value{x, size(2, 3)}); err != nil || !s[0].Equal(tensor.Shape{1, 2, 3, 3}) {
		t.Errorf("a matching size input: %v %v", s, err)
	}
	// 8-bit: input and output must share their quantization.
	g := resizeGraph(&ResizeBilinear{Height: 2, Width: 2}, tensor.PerTensor(0.25, 0))
	if _, err := Compile(g, Options{}); err == nil || !strings.Contains(err.Error(), "same quantization") {
		t.Errorf("different quantization in and out: %v", err)
	}
}
