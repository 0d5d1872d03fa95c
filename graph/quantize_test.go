package graph_test

import (
	"fmt"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// quantizeGraph is input (dt, scale 0.37, zero point zin) → Quantize → output (ot, scale 0.21, zero
// point zout), over 256 elements.
func quantizeGraph(dt, ot tensor.DType, zin, zout int32) *Graph {
	g := &Graph{}
	x := g.AddInput("x", dt, tensor.Shape{1, 256}, tensor.PerTensor(0.37, zin))
	outs, err := g.Add("q", &Quantize{}, x)
	if err != nil {
		panic(err)
	}
	g.Values[outs[0]].DType, g.Values[outs[0]].Quant = ot, tensor.PerTensor(0.21, zout)
	g.Outputs = outs
	return g
}

// TestRequantizeTable: the default 8-bit → 8-bit Quantize kernel (a table of the reference's results)
// equals the reference kernel on every input code, for every pair of types.
func TestRequantizeTable(t *testing.T) {
	zp := map[tensor.DType]int32{tensor.Uint8: 131, tensor.Int8: -5}
	for _, dt := range []tensor.DType{tensor.Uint8, tensor.Int8} {
		for _, ot := range []tensor.DType{tensor.Uint8, tensor.Int8} {
			t.Run(fmt.Sprintf("%v to %v", dt, ot), func(t *testing.T) {
				g := quantizeGraph(dt, ot, zp[dt], zp[ot])
				x, _ := tensor.New(dt, tensor.Shape{1, 256})
				x.Quant = g.Values[g.Inputs[0]].Quant
				for i := 0; i < 256; i++ {
					if dt == tensor.Uint8 {
						x.U8[i] = uint8(i)
					} else {
						x.I8[i] = int8(i - 128)
					}
				}
				var res [2][]float64
				for k, opt := range []Options{{}, {Reference: true}} {
					p, err := Compile(g, opt)
					if err != nil {
						t.Fatal(err)
					}
					out, err := p.Run(x)
					if err != nil {
						t.Fatal(err)
					}
					res[k] = out[0].Floats()
				}
				if err := approx.Close(res[0], res[1], 0, 0); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestQuantizeDequantizeRoundTrip: float → int8 → float returns every value within half a step.
func TestQuantizeDequantizeRoundTrip(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 100}, nil)
	q, err := g.Add1("q", &Quantize{}, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Values[q].DType, g.Values[q].Quant = tensor.Int8, tensor.PerTensor(0.05, 3)
	y, err := g.Add1("d", &Dequantize{}, q)
	if err != nil {
		t.Fatal(err)
	}
	g.Values[y].DType, g.Values[y].Quant = tensor.Float32, nil
	g.Outputs = []int{y}
	in := make([]float32, 100)
	for i := range in {
		in[i] = float32(i)*0.0613 - 3
	}
	xt, _ := tensor.FromFloat32(tensor.Shape{1, 100}, in)
	for _, r := range []Options{{}, {Rounding: 1}} {
		p, err := Compile(g, r)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Run(xt)
		if err != nil {
			t.Fatal(err)
		}
		if err := approx.Close(out[0].F32, in, 0.025+1e-6, 0); err != nil {
			t.Errorf("rounding %d: %v", r.Rounding, err)
		}
	}
}

// TestMeanDropsAxes: without KeepDims the reduced axes disappear; an 8-bit mean over axis 2 alone takes
// TFLite's rescaling arithmetic and stays within one code of the real mean.
func TestMeanDropsAxes(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Int8, tensor.Shape{1, 2, 3, 4}, tensor.PerTensor(0.1, -2))
	y, err := g.Add1("m", &Mean{Axes: []int{-2}}, x)
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Values[y].Shape; !got.Equal(tensor.Shape{1, 2, 4}) {
		t.Fatalf("shape %v, want [1 2 4]", got)
	}
	g.Values[y].Quant = tensor.PerTensor(0.05, 7)
	g.Outputs = []int{y}
	xt, _ := tensor.New(tensor.Int8, tensor.Shape{1, 2, 3, 4})
	xt.Quant = g.Values[x].Quant
	for i := range xt.I8 {
		xt.I8[i] = int8(i*37%256 - 128)
	}
	p, err := Compile(g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := p.Run(xt)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, 8)
	for h := 0; h < 2; h++ {
		for c := 0; c < 4; c++ {
			s := 0.0
			for w := 0; w < 3; w++ {
				s += xt.Float((h*3+w)*4 + c)
			}
			want[h*4+c] = s / 3
		}
	}
	if err := approx.Close(out[0].Floats(), want, 0.05+1e-6, 0); err != nil {
		t.Error(err)
	}
	if _, err := g.Add("bad", &Mean{Axes: []int{0}}, x); err == nil {
		t.Error("a mean over the batch axis was accepted")
	}
}

// TestActivationQ8: a standalone 8-bit ReLU6 that also changes the scale, by table and by reference,
// equals clamp(requantize(q)) and stays within one code of the real ReLU6.
func TestActivationQ8(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Uint8, tensor.Shape{1, 256}, tensor.PerTensor(0.05, 100))
	y, err := g.Add1("relu6", &Activation{Act: ActReLU6}, x)
	if err != nil {
		t.Fatal(err)
	}
	g.Values[y].Quant = tensor.PerTensor(0.03, 10)
	g.Outputs = []int{y}
	xt, _ := tensor.New(tensor.Uint8, tensor.Shape{1, 256})
	xt.Quant = g.Values[x].Quant
	want := make([]float64, 256)
	for i := range xt.U8 {
		xt.U8[i] = uint8(i)
		want[i] = min(max(0.05*float64(i-100), 0), 6)
	}
	var res [2][]float64
	for k, opt := range []Options{{}, {Reference: true}} {
		p, err := Compile(g, opt)
		if err != nil {
			t.Fatal(err)
		}
		out, err := p.Run(xt)
		if err != nil {
			t.Fatal(err)
		}
		res[k] = out[0].Floats()
	}
	if err := approx.Close(res[0], res[1], 0, 0); err != nil {
		t.Errorf("table against reference: %v", err)
	}
	if err := approx.Close(res[0], want, 0.03+1e-6, 0); err != nil {
		t.Errorf("against the real ReLU6: %v", err)
	}
}
