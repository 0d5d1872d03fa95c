// Package gradcheck checks the gradients of the training engine against central differences in float64,
// and builds the small seeded networks the checks run on. It is used by tests only.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Tol is the relative error the float64 checks hold to: central differences with steps of 1e-6 or less
// leave errors of order h² and of the rounding of L/h, about 1e-9 to 1e-7 on the networks of the tests.
const Tol = 1e-6

// Net builds small test graphs with seeded random weights.
type Net struct {
	G *graph.Graph
	r *rand.Rand
	t testing.TB
}

// NewNet starts an empty graph whose weights are drawn from seed.
func NewNet(t testing.TB, seed uint64) *Net {
	return &Net{G: &graph.Graph{Name: "test"}, r: rand.New(rand.NewPCG(seed, 7)), t: t}
}

// Input adds a float32 input of the given shape (batch 1 first).
func (n *Net) Input(name string, shape ...int) int {
	return n.G.AddInput(name, tensor.Float32, tensor.Shape(shape), nil)
}

// Random adds a constant of normal values times scale.
func (n *Net) Random(name string, scale float64, shape ...int) int {
	t, err := tensor.New(tensor.Float32, tensor.Shape(shape))
	if err != nil {
		n.t.Fatal(err)
	}
	for i := range t.F32 {
		t.F32[i] = float32(scale * n.r.NormFloat64())
	}
	return n.G.AddConst(name, t)
}

// Filled adds a constant of value v.
func (n *Net) Filled(name string, v float32, shape ...int) int {
	t, err := tensor.New(tensor.Float32, tensor.Shape(shape))
	if err != nil {
		n.t.Fatal(err)
	}
	for i := range t.F32 {
		t.F32[i] = v
	}
	return n.G.AddConst(name, t)
}

// Add adds a node with one output.
func (n *Net) Add(name string, op graph.Op, inputs ...int) int {
	id, err := n.G.Add1(name, op, inputs...)
	if err != nil {
		n.t.Fatal(err)
	}
	return id
}

func (n *Net) channels(x int) int { s := n.G.Values[x].Shape; return s[len(s)-1] }

// Conv adds a k×k convolution with bias and SAME padding.
func (n *Net) Conv(name string, x, k, stride, cout int) int {
	s := n.G.Values[x].Shape
	pads, _, _ := ref.SamePads(s[1], s[2], k, k, stride, stride, 1, 1)
	w := n.Random(name+"/w", 1/math.Sqrt(float64(k*k*s[3])), cout, k, k, s[3])
	b := n.Random(name+"/b", 0.1, cout)
	return n.Add(name, &graph.Conv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, w, b)
}

// DW adds a 3×3 depthwise convolution without bias, SAME padding.
func (n *Net) DW(name string, x, stride int) int {
	s := n.G.Values[x].Shape
	pads, _, _ := ref.SamePads(s[1], s[2], 3, 3, stride, stride, 1, 1)
	w := n.Random(name+"/w", 1/3.0, 1, 3, 3, s[3])
	return n.Add(name, &graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, w)
}

// BN adds a batch norm with γ near 1 and moving statistics 0 and 1.
func (n *Net) BN(name string, x int) int {
	c := n.channels(x)
	g := n.Random(name+"/gamma", 0.2, c)
	for i := range n.G.Values[g].Data.F32 {
		n.G.Values[g].Data.F32[i] += 1
	}
	return n.Add(name, &graph.BatchNorm{Epsilon: 1e-3}, x, g, n.Random(name+"/beta", 0.1, c), n.Filled(name+"/mean", 0, c), n.Filled(name+"/var", 1, c))
}

// FC adds a fully connected layer with bias.
func (n *Net) FC(name string, x, outs int) int {
	depth := n.G.Values[x].Shape[1:].Size()
	return n.Add(name, &graph.FullyConnected{}, x, n.Random(name+"/w", 1/math.Sqrt(float64(depth)), outs, depth), n.Random(name+"/b", 0.1, outs))
}

// Case is a graph with its losses and the targets of one step.
type Case struct {
	G       *graph.Graph
	Losses  []graph.Loss
	Targets []graph.Target
	Batch   int
	Frozen  func(n *graph.Node) bool // nodes whose parameters are not trained (nil: none)
}

