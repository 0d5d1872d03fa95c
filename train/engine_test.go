package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/gradcheck"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// tinyNet builds MobileNet α 0.25 at resolution 16 with batch norm statistics and parameters drawn at
// random, so that inference-mode batch norm is not the identity.
func tinyNet(t testing.TB, channels, classes int, seed uint64) *graph.Graph {
	t.Helper()
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 16, Channels: channels, Classes: classes, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(seed, 99))
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.BatchNorm); !ok {
			continue
		}
		for i, lo := range []float64{0.5, -0.2, -0.2, 0.5} {
			d := g.Values[n.Inputs[i+1]].Data.F32
			for k := range d {
				d[k] = float32(lo + r.Float64()*0.7)
			}
		}
	}
	return g
}

func randInput(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.Float64()*2 - 1)
	}
	return x
}

// classifierCase is the classification loss of the builder's MobileNet, as training attaches it.
func classifierCase(t *testing.T, g *graph.Graph, batch int, smoothing float64) *gradcheck.Case {
	_, logits, err := logitsOf(g)
	if err != nil {
		t.Fatal(err)
	}
	c := &gradcheck.Case{G: g, Batch: batch, Losses: []graph.Loss{{Value: logits, Kind: graph.SoftmaxCrossEntropy, Smoothing: smoothing}}}
	c.RandomTargets(t, rand.New(rand.NewPCG(2, 2)))
	return c
}

// TestMobileNetGradients checks every gradient of the builder's MobileNet V1 (α 0.25, 16×16, batch
// norm in training mode) in float64 against central differences, with and without label smoothing.
// (The float32 tape this replaces was checked within 5 %; in float64 the error is below 1e-6.)
func TestMobileNetGradients(t *testing.T) {
	for _, s := range []float64{0, 0.1} {
		worst, where := gradcheck.Check(t, classifierCase(t, tinyNet(t, 1, 3, 1), 8, s), nil)
		if err := approx.Within("worst relative error", worst, gradcheck.Tol); err != nil {
			t.Fatalf("smoothing %g: %v at %s", s, err, where)
		}
		t.Logf("smoothing %g: worst relative error %.2g (%s)", s, worst, where)
	}
}

// TestFrozenGradients checks that freezing all but the classifier trains only it, with batch norm in
// inference mode, and that its gradient is right.
func TestFrozenGradients(t *testing.T) {
	g := tinyNet(t, 1, 5, 3)
	head := headNode(g)
	c := classifierCase(t, g, 3, 0)
	c.Frozen = func(n *graph.Node) bool { return n != head }
	net, err := newClassifier(g, netOptions{batch: 3, frozen: c.Frozen})
	if err != nil {
		t.Fatal(err)
	}
	trained := 0
	for _, p := range net.prog.Params() {
		if p.Trainable {
			trained++
		}
	}
	if trained != 2 {
		t.Fatalf("%d parameters trained, want the classifier's weights and bias", trained)
	}
	worst, where := gradcheck.Check(t, c, nil)
	if err := approx.Within("worst relative error", worst, gradcheck.Tol); err != nil {
		t.Fatalf("%v at %s", err, where)
	}
}

// TestFastStepMatchesReference compares one training step of the fast float32 kernels with the
// float64 reference on MobileNet (α 0.25 at 64×64, batch 8, so that batch norm's statistics are taken
// over 32 rows or more and the network is well conditioned): the loss, and every parameter's gradient
// relative to its largest.
func TestFastStepMatchesReference(t *testing.T) {
	const batch, res = 8, 64
	build := func() *graph.Graph {
		g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: res, Channels: 1, Classes: 5, Seed: 4})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	g := build()
	x := randInput(rand.New(rand.NewPCG(5, 5)), batch*res*res)
	labels := []int{0, 4, 2, 1, 3, 3, 0, 1}
	fast, err := newClassifier(g, netOptions{batch: batch, threads: 2, bnMomentum: 0.9, smoothing: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	loss, _, err := fast.step(x, labels)
	if err != nil {
		t.Fatal(err)
	}
	g64 := graph.ToFloat64(build())
	_, logits, _ := logitsOf(g64)
	ref, err := graph.CompileTrain(g64, graph.TrainOptions{Batch: batch, BNMomentum: 0.9,
		Losses: []graph.Loss{{Value: logits, Kind: graph.SoftmaxCrossEntropy, Smoothing: 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	x64, _ := tensor.New(tensor.Float64, tensor.Shape{batch, res, res, 1})
	for i, v := range x {
		x64.F64[i] = float64(v)
	}
	if err := ref.Forward(x64); err != nil {
		t.Fatal(err)
	}
	ref.SetTarget(0, graph.Target{Labels: labels})
	want, _, err := ref.Loss(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := ref.Backward(); err != nil {
		t.Fatal(err)
	}
	if err := approx.Close([]float64{loss}, []float64{want}, 0, 1e-5); err != nil {
		t.Fatalf("loss: %v", err)
	}
	fp, rp := fast.prog.Params(), ref.Params()
	if len(fp) != len(rp) {
		t.Fatalf("%d parameters, the reference %d", len(fp), len(rp))
	}
	for i := range fp {
		want := rp[i].Grad.Floats()
		scale := 0.0
		for _, v := range want {
			scale = math.Max(scale, math.Abs(v))
		}
		if err := approx.Close(fp[i].Grad.Floats(), want, 1e-3*scale+1e-7, 0); err != nil {
			t.Errorf("%s: %v", fp[i].Value.Name, err)
		}
	}
}
