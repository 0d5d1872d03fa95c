package graph_test

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/gradcheck"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// TestHardActivationsValues checks h-swish and h-sigmoid at points of their definition, on both sides
// of the kinks −3 and 3, through a compiled graph (fast float32) and the float64 reference.
func TestHardActivationsValues(t *testing.T) {
	xs := []float32{-5, -3, -1.5, 0, 1, 2.25, 3, 7}
	want := map[string][]float64{
		"HardSwish":   {0, 0, -1.5 * 1.5 / 6, 0, 4.0 / 6, 2.25 * 5.25 / 6, 3, 7},
		"HardSigmoid": {0, 0, 1.5 / 6, 0.5, 4.0 / 6, 5.25 / 6, 1, 1},
	}
	for _, op := range []Op{&HardSwish{}, &HardSigmoid{}} {
		g := &Graph{Name: op.Type()}
		x := g.AddInput("x", tensor.Float32, tensor.Shape{1, len(xs)}, nil)
		y, err := g.Add1("y", op, x)
		if err != nil {
			t.Fatal(err)
		}
		g.Outputs = []int{y}
		for _, f64 := range []bool{false, true} {
			gg := g
			in, _ := tensor.FromFloat32(tensor.Shape{1, len(xs)}, append([]float32(nil), xs...))
			if f64 {
				gg = ToFloat64(g)
				in = &tensor.Tensor{Shape: in.Shape, DType: tensor.Float64, F64: make([]float64, len(xs))}
				for i, v := range xs {
					in.F64[i] = float64(v)
				}
			}
			p, err := Compile(gg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, err := p.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			if err := approx.Close(out[0].Floats(), want[op.Type()], 1e-6, 1e-6); err != nil {
				t.Errorf("%s (float64 %v): %v", op.Type(), f64, err)
			}
		}
	}
}

// TestHardFastEqualsReference: the fast float32 kernel (split across workers) gives the reference's
// bits on a large tensor spanning the kinks, with large floats, the kinks themselves and their neighbours.
func TestHardFastEqualsReference(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	n := 100003
	xs := make([]float32, n)
	for i := range xs {
		xs[i] = float32(r.Float64()*12 - 6)
	}
	copy(xs, []float32{-3, 3, -5e37, 5e37, 1e30, -1e30, 0, -2.9999998, 3.0000002, 1e-30, -1e-30})
	for _, op := range []Op{&HardSwish{}, &HardSigmoid{}} {
		g := &Graph{Name: op.Type()}
		x := g.AddInput("x", tensor.Float32, tensor.Shape{1, n}, nil)
		y, _ := g.Add1("y", op, x)
		g.Outputs = []int{y}
		var outs [2][]float64
		for i, ref := range []bool{false, true} {
			p, err := Compile(g, Options{Threads: 2, Reference: ref})
			if err != nil {
				t.Fatal(err)
			}
			in, _ := tensor.FromFloat32(tensor.Shape{1, n}, append([]float32(nil), xs...))
			out, err := p.Run(in)
			if err != nil {
				t.Fatal(err)
			}
			outs[i] = out[0].Floats()
		}
		if err := approx.Close(outs[0], outs[1], 0, 0); err != nil {
			t.Errorf("%s: fast differs from reference: %v", op.Type(), err)
		}
	}
}

// TestHardBackwardMatchesDifferences compares the reference gradient with central differences at
// points away from the kinks, on both flat parts and the curved middle.
func TestHardBackwardMatchesDifferences(t *testing.T) {
	xs := []float64{-5.5, -3.2, -2.9, -1, 0, 0.4, 2.7, 3.1, 8}
	dy := make([]float64, len(xs))
	for i := range dy {
		dy[i] = 1
	}
	for _, swish := range []bool{true, false} {
		got := make([]float64, len(xs))
		RefHardBackward(swish, got, dy, xs)
		want := make([]float64, len(xs))
		const h = 1e-6
		for i, x := range xs {
			y := make([]float64, 2)
			RefHard(swish, y, []float64{x + h, x - h})
			want[i] = (y[0] - y[1]) / (2 * h)
		}
		if err := approx.Close(got, want, 1e-8, 1e-6); err != nil {
			t.Errorf("swish %v: %v", swish, err)
		}
	}
}

// TestGradientsOfHardSqueezeExcite checks in float64 the gradients of a MobileNet V3 block: expand with
// h-swish, depthwise, squeeze-and-excite gated by h-sigmoid, project, residual add. The input is scaled
// so that the activations cover the flat parts and the middle.
func TestGradientsOfHardSqueezeExcite(t *testing.T) {
	n := gradcheck.NewNet(t, 13)
	x := n.Input("x", 1, 5, 5, 4)
	scale := n.Filled("scale", 3, 1, 1, 1, 4)
	e := n.Add("hswish", &HardSwish{}, n.BN("bn1", n.Conv("expand", n.Add("scaled", &Mul{}, x, scale), 1, 1, 8)))
	v := n.Add("hswish2", &HardSwish{}, n.DW("dw", e, 1))
	s := n.Add("relu", &Activation{Act: ActReLU}, n.Conv("fc1", n.Add("squeeze", &GlobalAvgPool{}, v), 1, 1, 3))
	gate := n.Add("hsigmoid", &HardSigmoid{}, n.Conv("fc2", s, 1, 1, 8))
	y := n.Conv("project", n.Add("excite", &Mul{}, v, gate), 1, 1, 4)
	y = n.Add("residual", &Add{}, y, x)
	n.G.Outputs = []int{y}
	c := &gradcheck.Case{G: n.G, Batch: 2, Losses: []Loss{{Value: y, Kind: L2}}}
	c.RandomTargets(t, rand.New(rand.NewPCG(3, 3)))
	worst, where := gradcheck.Check(t, c, nil)
	if err := approx.Within("worst relative error", worst, gradcheck.Tol); err != nil {
		t.Fatalf("%v at %s", err, where)
	}
	t.Logf("worst relative error %.2g (%s)", worst, where)
	if math.IsNaN(worst) {
		t.Fatal("NaN")
	}
}
