package ref

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// lossCase is a loss evaluated by hand: the weighted sum and the gradient the kernel must return.
type lossCase struct {
	name     string
	run      func(grad []float64) float64
	loss     float64
	gradient []float64
}

func checkLossCases(t *testing.T, cases []lossCase) {
	t.Helper()
	for _, c := range cases {
		grad := make([]float64, len(c.gradient))
		got := c.run(grad)
		if err := approx.Within(c.name+": |loss − hand value|", math.Abs(got-c.loss), 1e-14); err != nil {
			t.Error(err)
		}
		if err := approx.Close(grad, c.gradient, 1e-15, 1e-14); err != nil {
			t.Errorf("%s: gradient: %v", c.name, err)
		}
	}
}

// TestSoftmaxCrossEntropyRowsHand works rows by hand. Logits (0, ln 3) have softmax p = (¼, ¾).
func TestSoftmaxCrossEntropyRowsHand(t *testing.T) {
	ln3 := math.Log(3)
	checkLossCases(t, []lossCase{
		{
			// Label 1, no smoothing: l = −ln ¾ = ln(4/3); gradient p − q = (¼, −¼).
			name: "one row",
			run: func(g []float64) float64 {
				return SoftmaxCrossEntropyRows([]float64{0, ln3}, 2, []int{1}, 0, nil, 1, g)
			},
			loss:     math.Log(4.0 / 3),
			gradient: []float64{0.25, -0.25},
		},
		{
			// Smoothing 0.2 over K = 2: q = (0.1, 0.9), l = −0.1·ln ¼ − 0.9·ln ¾ = 0.1·ln 4 + 0.9·ln(4/3);
			// p − q = (0.15, −0.15), times scale 2.
			name: "smoothing",
			run: func(g []float64) float64 {
				return SoftmaxCrossEntropyRows([]float64{0, ln3}, 2, []int{1}, 0.2, nil, 2, g)
			},
			loss:     0.1*math.Log(4) + 0.9*math.Log(4.0/3),
			gradient: []float64{0.3, -0.3},
		},
		{
			// Row 0 as "one row" with weight 3; row 1 ignored (label −1, and a NaN it must not see); row 2
			// masked by weight 0 (with an Inf); row 3: equal logits, label 0, weight ½, l = ln 2. Sum
			// 3·ln(4/3) + ½·ln 2; gradients scaled by 0.5: row 0 0.5·3·(¼, −¼), row 3 0.5·½·(−½, ½).
			name: "weights, ignored and masked rows",
			run: func(g []float64) float64 {
				z := []float64{0, ln3, math.NaN(), 1, math.Inf(1), 2, 5, 5}
				return SoftmaxCrossEntropyRows(z, 2, []int{1, -1, 0, 0}, 0, []float64{3, 1, 0, 0.5}, 0.5, g)
			},
			loss:     3*math.Log(4.0/3) + 0.5*math.Ln2,
			gradient: []float64{0.375, -0.375, 0, 0, 0, 0, -0.125, 0.125},
		},
		{
			// A logit of −Inf on an unwanted class (smoothing 0): p = (1, 0), l = 0, gradient 0.
			name: "−Inf logit",
			run: func(g []float64) float64 {
				return SoftmaxCrossEntropyRows([]float64{1, math.Inf(-1)}, 2, []int{0}, 0, nil, 1, g)
			},
			loss:     0,
			gradient: []float64{0, 0},
		},
	})
	// Logits near 1000 would overflow e^z: (1000, 1000 + ln 3) has the same p = (¼, ¾) as (0, ln 3), and
	// label 0 costs −ln ¼ = ln 4 with gradient (−¾, ¾). The float64 sum 1000 + ln 3 rounds ln 3 by up
	// to 6·10⁻¹⁴.
	grad := make([]float64, 2)
	large := SoftmaxCrossEntropyRows([]float64{1000, 1000 + ln3}, 2, []int{0}, 0, nil, 1, grad)
	if err := approx.Within("|loss(1000, 1000 + ln 3) − ln 4|", math.Abs(large-math.Log(4)), 1e-12); err != nil {
		t.Error(err)
	}
	if err := approx.Close(grad, []float64{-0.75, 0.75}, 1e-12, 0); err != nil {
		t.Errorf("gradient at large logits: %v", err)
	}
}

