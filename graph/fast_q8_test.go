package graph_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/kernels/q8"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
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

// TestQ8PersonDetectorFastAndAllocFree checks that every layer of the int8 person detector that
// multiplies runs on a fast kernel of package q8, and that a run allocates nothing, in both roundings,
// on one thread and on two, at every level of package q8 this machine has.
func TestQ8PersonDetectorFastAndAllocFree(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/person_detect.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	in := randomInputs(t, g, rand.New(rand.NewPCG(3, 4)))
	for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
		for l := q8.Generic; l <= q8.Detected(); l++ {
			for _, threads := range []int{1, 2} {
				t.Run(fmt.Sprintf("%v/%v/threads%d", r, l, threads), func(t *testing.T) {
					prev, err := q8.SetLevel(l)
					if err != nil {
						t.Fatal(err)
					}
					defer q8.SetLevel(prev)
					p, err := graph.Compile(g, graph.Options{Rounding: r, Threads: threads})
					if err != nil {
						t.Fatal(err)
					}
					checkQ8Kernels(t, p)
					if _, err := p.Run(in...); err != nil {
						t.Fatal(err)
					}
					runs := 20
					if l == q8.Generic {
						runs = 2
					}
					allocs := testing.AllocsPerRun(runs, func() {
						if _, err := p.Run(in...); err != nil {
							t.Fatal(err)
						}
					})
					if allocs != 0 {
						t.Errorf("%v allocations per run, want 0", allocs)
					}
				})
			}
		}
	}
}

// checkQ8Kernels fails if a node of p that multiplies (convolution, depthwise, fully connected) runs
// on anything but a kernel of package q8.
func checkQ8Kernels(t *testing.T, p *graph.Program) {
	t.Helper()
	for i, n := range p.Nodes() {
		name := p.KernelName(i)
		info := n.Op.Describe(p.Values(n.Inputs), p.Values(n.Outputs))
		if info.MultAdds > 0 && !strings.HasPrefix(name, "q8.") {
			t.Errorf("node %s (%s) runs on %q, want a q8 kernel", n.Name, n.Op.Type(), name)
		}
	}
}

// q8Net builds a small 8-bit network layer by layer with random weights, for TestQ8LayerKinds.
type q8Net struct {
	g          *graph.Graph
	rng        *rand.Rand
	signed     bool // int8 per-channel, or uint8 per-tensor
	last       int  // the value the next layer reads
	in         []*tensor.Tensor
	sx         float32
	zx         int32
	layerCount int
}

func newQ8Net(rng *rand.Rand, signed bool, h, w, c int) *q8Net {
	n := &q8Net{g: &graph.Graph{}, rng: rng, signed: signed, sx: 0.02}
	n.zx = n.zeroPoint()
	dt := tensor.Uint8
	if signed {
		dt = tensor.Int8
	}
	n.last = n.g.AddInput("x", dt, tensor.Shape{1, h, w, c}, tensor.PerTensor(n.sx, n.zx))
	n.in = randomInputs(nil, n.g, rng)
	return n
}

// zeroPoint draws an activation zero point, near the middle of the range or at its bottom.
func (n *q8Net) zeroPoint() int32 {
	zp := int32(n.rng.IntN(41) - 20)
	if n.rng.IntN(4) == 0 {
		zp = -128
	}
	if !n.signed {
		zp += 128
	}
	return zp
}

