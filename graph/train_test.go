package graph_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/gradcheck"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// dagCases are the graph shapes the engine must train through beyond a chain.
func dagCases(t *testing.T) map[string]*gradcheck.Case {
	r := rand.New(rand.NewPCG(5, 5))
	cases := map[string]*gradcheck.Case{}

	// A residual block: conv → BN → ReLU6 → conv → BN, added to its input.
	{
		n := gradcheck.NewNet(t, 1)
		x := n.Input("x", 1, 6, 6, 4)
		y := n.Add("relu6", &Activation{Act: ActReLU6}, n.BN("bn1", n.Conv("conv1", x, 3, 1, 8)))
		y = n.BN("bn2", n.Conv("conv2", y, 1, 1, 4))
		out := n.Add("residual", &Add{}, y, x)
		logits := n.FC("fc", n.Add("pool", &GlobalAvgPool{}, out), 5)
		n.G.Outputs = []int{logits}
		cases["residual"] = &gradcheck.Case{G: n.G, Batch: 3, Losses: []Loss{{Value: logits, Kind: SoftmaxCrossEntropy, Smoothing: 0.1}}}
	}
	// Squeeze and excite: a value read by two branches and multiplied back by the gate.
	{
		n := gradcheck.NewNet(t, 2)
		x := n.Input("x", 1, 5, 5, 6)
		v := n.Add("relu", &Activation{Act: ActReLU}, n.DW("dw", x, 1))
		s := n.Add("squeeze", &GlobalAvgPool{}, v)
		s = n.Add("fc1relu", &Activation{Act: ActReLU}, n.FC("fc1", s, 3))
		gate := n.Add("gate", &Logistic{}, n.FC("fc2", s, 6))
		gate = n.Add("gate4d", &Reshape{Shape: []int{1, 1, 6}}, gate)
		y := n.Add("excite", &Mul{}, v, gate)
		n.G.Outputs = []int{y}
		cases["squeeze-excite"] = &gradcheck.Case{G: n.G, Batch: 2, Losses: []Loss{{Value: y, Kind: L2}}}
	}
	// Three branches concatenated.
	{
		n := gradcheck.NewNet(t, 3)
		x := n.Input("x", 1, 6, 6, 3)
		a := n.Conv("a", x, 1, 1, 4)
		b := n.DW("b", x, 1)
		c := n.Add("c", &AvgPool2D{KH: 3, KW: 3, StrideH: 1, StrideW: 1, Pads: Pads{Top: 1, Bottom: 1, Left: 1, Right: 1}}, x)
		y := n.Add("concat", &Concatenation{Axis: 3}, a, b, c)
		y = n.Conv("mix", y, 3, 2, 5)
		n.G.Outputs = []int{y}
		cases["concat"] = &gradcheck.Case{G: n.G, Batch: 2, Losses: []Loss{{Value: y, Kind: SmoothL1, Delta: 0.5}}}
	}
	// Two outputs with two weighted losses (a detector's shape: classes and boxes).
	{
		n := gradcheck.NewNet(t, 4)
		x := n.Input("x", 1, 6, 6, 3)
		f := n.Add("relu6", &Activation{Act: ActReLU6}, n.BN("bn", n.Conv("trunk", x, 3, 2, 6)))
		cls := n.Add("cls", &Reshape{Shape: []int{-1, 4}}, n.Conv("cls_conv", f, 1, 1, 8))
		box := n.Add("box", &Reshape{Shape: []int{-1, 4}}, n.Conv("box_conv", f, 3, 1, 8))
		n.G.Outputs = []int{cls, box}
		cases["two-losses"] = &gradcheck.Case{G: n.G, Batch: 2, Losses: []Loss{
			{Value: cls, Kind: SigmoidCrossEntropy, Weight: 1},
			{Value: box, Kind: SmoothL1, Weight: 0.5},
		}}
	}
	// A masked loss: per-element weights with zeros (SSD's mined negatives), and an ignored row.
	{
		n := gradcheck.NewNet(t, 6)
		x := n.Input("x", 1, 4, 4, 2)
		y := n.Conv("conv", x, 3, 1, 3)
		logits := n.Add("rows", &Reshape{Shape: []int{-1, 3}}, y)
		n.G.Outputs = []int{logits}
		c := &gradcheck.Case{G: n.G, Batch: 2, Losses: []Loss{{Value: logits, Kind: SigmoidCrossEntropy}, {Value: logits, Kind: SoftmaxCrossEntropy, Weight: 0.3}}}
		cases["masked"] = c
	}
	for name, c := range cases {
		c.RandomTargets(t, r)
		if name == "masked" {
			w := make([]float32, len(c.Targets[0].Values))
			for i := range w {
				w[i] = float32(i % 3 % 2) // zero for two in three elements
			}
			c.Targets[0].Weights = w
			c.Targets[0].Norm = 5
			c.Targets[1].Labels[3] = -1
		}
	}
	return cases
}