// TestSigmoidCrossEntropyHand works elements by hand, with l = −t·ln σ(z) − (1−t)·ln(1−σ(z)):
// z = 0, t = 1: σ = ½, l = ln 2, ∂ = −½. z = ln 3, t = 0: σ = ¾, l = −ln ¼ = ln 4, ∂ = ¾.
// z = −ln 3, t = ½: σ = ¼, l = −½·ln ¼ − ½·ln ¾ = ln 4 − ½·ln 3, ∂ = −¼. z = ±100 at the matching
// target: l = ln(1 + e^−100) ≈ e^−100 (finite, no overflow), ∂ = ∓e^−100 ≈ 0.
func TestSigmoidCrossEntropyHand(t *testing.T) {
	ln3 := math.Log(3)
	z := []float64{0, ln3, -ln3, 100, -100}
	target := []float64{1, 0, 0.5, 1, 0}
	e100 := math.Exp(-100)
	checkLossCases(t, []lossCase{
		{
			name:     "unweighted",
			run:      func(g []float64) float64 { return SigmoidCrossEntropy(z, target, nil, 1, g) },
			loss:     math.Ln2 + math.Log(4) + math.Log(4) - ln3/2 + 2*e100,
			gradient: []float64{-0.5, 0.75, -0.25, -e100, e100},
		},
		{
			// Weights (1, 2, 0, ½, 1), scale 4: the third element is masked.
			name:     "weighted",
			run:      func(g []float64) float64 { return SigmoidCrossEntropy(z, target, []float64{1, 2, 0, 0.5, 1}, 4, g) },
			loss:     math.Ln2 + 2*math.Log(4) + 1.5*e100,
			gradient: []float64{-2, 6, 0, -2 * e100, 4 * e100},
		},
	})
}

// TestSmoothL1Hand works the Huber loss by hand. δ = 1: d = 0.5 → ½·¼ = 0.125, ∂ = 0.5; d = −3 →
// 1·(3 − ½) = 2.5, ∂ = −1; d = 1 (the threshold) → ½, ∂ = 1. δ = 2: d = 3 → 2·(3 − 1) = 4, ∂ = 2;
// d = −1 → ½, ∂ = −1.
func TestSmoothL1Hand(t *testing.T) {
	checkLossCases(t, []lossCase{
		{
			name:     "delta 1",
			run:      func(g []float64) float64 { return SmoothL1([]float64{1.5, -1, 4}, []float64{1, 2, 3}, nil, 1, 1, g) },
			loss:     0.125 + 2.5 + 0.5,
			gradient: []float64{0.5, -1, 1},
		},
		{
			// Weights (3, 0), scale ½: 3·4 = 12, gradient ½·3·2 = 3 and 0.
			name: "delta 2 weighted",
			run: func(g []float64) float64 {
				return SmoothL1([]float64{3, -1}, []float64{0, 0}, []float64{3, 0}, 2, 0.5, g)
			},
			loss:     12,
			gradient: []float64{3, 0},
		},
		{
			name:     "delta 2",
			run:      func(g []float64) float64 { return SmoothL1([]float64{3, -1}, []float64{0, 0}, nil, 2, 1, g) },
			loss:     4.5,
			gradient: []float64{2, -1},
		},
	})
}

// TestL2Hand works the squared error by hand: d = 3 → 4.5, d = −0.5 → 0.125; with weights (2, 1) and
// scale 0.1 the loss is 9.125 and the gradient 0.1·(2·3, −0.5) = (0.6, −0.05).
func TestL2Hand(t *testing.T) {
	checkLossCases(t, []lossCase{
		{
			name:     "weighted",
			run:      func(g []float64) float64 { return L2([]float64{4, 0.5}, []float64{1, 1}, []float64{2, 1}, 0.1, g) },
			loss:     9.125,
			gradient: []float64{0.6, -0.05},
		},
	})
}

// gradientCase is a loss whose gradient is checked against central differences of its own value: f
// returns the weighted sum with the input x (held by the closure) and writes scale·∂ into grad.
type gradientCase struct {
	name  string
	x     []float64
	scale float64
	f     func(grad []float64) float64
}

