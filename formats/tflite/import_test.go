package tflite

import (
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestImportRefusesUnknownOps: an operator the runtime lacks is refused by name, with the model's ops.
func TestImportRefusesUnknownOps(t *testing.T) {
	c := chainModel()
	c.codes[1] = int32(Tanh) // RELU imports since the V2 issue
	m, err := Parse(c.build())
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Graph()
	if err == nil || !strings.Contains(err.Error(), "operator TANH is not supported") || !strings.Contains(err.Error(), "the model uses CONV_2D, TANH") {
		t.Fatalf("error %v", err)
	}
}

// TestImportRunsHandModel converts and runs the one-convolution model built by hand: a 1×1 uint8
// convolution with ReLU6, worked out here from FACTS §4.
func TestImportRunsHandModel(t *testing.T) {
	m, err := Parse(convModel().build())
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	p, err := graph.Compile(g, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Filter codes 1..6 with zp 127; output channel o sums (w−127)·(x−128) over its two inputs, times
	// 0.5·0.25 / 1. With x = 130: o0 = (−126 − 125)·2·0.125 = −62.75 → ReLU6 floor, code 0. With
	// x = 127: o0 = 251·0.125 = 31.4 → ReLU6 ceiling, code Q(6) = 6; likewise o1, o2.
	for _, c := range []struct{ in, want uint8 }{{130, 0}, {127, 6}} {
		x := &tensor.Tensor{Shape: tensor.Shape{1, 4, 4, 2}, DType: tensor.Uint8, U8: make([]uint8, 32)}
		for i := range x.U8 {
			x.U8[i] = c.in
		}
		out, err := p.Run(x)
		if err != nil {
			t.Fatal(err)
		}
		if !out[0].Shape.Equal(tensor.Shape{1, 4, 4, 3}) {
			t.Fatalf("shape %v", out[0].Shape)
		}
		for i, q := range out[0].U8 {
			if q != c.want {
				t.Fatalf("input %d: output %d = %d, want %d", c.in, i, q, c.want)
			}
		}
	}
}