// RandomTargets gives each loss of c random targets (labels, or values in [0, 1]).
func (c *Case) RandomTargets(t testing.TB, r *rand.Rand) {
	p, err := graph.CompileTrain(c.G, graph.TrainOptions{Batch: c.Batch})
	if err != nil {
		t.Fatal(err)
	}
	c.Targets = make([]graph.Target, len(c.Losses))
	for i, l := range c.Losses {
		v := p.Value(l.Value)
		n := v.Len()
		if l.Kind == graph.SoftmaxCrossEntropy {
			depth := v.Shape[len(v.Shape)-1]
			for range n / depth {
				c.Targets[i].Labels = append(c.Targets[i].Labels, r.IntN(depth))
			}
			continue
		}
		for range n {
			c.Targets[i].Values = append(c.Targets[i].Values, r.Float32())
		}
	}
}

// Check compiles c in float64 (reference kernels, training mode) and compares, for every trained
// parameter and every graph input, the analytic directional derivative ⟨∇L, v⟩ along a random
// direction v with the central difference (L(θ+hv) − L(θ−hv))/2h. It returns the worst relative error
// (NaN when any is NaN) and where it was met. corrupt, when not nil, alters the analytic gradients
// after the backward pass (to show that the check fails).
func Check(t testing.TB, c *Case, corrupt func(p *graph.TrainProgram)) (float64, string) {
	t.Helper()
	g := graph.ToFloat64(c.G)
	p, err := graph.CompileTrain(g, graph.TrainOptions{Batch: c.Batch, Losses: c.Losses, InputGrads: true, BNMomentum: 0.9, Frozen: c.Frozen})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(11, 3))
	inputs := make([]*tensor.Tensor, len(g.Inputs))
	for i, id := range g.Inputs {
		x, err := tensor.New(tensor.Float64, g.Values[id].Shape.WithBatch(c.Batch))
		if err != nil {
			t.Fatal(err)
		}
		for j := range x.F64 {
			x.F64[j] = r.NormFloat64()
		}
		inputs[i] = x
	}
	for i, tg := range c.Targets {
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
	lossAt()
	if _, _, err := p.Loss(true); err != nil {
		t.Fatal(err)
	}
	if err := p.Backward(); err != nil {
		t.Fatal(err)
	}
	if corrupt != nil {
		corrupt(p)
	}
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
	worst, where := 0.0, ""
	for _, pt := range pts {
		v := make([]float64, len(pt.data))
		var analytic float64
		for i := range v {
			v[i] = r.NormFloat64()
			analytic += v[i] * pt.grad[i]
		}
		// The central difference averages two slopes when a ReLU6's input crosses 0 or 6 inside the
		// step, and in a deep network (batch norm over a few rows) a step of 1e-6 moves late
		// activations by 1e-3. So the step shrinks where the loss is steep, and a point is tried with
		// up to three steps, keeping the best agreement: a right gradient agrees at some step, a wrong
		// one at none. The rounding error of the difference, ε·|L|/h, stays near 1e-9 relative.
		orig := append([]float64(nil), pt.data...)
		set := func(s float64) {
			for i := range pt.data {
				pt.data[i] = orig[i] + s*v[i]
			}
		}
		rel, numeric := math.Inf(1), 0.0
		for _, h := range []float64{1e-6, 2e-7, 5e-8} {
			h /= max(1, math.Abs(analytic))
			set(h)
			lp := lossAt()
			set(-h)
			lm := lossAt()
			n := (lp - lm) / (2 * h)
			e := math.Abs(analytic-n) / max(math.Abs(n), math.Abs(analytic), 1e-3)
			if e < rel || math.IsNaN(e) {
				rel, numeric = e, n
			}
			if !(rel > Tol/10) { // good enough, or NaN
				break
			}
		}
		copy(pt.data, orig)
		if !(rel <= worst) && !math.IsNaN(worst) { // a NaN stays the worst
			worst, where = rel, fmt.Sprintf("%s (analytic %.9g, numeric %.9g)", pt.name, analytic, numeric)
		}
	}
	return worst, where
}