// TestLossGradients checks every loss gradient in float64 against central differences of the loss
// (h = 10⁻⁵), within tight, with random weights that include a masked element.
func TestLossGradients(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 12))
	const n, rows, depth = 11, 4, 5
	_, z := randVals(r, n)
	_, target := randVals(r, n)
	_, weight := randVals(r, n)
	for i := range z {
		z[i] *= 3
		target[i] = (target[i] + 1) / 2
		weight[i] = 1 + weight[i]/2
	}
	weight[4] = 0
	// Keep every |x − t| at least 0.1 from the Huber threshold δ = 0.5, where the second derivative jumps.
	hx := append([]float64(nil), z...)
	for i := range hx {
		if d := math.Abs(hx[i] - target[i]); math.Abs(d-0.5) < 0.1 {
			hx[i] += 0.3
		}
	}
	_, logits := randVals(r, rows*depth)
	labels := []int{3, -1, 0, 4}
	rowWeight := []float64{1, 1, 0.5, 2}

	cases := []gradientCase{
		{"SoftmaxCrossEntropyRows", logits, 0.25, func(g []float64) float64 {
			return SoftmaxCrossEntropyRows(logits, depth, labels, 0.1, rowWeight, 0.25, g)
		}},
		{"SigmoidCrossEntropy", z, 0.5, func(g []float64) float64 { return SigmoidCrossEntropy(z, target, weight, 0.5, g) }},
		{"SmoothL1", hx, 2, func(g []float64) float64 { return SmoothL1(hx, target, weight, 0.5, 2, g) }},
		{"L2", z, 1, func(g []float64) float64 { return L2(z, target, weight, 1, g) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			grad := make([]float64, len(c.x))
			c.f(grad)
			numeric := numGrad(c.x, 1e-5, func() float64 { return c.f(nil) })
			for i := range numeric {
				numeric[i] *= c.scale
			}
			checkGrad(t, "gradient", grad, numeric, tight)
		})
	}
}

// TestLossNaN checks that a NaN in an element that is not masked makes every loss NaN, and that masked
// (weight 0) elements get gradient 0 whatever their value.
func TestLossNaN(t *testing.T) {
	nan := math.NaN()
	x := []float64{0.5, nan, 2}
	target := []float64{0, 1, 1}
	losses := []struct {
		name string
		f    func(weight, grad []float64) float64
	}{
		{"SoftmaxCrossEntropyRows", func(w, g []float64) float64 {
			return SoftmaxCrossEntropyRows([]float64{0.5, 0, nan, 1, 2, 3}, 2, []int{0, 1, 1}, 0.1, w, 1, g[:6])
		}},
		{"SigmoidCrossEntropy", func(w, g []float64) float64 { return SigmoidCrossEntropy(x, target, w, 1, g[:3]) }},
		{"SmoothL1", func(w, g []float64) float64 { return SmoothL1(x, target, w, 1, 1, g[:3]) }},
		{"L2", func(w, g []float64) float64 { return L2(x, target, w, 1, g[:3]) }},
	}
	for _, l := range losses {
		grad := make([]float64, 6)
		if got := l.f(nil, grad); !math.IsNaN(got) {
			t.Errorf("%s with a NaN input = %g, want NaN", l.name, got)
		}
		// Masking the NaN element (the second element, or the second row) hides it.
		for i := range grad {
			grad[i] = 7
		}
		got := l.f([]float64{1, 0, 1}, grad)
		if math.IsNaN(got) {
			t.Errorf("%s with the NaN masked = NaN", l.name)
		}
		masked := grad[1:2]
		if l.name == "SoftmaxCrossEntropyRows" {
			masked = grad[2:4]
		}
		if err := approx.Close(masked, make([]float64, len(masked)), 0, 0); err != nil {
			t.Errorf("%s: masked gradient: %v", l.name, err)
		}
	}
}

// TestSoftmaxCrossEntropyRowsLabelOutOfRange checks that a label ≥ K panics rather than being read as
// "no class".
func TestSoftmaxCrossEntropyRowsLabelOutOfRange(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("label 2 of depth 2 did not panic")
		}
	}()
	SoftmaxCrossEntropyRows([]float64{1, 2}, 2, []int{2}, 0, nil, 1, nil)
}