// add appends op with weights of the given shape (output channels on axis, fan-in k), a bias and an
// output quantized so that its codes spread over the range.
func (n *q8Net) add(op graph.Op, ws tensor.Shape, axis, k int) {
	n.layerCount++
	name := fmt.Sprintf("l%d", n.layerCount)
	cout := ws[axis]
	wt := &tensor.Tensor{Shape: ws, DType: tensor.Uint8}
	sw := make([]float32, cout)
	mean := float32(0)
	for c := range sw {
		sw[c] = 0.01 * (0.5 + n.rng.Float32())
		mean += sw[c] / float32(cout)
	}
	if n.signed {
		wt.DType = tensor.Int8
		wt.I8 = make([]int8, ws.Size())
		for i := range wt.I8 {
			wt.I8[i] = int8(n.rng.IntN(255) - 127)
		}
		wt.Quant = &tensor.Quant{Scale: sw, ZeroPoint: make([]int32, cout), Axis: axis}
	} else {
		wt.U8 = make([]uint8, ws.Size())
		for i := range wt.U8 {
			wt.U8[i] = uint8(n.rng.IntN(256))
		}
		wt.Quant = tensor.PerTensor(mean, int32(118+n.rng.IntN(21)))
	}
	// The bias centres each channel: minus the mean accumulator, (mean(x) − zx)·Σ_k (w − zw), plus
	// noise.
	wcodes, _, _ := codesOf(wt)
	wsum := make([]float64, cout)
	for i, v := range wcodes {
		c := i / k
		if axis == 3 {
			c = i % cout
		}
		wsum[c] += float64(v - wt.Quant.ZP(0))
	}
	xcodes, _, _ := codesOf(n.lastCodes())
	xmean := 0.0
	for _, v := range xcodes {
		xmean += float64(v-n.zx) / float64(len(xcodes))
	}
	spread := 3650 * math.Sqrt(float64(k))
	bt := &tensor.Tensor{Shape: tensor.Shape{cout}, DType: tensor.Int32, I32: make([]int32, cout)}
	for i := range bt.I32 {
		bt.I32[i] = int32(-xmean*wsum[i] + n.rng.NormFloat64()*spread/4)
	}
	wi, bi := n.g.AddConst(name+"/w", wt), n.g.AddConst(name+"/b", bt)
	y, err := n.g.Add1(name, op, n.last, wi, bi)
	if err != nil {
		panic(err)
	}
	// The output scale: a guess, then halved or doubled until the codes spread without saturating.
	sy := float32(spread/40) * n.sx * mean
	zy := n.zeroPoint()
	grew := false
	for range 16 {
		n.g.Values[y].Quant = tensor.PerTensor(sy, zy)
		n.g.Outputs = []int{y}
		p, err := graph.Compile(n.g, graph.Options{Reference: true})
		if err != nil {
			panic(err)
		}
		out, err := p.Run(n.in...)
		if err != nil {
			panic(err)
		}
		codes, lo, hi := codesOf(out[0])
		seen, sat := map[int32]bool{}, 0
		for _, v := range codes {
			seen[v] = true
			if v == hi || (v == lo && zy != lo) { // codes at zy = lo are those ReLU clamped
				sat++
			}
		}
		switch {
		case 20*sat > len(codes):
			sy *= 2
			grew = true
		case len(seen) < 48 && !grew:
			sy /= 2
		default:
			n.last, n.sx, n.zx = y, sy, zy
			return
		}
	}
	n.last, n.sx, n.zx = y, sy, zy
}

// lastCodes returns the values of the last value for the network's input.
func (n *q8Net) lastCodes() *tensor.Tensor {
	if len(n.g.Nodes) == 0 {
		return n.in[0]
	}
	n.g.Outputs = []int{n.last}
	p, err := graph.Compile(n.g, graph.Options{Reference: true})
	if err != nil {
		panic(err)
	}
	out, err := p.Run(n.in...)
	if err != nil {
		panic(err)
	}
	return out[0]
}

// codesOf returns the codes of an 8-bit tensor and the bounds of its type.
func codesOf(t *tensor.Tensor) (codes []int32, lo, hi int32) {
	for _, v := range t.U8 {
		codes = append(codes, int32(v))
	}
	for _, v := range t.I8 {
		codes = append(codes, int32(v))
	}
	if t.DType == tensor.Int8 {
		return codes, -128, 127
	}
	return codes, 0, 255
}

// shape returns the shape of the last value.
func (n *q8Net) shape() tensor.Shape { return n.g.Values[n.last].Shape }

// conv adds a kh×kw convolution with SAME padding.
func (n *q8Net) conv(k, stride, cout int, act graph.Act) {
	s := n.shape()
	pads, _, _ := ref.SamePads(s[1], s[2], k, k, stride, stride, 1, 1)
	n.add(&graph.Conv2D{StrideH: stride, StrideW: stride, Pads: pads, Act: act}, tensor.Shape{cout, k, k, s[3]}, 0, k*k*s[3])
}

