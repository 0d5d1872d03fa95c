package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// net builds small test graphs with seeded random weights.
type net struct {
	g *Graph
	r *rand.Rand
	t testing.TB
}

func newNet(t testing.TB, seed uint64) *net {
	return &net{g: &Graph{Name: "test"}, r: rand.New(rand.NewPCG(seed, 7)), t: t}
}

func (n *net) input(name string, shape ...int) int {
	return n.g.AddInput(name, tensor.Float32, tensor.Shape(shape), nil)
}

func (n *net) random(name string, scale float64, shape ...int) int {
	t, err := tensor.New(tensor.Float32, tensor.Shape(shape))
	if err != nil {
		n.t.Fatal(err)
	}
	for i := range t.F32 {
		t.F32[i] = float32(scale * n.r.NormFloat64())
	}
	return n.g.AddConst(name, t)
}

func (n *net) filled(name string, v float32, shape ...int) int {
	return constF32(n.g, name, tensor.Shape(shape), v)
}

func (n *net) add(name string, op Op, inputs ...int) int {
	id, err := n.g.Add1(name, op, inputs...)
	if err != nil {
		n.t.Fatal(err)
	}
	return id
}

func (n *net) channels(x int) int { s := n.g.Values[x].Shape; return s[len(s)-1] }

// conv adds a k×k convolution with bias, SAME padding.
func (n *net) conv(name string, x, k, stride, cout int) int {
	s := n.g.Values[x].Shape
	pads, _, _ := ref.SamePads(s[1], s[2], k, k, stride, stride, 1, 1)
	w := n.random(name+"/w", 1/math.Sqrt(float64(k*k*s[3])), cout, k, k, s[3])
	b := n.random(name+"/b", 0.1, cout)
	return n.add(name, &Conv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, w, b)
}

func (n *net) dw(name string, x, stride int) int {
	s := n.g.Values[x].Shape
	pads, _, _ := ref.SamePads(s[1], s[2], 3, 3, stride, stride, 1, 1)
	w := n.random(name+"/w", 1/3.0, 1, 3, 3, s[3])
	return n.add(name, &DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, w)
}

func (n *net) bn(name string, x int) int {
	c := n.channels(x)
	g := n.random(name+"/gamma", 0.2, c)
	for i := range n.g.Values[g].Data.F32 {
		n.g.Values[g].Data.F32[i] += 1
	}
	return n.add(name, &BatchNorm{Epsilon: 1e-3}, x, g, n.random(name+"/beta", 0.1, c), n.filled(name+"/mean", 0, c), n.filled(name+"/var", 1, c))
}

func (n *net) fc(name string, x, outs int) int {
	depth := n.g.Values[x].Shape[1:].Size()
	return n.add(name, &FullyConnected{}, x, n.random(name+"/w", 1/math.Sqrt(float64(depth)), outs, depth), n.random(name+"/b", 0.1, outs))
}

// gradCase is a graph with its losses and the targets of one step.
type gradCase struct {
	g       *Graph
	losses  []Loss
	targets []Target
	batch   int
}

// randomTargets gives each loss of c random targets (labels, or values in [0, 1]) for a batch.
func (c *gradCase) randomTargets(t testing.TB, r *rand.Rand) {
	vals, err := instantiate(c.g, c.batch)
	if err != nil {
		t.Fatal(err)
	}
	c.targets = make([]Target, len(c.losses))
	for i, l := range c.losses {
		v := vals[l.Value]
		n := v.Shape.Size()
		if l.Kind == SoftmaxCrossEntropy {
			depth := v.Shape[len(v.Shape)-1]
			for range n / depth {
				c.targets[i].Labels = append(c.targets[i].Labels, r.IntN(depth))
			}
			continue
		}
		for range n {
			c.targets[i].Values = append(c.targets[i].Values, r.Float32())
		}
	}
}

