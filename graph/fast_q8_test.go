package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/kernels/q8"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestQ8EqualsReference runs the shared 8-bit models (uint8 classifiers and SSD detector, the int8
// person detector) on the fast 8-bit kernels, split over two threads, at every level of package q8
// this machine has, and compares every tensor the graph computes — not only its outputs — bit for
// bit with the reference kernels (package qref), in both roundings.
func TestQ8EqualsReference(t *testing.T) {
	cases := []struct {
		model  string
		inputs int
		levels []q8.Level
	}{
		{"mobilenet_v1_0.25_128_quant.tflite", 2, []q8.Level{q8.Generic, q8.VNNI}},
		{"mobilenet_v1_0.75_192_quant.tflite", 1, []q8.Level{q8.VNNI}},
		{"person_detect.tflite", 2, []q8.Level{q8.Generic, q8.VNNI}},
		{"coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite", 1, []q8.Level{q8.VNNI}},
	}
	for _, c := range cases {
		if testing.Short() && c.inputs == 1 {
			continue
		}
		m, err := tflite.ReadFile(shared.Path(t, "models/"+c.model))
		if err != nil {
			t.Fatal(err)
		}
		g, err := m.Graph()
		if err != nil {
			t.Fatal(err)
		}
		// Every value a node produces becomes an output, in the order they are computed, so that the
		// first difference reported is the first one made.
		var all []int
		for _, n := range g.Nodes {
			all = append(all, n.Outputs...)
		}
		g.Outputs = append(all, g.Outputs...)
		rng := rand.New(rand.NewPCG(uint64(len(c.model)), 7))
		var inputs [][]*tensor.Tensor
		for range c.inputs {
			inputs = append(inputs, randomInputs(t, g, rng))
		}
		for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
			ref, err := graph.Compile(g, graph.Options{Rounding: r, Reference: true})
			if err != nil {
				t.Fatal(err)
			}
			var want [][]*tensor.Tensor
			for _, in := range inputs {
				out, err := ref.Run(in...)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, cloneAll(out))
			}
			for _, l := range c.levels {
				t.Run(fmt.Sprintf("%s/%v/%v", c.model, r, l), func(t *testing.T) {
					prev, err := q8.SetLevel(l)
					if err != nil {
						t.Skip(err)
					}
					defer q8.SetLevel(prev)
					fast, err := graph.Compile(g, graph.Options{Rounding: r, Threads: 2})
					if err != nil {
						t.Fatal(err)
					}
					for i, in := range inputs {
						out, err := fast.Run(in...)
						if err != nil {
							t.Fatal(err)
						}
						for j, o := range out {
							if msg := diff(o, want[i][j]); msg != "" {
								t.Fatalf("input %d: value %q: %s", i, g.Values[g.Outputs[j]].Name, msg)
							}
						}
					}
				})
			}
		}
	}
}

// randomInputs returns random codes for the graph's 8-bit inputs.
func randomInputs(t *testing.T, g *graph.Graph, rng *rand.Rand) []*tensor.Tensor {
	var ts []*tensor.Tensor
	for _, id := range g.Inputs {
		v := g.Values[id]
		x := &tensor.Tensor{Shape: v.Shape.Clone(), DType: v.DType, Quant: v.Quant}
		n := v.Shape.Size()
		switch v.DType {
		case tensor.Uint8:
			x.U8 = make([]uint8, n)
			for i := range x.U8 {
				x.U8[i] = uint8(rng.UintN(256))
			}
		case tensor.Int8:
			x.I8 = make([]int8, n)
			for i := range x.I8 {
				x.I8[i] = int8(rng.UintN(256))
			}
		default:
			t.Fatalf("input %q is %v", v.Name, v.DType)
		}
		ts = append(ts, x)
	}
	return ts
}

// cloneAll copies tensors whose storage the program reuses.
func cloneAll(ts []*tensor.Tensor) []*tensor.Tensor {
	var cs []*tensor.Tensor
	for _, x := range ts {
		c := *x
		c.U8 = append([]uint8(nil), x.U8...)
		c.I8 = append([]int8(nil), x.I8...)
		c.I32 = append([]int32(nil), x.I32...)
		c.F32 = append([]float32(nil), x.F32...)
		cs = append(cs, &c)
	}
	return cs
}

// diff describes the first difference between two tensors of the same type, or returns "".
func diff(got, want *tensor.Tensor) string {
	if got.DType != want.DType || !got.Shape.Equal(want.Shape) {
		return fmt.Sprintf("%v %v, want %v %v", got.DType, got.Shape, want.DType, want.Shape)
	}
	for i := range want.U8 {
		if got.U8[i] != want.U8[i] {
			return fmt.Sprintf("code %d is %d, want %d", i, got.U8[i], want.U8[i])
		}
	}
	for i := range want.I8 {
		if got.I8[i] != want.I8[i] {
			return fmt.Sprintf("code %d is %d, want %d", i, got.I8[i], want.I8[i])
		}
	}
	for i := range want.I32 {
		if got.I32[i] != want.I32[i] {
			return fmt.Sprintf("value %d is %d, want %d", i, got.I32[i], want.I32[i])
		}
	}
	for i := range want.F32 {
		if math.Float32bits(got.F32[i]) != math.Float32bits(want.F32[i]) {
			return fmt.Sprintf("value %d is %v, want %v", i, got.F32[i], want.F32[i])
		}
	}
	return ""
}