func TestGradientsOfDAGs(t *testing.T) {
	for name, c := range dagCases(t) {
		t.Run(name, func(t *testing.T) {
			worst, where := gradcheck.Check(t, c, nil)
			if err := approx.Within("worst relative error", worst, gradcheck.Tol); err != nil {
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
		worst, where := gradcheck.Check(t, c, corrupt)
		if approx.Within("worst", worst, gradcheck.Tol) == nil {
			t.Errorf("%s: a corrupted gradient passes the check (worst %g at %s)", name, worst, where)
		}
	}
}

// TestMaskedElementsHaveNoGradient checks that a weight of 0 removes an element from the loss: changing
// its target changes neither the loss nor any gradient.
func TestMaskedElementsHaveNoGradient(t *testing.T) {
	c := dagCases(t)["masked"]
	run := func(tg []Target) (float64, []float64) {
		p, err := CompileTrain(ToFloat64(c.G), TrainOptions{Batch: c.Batch, Losses: c.Losses})
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
	l1, g1 := run(c.Targets)
	changed := append([]Target(nil), c.Targets...)
	changed[0].Values = append([]float32(nil), c.Targets[0].Values...)
	for i, w := range changed[0].Weights {
		if w == 0 {
			changed[0].Values[i] = 1 - changed[0].Values[i]
		}
	}
	changed[1].Labels = append([]int(nil), c.Targets[1].Labels...)
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
			p, err := CompileTrain(g, TrainOptions{Batch: c.Batch, Losses: c.Losses, Reference: reference, Threads: 2})
			if err != nil {
				t.Fatal(err)
			}
			x, _ := tensor.New(dt, g.Values[g.Inputs[0]].Shape.WithBatch(c.Batch))
			for i := 0; i < x.Len(); i++ {
				v := math.Cos(float64(i) * 0.7)
				if dt == tensor.Float64 {
					x.F64[i] = v
				} else {
					x.F32[i] = float32(v)
				}
			}
			for i := range c.Targets {
				if err := p.SetTarget(i, c.Targets[i]); err != nil {
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
		want := grads(ToFloat64(c.G), true, tensor.Float64)
		for _, ref := range []bool{false, true} {
			got := grads(c.G, ref, tensor.Float32)
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
	n := gradcheck.NewNet(t, 9)
	x := n.Input("x", 1, 4)
	y := n.FC("fc", x, 3)
	n.G.Outputs = []int{y}
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
		if _, err := CompileTrain(n.G, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.opt, err, tc.want)
		}
	}
	p, err := CompileTrain(n.G, TrainOptions{Batch: 2, Losses: []Loss{{Value: y, Kind: SoftmaxCrossEntropy}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range []Target{{Labels: []int{0}}, {Labels: []int{0, 3}}, {Labels: []int{0, 1}, Weights: []float32{1}}, {Labels: []int{0, 1}, Norm: -1}} {
		if err := p.SetTarget(0, tg); err == nil {
			t.Errorf("target %+v accepted", tg)
		}
	}
}

// TestObserve reads intermediate values without changing the outputs, in inference and training.
func TestObserve(t *testing.T) {
	c := dagCases(t)["residual"]
	g := c.G
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
	tp, err := CompileTrain(g, TrainOptions{Batch: 3, Losses: c.Losses})
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