// gradCheck compiles c in float64 (reference kernels, training mode) and compares, for every trained
// parameter and for the graph's inputs, the analytic directional derivative ⟨∇L, v⟩ along a random
// direction v with the central difference (L(θ+hv) − L(θ−hv))/2h. It returns the worst relative error
// and where it was met. corrupt, when not nil, alters the analytic gradients (to show the check fails).
func gradCheck(t *testing.T, c *gradCase, corrupt func(p *TrainProgram)) (float64, string) {
	t.Helper()
	g := ToFloat64(c.g)
	p, err := CompileTrain(g, TrainOptions{Batch: c.batch, Losses: c.losses, InputGrads: true, BNMomentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 3))
	inputs := make([]*tensor.Tensor, len(g.Inputs))
	for i, id := range g.Inputs {
		x, err := tensor.New(tensor.Float64, g.Values[id].Shape.WithBatch(c.batch))
		if err != nil {
			t.Fatal(err)
		}
		for j := range x.F64 {
			x.F64[j] = r.NormFloat64()
		}
		inputs[i] = x
	}
	for i, tg := range c.targets {
		if err := p.SetTarget(i, tg); err != nil {
			t.Fatal(err)
		}
	}
	lossAt := func() float64 {
		if err := p.Forward(inputs...); err != nil {
			t.Fatal(err)
		}
		l, _, err := p.Loss(false)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if err := p.Forward(inputs...); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Loss(true); err != nil {
		t.Fatal(err)
	}
	if err := p.Backward(); err != nil {
		t.Fatal(err)
	}
	if corrupt != nil {
		corrupt(p)
	}
	// The points checked: every trained parameter and every input, each with its gradient.
	type point struct {
		name       string
		data, grad []float64
	}
	var pts []point
	for _, pr := range p.Params() {
		if pr.Trainable {
			pts = append(pts, point{pr.Value.Name, pr.Value.Data.F64, append([]float64(nil), pr.Grad.F64...)})
		}
	}
	for i, id := range g.Inputs {
		pts = append(pts, point{g.Values[id].Name, inputs[i].F64, append([]float64(nil), p.Grad(id).F64...)})
	}
	const h = 1e-6
	worst, where := 0.0, ""
	for _, pt := range pts {
		v := make([]float64, len(pt.data))
		var analytic float64
		for i := range v {
			v[i] = r.NormFloat64()
			analytic += v[i] * pt.grad[i]
		}
		orig := append([]float64(nil), pt.data...)
		set := func(s float64) {
			for i := range pt.data {
				pt.data[i] = orig[i] + s*v[i]
			}
		}
		set(h)
		lp := lossAt()
		set(-h)
		lm := lossAt()
		copy(pt.data, orig)
		numeric := (lp - lm) / (2 * h)
		rel := math.Abs(analytic-numeric) / max(math.Abs(numeric), math.Abs(analytic), 1e-3)
		if !(rel <= worst) && !math.IsNaN(worst) { // a NaN stays the worst
			worst, where = rel, fmt.Sprintf("%s (analytic %.9g, numeric %.9g)", pt.name, analytic, numeric)
		}
	}
	return worst, where
}

// gradTol is the relative error the float64 gradient checks hold to: central differences with h = 1e-6
// leave errors of order h² and of the rounding of L/h, about 1e-9 here.
const gradTol = 1e-6

// dagCases are the graph shapes the engine must train through beyond a chain.
func dagCases(t *testing.T) map[string]*gradCase {
	r := rand.New(rand.NewPCG(5, 5))
	cases := map[string]*gradCase{}

	// A residual block: conv → BN → ReLU6 → conv → BN, added to its input.
	{
		n := newNet(t, 1)
		x := n.input("x", 1, 6, 6, 4)
		y := n.add("relu6", &Activation{Act: ActReLU6}, n.bn("bn1", n.conv("conv1", x, 3, 1, 8)))
		y = n.bn("bn2", n.conv("conv2", y, 1, 1, 4))
		out := n.add("residual", &Add{}, y, x)
		logits := n.fc("fc", n.add("pool", &GlobalAvgPool{}, out), 5)
		n.g.Outputs = []int{logits}
		cases["residual"] = &gradCase{g: n.g, batch: 3, losses: []Loss{{Value: logits, Kind: SoftmaxCrossEntropy, Smoothing: 0.1}}}
	}
	// Squeeze and excite: a value read by two branches and multiplied back by the gate.
	{
		n := newNet(t, 2)
		x := n.input("x", 1, 5, 5, 6)
		v := n.add("relu", &Activation{Act: ActReLU}, n.dw("dw", x, 1))
		s := n.add("squeeze", &GlobalAvgPool{}, v)
		s = n.add("fc1relu", &Activation{Act: ActReLU}, n.fc("fc1", s, 3))
		gate := n.add("gate", &Logistic{}, n.fc("fc2", s, 6))
		gate = n.add("gate4d", &Reshape{Shape: []int{1, 1, 6}}, gate)
		y := n.add("excite", &Mul{}, v, gate)
		n.g.Outputs = []int{y}
		cases["squeeze-excite"] = &gradCase{g: n.g, batch: 2, losses: []Loss{{Value: y, Kind: L2}}}
	}
	// Three branches concatenated.
	{
		n := newNet(t, 3)
		x := n.input("x", 1, 6, 6, 3)
		a := n.conv("a", x, 1, 1, 4)
		b := n.dw("b", x, 1)
		c := n.add("c", &AvgPool2D{KH: 3, KW: 3, StrideH: 1, StrideW: 1, Pads: Pads{Top: 1, Bottom: 1, Left: 1, Right: 1}}, x)
		y := n.add("concat", &Concatenation{Axis: 3}, a, b, c)
		y = n.conv("mix", y, 3, 2, 5)
		n.g.Outputs = []int{y}
		cases["concat"] = &gradCase{g: n.g, batch: 2, losses: []Loss{{Value: y, Kind: SmoothL1, Delta: 0.5}}}
	}
	// Two outputs with two weighted losses (a detector's shape: classes and boxes).
	{
		n := newNet(t, 4)
		x := n.input("x", 1, 6, 6, 3)
		f := n.add("relu6", &Activation{Act: ActReLU6}, n.bn("bn", n.conv("trunk", x, 3, 2, 6)))
		cls := n.add("cls", &Reshape{Shape: []int{-1, 4}}, n.conv("cls_conv", f, 1, 1, 8))
		box := n.add("box", &Reshape{Shape: []int{-1, 4}}, n.conv("box_conv", f, 3, 1, 8))
		n.g.Outputs = []int{cls, box}
		cases["two-losses"] = &gradCase{g: n.g, batch: 2, losses: []Loss{
			{Value: cls, Kind: SigmoidCrossEntropy, Weight: 1},
			{Value: box, Kind: SmoothL1, Weight: 0.5},
		}}
	}
	// A masked loss: per-element weights with zeros (SSD's mined negatives), and an ignored row.
	{
		n := newNet(t, 6)
		x := n.input("x", 1, 4, 4, 2)
		y := n.conv("conv", x, 3, 1, 3)
		logits := n.add("rows", &Reshape{Shape: []int{-1, 3}}, y)
		n.g.Outputs = []int{logits}
		c := &gradCase{g: n.g, batch: 2, losses: []Loss{{Value: logits, Kind: SigmoidCrossEntropy}, {Value: logits, Kind: SoftmaxCrossEntropy, Weight: 0.3}}}
		cases["masked"] = c
	}
	for name, c := range cases {
		c.randomTargets(t, r)
		if name == "masked" {
			w := make([]float32, len(c.targets[0].Values))
			for i := range w {
				w[i] = float32(i % 3 % 2) // zero for two in three elements
			}
			c.targets[0].Weights = w
			c.targets[0].Norm = 5
			c.targets[1].Labels[3] = -1
		}
	}
	return cases
}

func TestGradientsOfDAGs(t *testing.T) {
	for name, c := range dagCases(t) {
		t.Run(name, func(t *testing.T) {
			worst, where := gradCheck(t, c, nil)
			if err := approx.Within("worst relative error", worst, gradTol); err != nil {
				t.Fatalf("%v at %s", err, where)
			}
			t.Logf("worst relative error %.2g (%s)", worst, where)
		})
	}
}

// TestGradCheckFailsOnNaNAndWrongGradients shows the check can fail: a NaN in a gradient, and a gradient
// off by a small factor.
func TestGradCheckFailsOnNaNAndWrongGradients(t *testing.T) {
	c := dagCases(t)["residual"]
	for name, corrupt := range map[string]func(p *TrainProgram){
		"NaN":   func(p *TrainProgram) { p.Params()[2].Grad.F64[0] = math.NaN() },
		"scale": func(p *TrainProgram) { g := p.Params()[0].Grad.F64; g[len(g)-1] *= 1.01 },
	} {
		worst, where := gradCheck(t, c, corrupt)
		if approx.Within("worst", worst, gradTol) == nil {
			t.Errorf("%s: a corrupted gradient passes the check (worst %g at %s)", name, worst, where)
		}
	}
}

// TestMaskedElementsHaveNoGradient checks that a weight of 0 removes an element from the loss: changing
// its target changes neither the loss nor any gradient.
func TestMaskedElementsHaveNoGradient(t *testing.T) {
	c := dagCases(t)["masked"]
	run := func(tg []Target) (float64, []float64) {
		p, err := CompileTrain(ToFloat64(c.g), TrainOptions{Batch: c.batch, Losses: c.losses})
		if err != nil {
			t.Fatal(err)
		}
		x, _ := tensor.New(tensor.Float64, tensor.Shape{2, 4, 4, 2})
		for i := range x.F64 {
			x.F64[i] = math.Sin(float64(i))
		}
		for i := range tg {
			if err := p.SetTarget(i, tg[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := p.Forward(x); err != nil {
			t.Fatal(err)
		}
		l, _, err := p.Loss(true)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Backward(); err != nil {
			t.Fatal(err)
		}
		var grads []float64
		for _, pr := range p.Params() {
			grads = append(grads, pr.Grad.F64...)
		}
		return l, grads
	}
	l1, g1 := run(c.targets)
	changed := append([]Target(nil), c.targets...)
	changed[0].Values = append([]float32(nil), c.targets[0].Values...)
	for i, w := range changed[0].Weights {
		if w == 0 {
			changed[0].Values[i] = 1 - changed[0].Values[i]
		}
	}
	changed[1].Labels = append([]int(nil), c.targets[1].Labels...)
	changed[1].Labels[3] = -1 // still ignored
	l2, g2 := run(changed)
	if err := approx.Close([]float64{l2}, []float64{l1}, 1e-12, 0); err != nil {
		t.Fatalf("loss: %v", err)
	}
	approx.Require(t, "gradients", g2, g1, 1e-12, 0)
}

// TestFastGradientsMatchFloat64 compares the float32 training kernels (the inference kernels forward, the
// fast gradient kernels backward) with the float64 reference on the residual and concat cases.
func TestFastGradientsMatchFloat64(t *testing.T) {
	for _, name := range []string{"residual", "concat", "two-losses"} {
		c := dagCases(t)[name]
		grads := func(g *Graph, reference bool, dt tensor.DType) [][]float64 {
			p, err := CompileTrain(g, TrainOptions{Batch: c.batch, Losses: c.losses, Reference: reference, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			x, _ := tensor.New(dt, g.Values[g.Inputs[0]].Shape.WithBatch(c.batch))
			for i := 0; i < x.Len(); i++ {
				v := math.Cos(float64(i) * 0.7)
				if dt == tensor.Float64 {
					x.F64[i] = v
				} else {
					x.F32[i] = float32(v)
				}
			}
			for i := range c.targets {
				if err := p.SetTarget(i, c.targets[i]); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.Forward(x); err != nil {
				t.Fatal(err)
			}
			if _, _, err := p.Loss(true); err != nil {
				t.Fatal(err)
			}
			if err := p.Backward(); err != nil {
				t.Fatal(err)
			}
			var out [][]float64
			for _, pr := range p.Params() {
				out = append(out, pr.Grad.Floats())
			}
			return out
		}
		want := grads(ToFloat64(c.g), true, tensor.Float64)
		for _, ref := range []bool{false, true} {
			got := grads(c.g, ref, tensor.Float32)
			if len(got) != len(want) {
				t.Fatalf("%s: %d parameters, want %d", name, len(got), len(want))
			}
			for i := range want {
				scale := 0.0
				for _, v := range want[i] {
					scale = max(scale, math.Abs(v))
				}
				if err := approx.Close(got[i], want[i], 2e-4*scale+1e-6, 0); err != nil {
					t.Errorf("%s (reference %v): parameter %d: %v", name, ref, i, err)
				}
			}
		}
	}
}

func TestCompileTrainRefusals(t *testing.T) {
	n := newNet(t, 9)
	x := n.input("x", 1, 4)
	y := n.fc("fc", x, 3)
	n.g.Outputs = []int{y}
	for _, tc := range []struct {
		opt  TrainOptions
		want string
	}{
		{TrainOptions{Losses: []Loss{{Value: x + 1, Kind: L2}}}, "not an activation"},
		{TrainOptions{Losses: []Loss{{Value: y, Kind: LossKind(99)}}}, "unknown kind"},
		{TrainOptions{Losses: []Loss{{Value: y, Kind: SoftmaxCrossEntropy, Smoothing: 1}}}, "smoothing"},
		{TrainOptions{Losses: []Loss{{Value: y, Kind: L2, Weight: math.NaN()}}}, "weight"},
		{TrainOptions{BNMomentum: 1}, "momentum"},
	} {
		if _, err := CompileTrain(n.g, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.opt, err, tc.want)
		}
	}
	p, err := CompileTrain(n.g, TrainOptions{Batch: 2, Losses: []Loss{{Value: y, Kind: SoftmaxCrossEntropy}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []Target{{Labels: []int{0}}, {Labels: []int{0, 3}}, {Labels: []int{0, 1}, Weights: []float32{1}}, {Labels: []int{0, 1}, Norm: -1}} {
		if err := p.SetTarget(0, tg); err == nil {
			t.Errorf("target %+v accepted", tg)
		}
	}
}

// TestKernelPanicBecomesError: a kernel that panics, on the calling goroutine or on a worker, gives an
// error of that run, and the program (and the process) go on.
func TestKernelPanicBecomesError(t *testing.T) {
	g := &Graph{}
	x := g.AddInput("x", tensor.Float32, tensor.Shape{1, 4}, nil)
	y, _ := g.Add1("boom", &panicOp{}, x)
	g.Outputs = []int{y}
	p, err := Compile(g, Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	in, _ := tensor.New(tensor.Float32, tensor.Shape{1, 4})
	for range 3 {
		if _, err := p.Run(in); err == nil || !strings.Contains(err.Error(), "kernel exploded") {
			t.Fatalf("Run = %v, want the panic as an error", err)
		}
	}
}

// panicOp is an op whose kernel panics in every part it runs on the worker pool.
type panicOp struct{}

func (*panicOp) Type() string                                 { return "Panic" }
func (*panicOp) Shapes(in []*Value) ([]tensor.Shape, error)   { return []tensor.Shape{in[0].Shape.Clone()}, nil }
func (*panicOp) Describe(in, out []*Value) Info               { return Info{} }
func (*panicOp) Compile(in, out []*Value, o *Options) (Kernel, error) {
	var ps partGroup
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		parallel(&ps, 4, func(part int) { panic(fmt.Sprintf("kernel exploded in part %d", part)) })
		return nil
	}), nil
}

// TestObserve reads intermediate values without changing the outputs, in inference and training.
func TestObserve(t *testing.T) {
	c := dagCases(t)["residual"]
	g := c.g
	hidden := g.Find("relu6").Outputs[0]
	p, err := Compile(g, Options{Batch: 3, WholeBatch: true})
	if err != nil {
		t.Fatal(err)
	}
	seen, err := p.Capture(hidden)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := tensor.New(tensor.Float32, tensor.Shape{3, 6, 6, 4})
	for i := range x.F32 {
		x.F32[i] = float32(math.Sin(float64(i)))
	}
	if _, err := p.Run(x); err != nil {
		t.Fatal(err)
	}
	lo, hi := 1e9, -1e9
	for _, v := range seen.F32 {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	if !(lo >= 0 && hi <= 6 && hi > 0) {
		t.Fatalf("observed ReLU6 output spans [%g, %g]", lo, hi)
	}
	// Training: the pre-activation value is fused and refused; the activation's output is observable.
	tp, err := CompileTrain(g, TrainOptions{Batch: 3, Losses: c.losses})
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.Observe(g.Find("bn1").Outputs[0], func(int, *tensor.Tensor) {}); err == nil {
		t.Fatal("observing a fused value is accepted")
	}
	calls := 0
	if err := tp.Observe(hidden, func(id int, v *tensor.Tensor) { calls++ }); err != nil {
		t.Fatal(err)
	}
	if err := tp.Forward(x); err != nil || calls != 1 {
		t.Fatalf("Forward = %v, observer called %d times", err, calls)
	}
}
