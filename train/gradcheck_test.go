package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// directional compares, for each trainable parameter of the tape, the analytic directional derivative
// ⟨∇L, v⟩ along a random direction v with the central difference (L(θ+hv) − L(θ−hv))/2h, L being the
// training-mode loss of a fixed batch. corrupt, when not nil, alters the gradients after the backward
// pass (to show that the check fails). It returns the worst relative error and the parameter's name.
func directional(t *testing.T, tp *tape, x []float32, labels []int, smoothing float32, h float64, corrupt func(*tape)) (float64, string) {
	t.Helper()
	n := len(labels)
	lossAt := func() float64 {
		tp.forward(x, n, true)
		l, _ := tp.loss(labels, smoothing, false)
		return l
	}
	tp.forward(x, n, true)
	tp.loss(labels, smoothing, true)
	tp.backward()
	if corrupt != nil {
		corrupt(tp)
	}
	r := rand.New(rand.NewPCG(4, 4))
	worst, where := 0.0, ""
	for _, p := range tp.params {
		if !p.Trainable {
			continue
		}
		w := p.Data()
		v := make([]float64, len(w))
		var analytic float64
		for i := range v {
			v[i] = r.NormFloat64()
			analytic += v[i] * float64(p.Grad[i])
		}
		orig := append([]float32(nil), w...)
		set := func(s float64) {
			for i := range w {
				w[i] = float32(float64(orig[i]) + s*v[i])
			}
		}
		set(h)
		lp := lossAt()
		set(-h)
		lm := lossAt()
		copy(w, orig)
		numeric := (lp - lm) / (2 * h)
		rel := math.Abs(analytic-numeric) / max(math.Abs(numeric), 1e-3)
		if rel > worst {
			worst, where = rel, p.Value.Name
		}
	}
	return worst, where
}

// chain builds a small network with every op MobileNet uses, on 6×6×2 inputs: a 3×3 convolution,
// batch norm, ReLU6, a stride-2 depthwise convolution, batch norm, ReLU6, global average pooling, a
// 1×1 classifier with bias over 3 classes, reshape and softmax. Its parameters are drawn from seed,
// batch norm's γ kept away from zero so that the network is well conditioned.
func chain(t *testing.T, seed uint64) *graph.Graph {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	g := &graph.Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 6, 6, 2}, nil)
	add := func(name string, op graph.Op, in ...int) int {
		id, err := g.Add1(name, op, in...)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	bn := func(name string, x, c int) int {
		gamma, variance := randTensor(r, tensor.Shape{c}), randTensor(r, tensor.Shape{c})
		for i := range gamma.F32 {
			gamma.F32[i] += 1.5
			variance.F32[i] += 2
		}
		x = add(name, &graph.BatchNorm{Epsilon: 1e-3}, x, g.AddConst(name+"/gamma", gamma), g.AddConst(name+"/beta", randTensor(r, tensor.Shape{c})),
			g.AddConst(name+"/mean", randTensor(r, tensor.Shape{c})), g.AddConst(name+"/variance", variance))
		return add(name+"/relu6", &graph.Activation{Act: graph.ActReLU6}, x)
	}
	pads, _, _ := ref.SamePads(6, 6, 3, 3, 1, 1, 1, 1)
	x = add("conv", &graph.Conv2D{StrideH: 1, StrideW: 1, Pads: pads}, x, g.AddConst("conv/w", randTensor(r, tensor.Shape{4, 3, 3, 2})))
	x = bn("conv/bn", x, 4)
	pads, _, _ = ref.SamePads(6, 6, 3, 3, 2, 2, 1, 1)
	x = add("dw", &graph.DepthwiseConv2D{StrideH: 2, StrideW: 2, Pads: pads}, x, g.AddConst("dw/w", randTensor(r, tensor.Shape{1, 3, 3, 4})))
	x = bn("dw/bn", x, 4)
	x = add("pool", &graph.GlobalAvgPool{}, x)
	x = add("fc", &graph.Conv2D{StrideH: 1, StrideW: 1}, x, g.AddConst("fc/w", randTensor(r, tensor.Shape{3, 1, 1, 4})), g.AddConst("fc/b", randTensor(r, tensor.Shape{3})))
	x = add("squeeze", &graph.Reshape{Shape: []int{3}}, x)
	g.Outputs = []int{add("softmax", &graph.Softmax{}, x)}
	return g
}

// TestTapeGradients checks every parameter gradient of the small network, batch norm in training
// mode, against central differences of the loss, with and without label smoothing; and that the check
// catches a gradient 20 % too large. (ReLU6's kinks give the differences an error of order h; the
// tolerance allows for it.)
func TestTapeGradients(t *testing.T) {
	x := randInput(rand.New(rand.NewPCG(3, 3)), 4*6*6*2)
	labels := []int{0, 1, 2, 1}
	for _, smoothing := range []float32{0, 0.1} {
		tp, err := newTape(chain(t, 1), tapeOptions{batch: 4, threads: 2, bnMomentum: 0.9})
		if err != nil {
			t.Fatal(err)
		}
		worst, where := directional(t, tp, x, labels, smoothing, 1e-3, nil)
		if worst > 0.05 {
			t.Fatalf("smoothing %g: gradient of %s is off by %.2g (relative)", smoothing, where, worst)
		}
	}
	tp, _ := newTape(chain(t, 1), tapeOptions{batch: 4, threads: 2, bnMomentum: 0.9})
	worst, _ := directional(t, tp, x, labels, 0, 1e-3, func(tp *tape) {
		for i := range tp.params[3].Grad { // the depthwise filter
			tp.params[3].Grad[i] *= 1.2
		}
	})
	if worst < 0.1 {
		t.Fatalf("a corrupted gradient passed the check (worst error %.2g)", worst)
	}
}

// TestFrozenGradients checks that freezing all but the classifier trains only it, with batch norm in
// inference mode, and that its gradient is still right.
func TestFrozenGradients(t *testing.T) {
	g := tinyNet(t, 1, 5, 3)
	head := headNode(g)
	tp, err := newTape(g, tapeOptions{batch: 3, threads: 1, bnMomentum: 0.9, trainable: func(n *graph.Node) bool { return n == head }})
	if err != nil {
		t.Fatal(err)
	}
	trained := 0
	for _, p := range tp.params {
		if p.Trainable {
			trained++
		}
	}
	if trained != 2 {
		t.Fatalf("%d parameters trained, want the classifier's weights and bias", trained)
	}
	worst, where := directional(t, tp, randInput(rand.New(rand.NewPCG(1, 1)), 3*16*16), []int{1, 2, 0}, 0, 1e-3, nil)
	if worst > 0.01 {
		t.Fatalf("gradient of %s is off by %.2g", where, worst)
	}
}
