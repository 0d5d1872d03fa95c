package tflite

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// fuzzBytes hands out small numbers from the fuzz input, zeros when it runs out.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) next(n int) int {
	if len(f.b) == 0 {
		return 0
	}
	v := int(f.b[0]) % n
	f.b = f.b[1:]
	return v
}

// fuzzGraph builds a small random graph from the fuzz bytes: float32, uint8 per-tensor or int8 with
// per-channel weights; a chain of convolutions, depthwise convolutions, pools, heads
// (fully connected, reshape, softmax, logistic, concatenation) and, sometimes, the SSD post-process.
func fuzzGraph(data []byte) *graph.Graph {
	f := &fuzzBytes{b: data}
	kind := f.next(3) // 0 float32, 1 uint8, 2 int8
	dt := []tensor.DType{tensor.Float32, tensor.Uint8, tensor.Int8}[kind]
	seed := uint32(f.next(256))
	rnd := func() float32 { seed = seed*1103515245 + 12345; return float32(seed>>8)/(1<<24)*2 - 1 }
	act := func() *tensor.Quant {
		if kind == 0 {
			return nil
		}
		zp := int32(f.next(256))
		if kind == 2 {
			zp -= 128
		}
		return tensor.PerTensor(0.01+float32(f.next(100))/100, zp)
	}
	weights := func(shape tensor.Shape, axis int) *tensor.Tensor {
		t, _ := tensor.New(dt, shape)
		for i := 0; i < t.Len(); i++ {
			v := rnd()
			switch kind {
			case 0:
				t.F32[i] = v
			case 1:
				t.U8[i] = uint8(128 + 127*v)
			default:
				t.I8[i] = int8(127 * v)
			}
		}
		switch kind {
		case 1:
			t.Quant = tensor.PerTensor(0.02, int32(f.next(256)))
		case 2:
			n := shape[axis]
			q := &tensor.Quant{Scale: make([]float32, n), ZeroPoint: make([]int32, n), Axis: axis}
			for c := range q.Scale {
				q.Scale[c] = 0.001 * float32(1+f.next(50))
			}
			t.Quant = q
		}
		return t
	}
	g := &graph.Graph{Name: "fuzz"}
	h, w, c := 1+f.next(9), 1+f.next(9), 1+f.next(4)
	x := g.AddInput("input", dt, tensor.Shape{1, h, w, c}, act())
	addBias := func(n int, wq *tensor.Quant) int {
		if f.next(2) == 0 {
			return -1
		}
		var t *tensor.Tensor
		if kind == 0 {
			t, _ = tensor.New(tensor.Float32, tensor.Shape{n})
			for i := range t.F32 {
				t.F32[i] = rnd()
			}
		} else {
			t, _ = tensor.New(tensor.Int32, tensor.Shape{n})
			for i := range t.I32 {
				t.I32[i] = int32(1000 * rnd())
			}
			t.Quant = &tensor.Quant{Scale: append([]float32(nil), wq.Scale...), ZeroPoint: make([]int32, len(wq.Scale))}
		}
		return g.AddConst("bias", t)
	}
	add := func(name string, op graph.Op, in ...int) int {
		y, err := g.Add1(name, op, in...)
		if err != nil {
			return -1
		}
		g.Values[y].Quant = act()
		return y
	}
	pads := func(kh, kw, s int) graph.Pads {
		if f.next(2) == 0 {
			return graph.Pads{}
		}
		p, _, _ := ref.SamePads(h, w, kh, kw, s, s, 1, 1)
		return p
	}
	acts := []graph.Act{graph.ActNone, graph.ActReLU, graph.ActReLU6, graph.ActReLUN1To1}
	for layer := 0; layer < 1+f.next(4); layer++ {
		v := g.Values[x]
		h, w, c = v.Shape[1], v.Shape[2], v.Shape[3]
		k, s := 1+f.next(3), 1+f.next(2)
		var y int
		switch f.next(3) {
		case 0:
			co := 1 + f.next(4)
			wt := weights(tensor.Shape{co, k, k, c}, 0)
			wid := g.AddConst("w", wt)
			y = add("conv", &graph.Conv2D{StrideH: s, StrideW: s, Pads: pads(k, k, s), Act: acts[f.next(4)]}, x, wid, addBias(co, wt.Quant))
		case 1:
			m := 1 + f.next(2)
			wt := weights(tensor.Shape{1, k, k, c * m}, 3)
			wid := g.AddConst("dw", wt)
			y = add("dw", &graph.DepthwiseConv2D{StrideH: s, StrideW: s, Pads: pads(k, k, s), Multiplier: m, Act: acts[f.next(4)]}, x, wid, addBias(c*m, wt.Quant))
		default:
			y = add("pool", &graph.AvgPool2D{KH: k, KW: k, StrideH: s, StrideW: s, Pads: pads(k, k, s)}, x)
		}
		if y < 0 {
			break
		}
		x = y
	}
	v := g.Values[x]
	switch f.next(5) {
	case 0:
		co := 1 + f.next(5)
		wt := weights(tensor.Shape{co, v.Shape[1:].Size()}, 0)
		if kind == 2 {
			wt.Quant = tensor.PerTensor(0.01, 0)
		}
		wid := g.AddConst("fc_w", wt)
		b := addBias(co, wt.Quant)
		if y := add("fc", &graph.FullyConnected{Act: acts[f.next(4)]}, x, wid, b); y >= 0 {
			x = y
		}
	case 1:
		if y := add("reshape", &graph.Reshape{Shape: []int{-1}}, x); y >= 0 {
			x = y
			if y := add("softmax", &graph.Softmax{Beta: float32(f.next(3))}, x); y >= 0 {
				x = y
			}
		}
	case 2:
		if y := add("logistic", &graph.Logistic{}, x); y >= 0 {
			x = y
		}
	case 3:
		if y := add("concat", &graph.Concatenation{Axis: -1 - f.next(2)}, x, x); y >= 0 {
			x = y
		}
	case 4:
		if kind != 0 {
			break
		}
		// The SSD post-process on a tiny head: 2 anchors, 3 classes.
		boxes := g.AddInput("boxes", tensor.Float32, tensor.Shape{1, 2, 4}, nil)
		scores := g.AddInput("scores", tensor.Float32, tensor.Shape{1, 2, 4}, nil)
		at, _ := tensor.FromFloat32(tensor.Shape{2, 4}, []float32{0.5, 0.5, 0.2, 0.2, 0.3, 0.3, 0.1, 0.4})
		anchors := g.AddConst("anchors", at)
		o := detect.Options{MaxDetections: 1 + f.next(5), MaxClassesPerDetection: 1, DetectionsPerClass: 1 + f.next(5),
			NumClasses: 3, UseRegularNMS: f.next(2) == 1, ScoreThreshold: float32(f.next(10)) / 10, IoUThreshold: 0.5,
			YScale: 10, XScale: 10, HScale: 5, WScale: 5}
		outs, err := g.Add("post", &graph.DetectionPostProcess{Options: o}, boxes, scores, anchors)
		if err == nil {
			g.Outputs = append(g.Outputs, outs...)
		}
	}
	g.Outputs = append([]int{x}, g.Outputs...)
	return g
}

// FuzzWriteRoundTrip builds a random small graph from the fuzz bytes, writes it and reads it back:
// the graph read back must equal the written one (ops and attributes, shapes, types, quantization,
// constant bytes). Encode must never panic; a graph it refuses is skipped.
func FuzzWriteRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 7, 3, 3, 2, 2, 0, 0, 1, 1, 2, 1, 1, 1, 0, 2})
	f.Add([]byte{1, 9, 5, 5, 3, 3, 1, 1, 0, 0, 0, 3, 2, 1, 1, 1, 0, 0})
	f.Add([]byte{2, 200, 7, 7, 1, 2, 1, 1, 1, 1, 1, 1, 0, 1, 1, 9, 9, 0, 0})
	f.Add([]byte{0, 1, 2, 2, 1, 0, 0, 0, 2, 1, 1, 0, 4, 3, 2, 1, 1, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := fuzzGraph(data)
		if _, err := roundTrip(g, WriteOptions{Description: "fuzz"}); err != nil {
			if _, encErr := Encode(g, WriteOptions{}); encErr != nil {
				return // refused, with an error
			}
			t.Fatal(err)
		}
	})
}