// depthwise adds a 3×3 depthwise convolution with SAME (or VALID) padding and depth multiplier m.
func (n *q8Net) depthwise(stride, m int, valid bool, act graph.Act) {
	s := n.shape()
	pads, _, _ := ref.SamePads(s[1], s[2], 3, 3, stride, stride, 1, 1)
	if valid {
		pads = graph.Pads{}
	}
	n.add(&graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads, Multiplier: m, Act: act},
		tensor.Shape{1, 3, 3, s[3] * m}, 3, 9)
}

// fc adds a fully connected layer over the flattened last value.
func (n *q8Net) fc(o int) {
	s := n.shape()
	depth := s.Size() / s[0]
	n.add(&graph.FullyConnected{}, tensor.Shape{o, depth}, 0, depth)
}

// TestQ8LayerKinds builds small networks of MobileNet V1's layer kinds — the stem (3×3 stride 2 over
// 1 or 3 channels, as a convolution or, over one channel, as a depthwise convolution with a depth
// multiplier), 3×3 depthwise at stride 1 and 2 (SAME over even and odd sizes, VALID), pointwise and
// fully connected, with odd channel counts — in int8 per-channel and uint8, and checks that every
// layer runs on a q8 kernel and computes every code the reference kernels compute, in both roundings,
// at every level of package q8, on one thread and two.
func TestQ8LayerKinds(t *testing.T) {
	type netCase struct {
		h, w, cin, c0 int
		dwStem        bool
	}
	cases := []netCase{
		{96, 96, 1, 8, true}, // the person detector's stem
		{33, 47, 1, 11, true},
		{32, 32, 1, 8, false},
		{35, 30, 3, 16, false},
		{64, 64, 3, 24, false},
		{17, 23, 3, 5, false},
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for ci, c := range cases {
		for _, signed := range []bool{true, false} {
			n := newQ8Net(rng, signed, c.h, c.w, c.cin)
			if c.dwStem {
				n.depthwise(2, c.c0, false, graph.ActReLU6)
			} else {
				n.conv(3, 2, c.c0, graph.ActReLU6)
			}
			n.depthwise(1, 1, false, graph.ActReLU6)
			n.conv(1, 1, 21, graph.ActNone)
			n.depthwise(2, 1, false, graph.ActNone)
			n.conv(1, 1, 64, graph.ActReLU6)
			n.depthwise(1, 1, ci%2 == 0, graph.ActReLU)
			n.depthwise(2, 1, false, graph.ActReLU6)
			n.conv(1, 1, 45, graph.ActReLU6)
			n.fc(13)
			g, in := n.g, n.in
			g.Outputs = nil
			for _, nd := range g.Nodes {
				g.Outputs = append(g.Outputs, nd.Outputs...)
			}
			for _, r := range []qmath.Rounding{qmath.XNNPACK, qmath.Reference} {
				refp, err := graph.Compile(g, graph.Options{Rounding: r, Reference: true})
				if err != nil {
					t.Fatal(err)
				}
				out, err := refp.Run(in...)
				if err != nil {
					t.Fatal(err)
				}
				want := cloneAll(out)
				for j, o := range want {
					// Codes spread over the range, not clamped to a few.
					seen := map[int32]bool{}
					codes, _, _ := codesOf(o)
					for _, v := range codes {
						seen[v] = true
					}
					if len(seen) < min(12, len(codes)/3) {
						t.Errorf("%+v signed=%v: value %q holds only %d distinct codes", c, signed, g.Values[g.Outputs[j]].Name, len(seen))
					}
				}
				for l := q8.Generic; l <= q8.Detected(); l++ {
					for _, threads := range []int{1, 2} {
						name := fmt.Sprintf("%+v/signed=%v/%v/%v/threads%d", c, signed, r, l, threads)
						t.Run(name, func(t *testing.T) {
							prev, err := q8.SetLevel(l)
							if err != nil {
								t.Fatal(err)
							}
							defer q8.SetLevel(prev)
							p, err := graph.Compile(g, graph.Options{Rounding: r, Threads: threads})
							if err != nil {
								t.Fatal(err)
							}
							checkQ8Kernels(t, p)
							got, err := p.Run(in...)
							if err != nil {
								t.Fatal(err)
							}
							for j, o := range got {
								if msg := diff(o, want[j]); msg != "" {
									t.Fatalf("value %q: %s", g.Values[g.Outputs[j]].Name, msg)
								}
							}
						})
					}
				}
			}
		}
	}
}
