package optim

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// run applies the gradients in turn to a single weight starting at 1 and returns the weights after
// each step.
func run(t *testing.T, cfg Config, decay, lr float64, grads ...float32) []float64 {
	t.Helper()
	w, g := []float32{1}, []float32{0}
	o, err := New(cfg, []Param{{Name: "w", Data: w, Grad: g, Decay: decay}})
	if err != nil {
		t.Fatal(err)
	}
	var out []float64
	for _, v := range grads {
		g[0] = v
		o.Step(lr)
		out = append(out, float64(w[0]))
	}
	return out
}

// TestSteps checks each optimizer against updates worked by hand (the RMSprop and Adam values were
// computed in float64 with the formulas of the package documentation, step by step).
func TestSteps(t *testing.T) {
	cases := []struct {
		name  string
		cfg   Config
		decay float64
		lr    float64
		grads []float32
		want  []float64
	}{
		// w = 1 − 0.1·0.5; then b = 0.9·0.5 + 0.5 = 0.95, w = 0.95 − 0.095.
		{"sgd momentum", Config{Kind: SGD, Momentum: 0.9}, 0, 0.1, []float32{0.5, 0.5}, []float64{0.95, 0.855}},
		// Nesterov: b = 0.5, w = 1 − 0.1·(0.5 + 0.45); b = 0.95, w = 0.905 − 0.1·(0.5 + 0.855).
		{"sgd nesterov", Config{Kind: SGD, Momentum: 0.9, Nesterov: true}, 0, 0.1, []float32{0.5, 0.5}, []float64{0.905, 0.7695}},
		// L2: g = 0.5 + 0.1·1 = 0.6, w = 1 − 0.1·0.6 (momentum 0.9 has nothing to add on step one).
		{"sgd weight decay", Config{Kind: SGD}, 0.1, 0.1, []float32{0.5}, []float64{0.94}},
		// ms = 0.9·1 + 0.1·0.25 = 0.925, m = 0.01·0.5/√1.925 = 0.00360375, w = 0.99639625;
		// ms = 0.9325, m = 0.9·0.00360375 − 0.01/√1.9325 = −0.00395013, w = 1.00034638.
		{"rmsprop tf-slim", Config{Kind: RMSProp}, 0, 0.01, []float32{0.5, -1}, []float64{0.9963962501492177, 1.0003463752961699}},
		// Adam's first step moves by lr·m̂/(√v̂+ε) = 0.001·0.5/0.5; the second by
		// 0.001·(−0.055/0.19)/√(0.00124975/0.001999).
		{"adam", Config{Kind: Adam}, 0, 0.001, []float32{0.5, -1}, []float64{0.99900000002, 0.9993661035424056}},
		// AdamW shrinks w by lr·λ first: 1 − 0.001·0.01 = 0.99999, then the Adam step.
		{"adamw", Config{Kind: AdamW}, 0.01, 0.001, []float32{0.5, -1}, []float64{0.99899000002, 0.9993461136424054}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := run(t, c.cfg, c.decay, c.lr, c.grads...)
			approx.Require(t, "w after each step", got, c.want, 1e-7, 0)
		})
	}
}

// TestStateRoundTrip checks that an optimizer restored from another's state continues identically.
func TestStateRoundTrip(t *testing.T) {
	for _, kind := range []Kind{SGD, RMSProp, Adam, AdamW} {
		w1, g1 := []float32{1, -2}, []float32{0.3, -0.1}
		a, _ := New(Config{Kind: kind}, []Param{{Name: "p", Data: w1, Grad: g1, Decay: 0.01}})
		a.Step(0.01)
		a.Step(0.01)
		w2, g2 := append([]float32(nil), w1...), append([]float32(nil), g1...)
		b, _ := New(Config{Kind: kind}, []Param{{Name: "p", Data: w2, Grad: g2, Decay: 0.01}})
		if err := b.Restore(a.State(), a.Steps()); err != nil {
			t.Fatal(err)
		}
		a.Step(0.01)
		b.Step(0.01)
		if w1[0] != w2[0] || w1[1] != w2[1] {
			t.Fatalf("%s: restored optimizer gives %v, original %v", kind, w2, w1)
		}
		if err := b.Restore(map[string][]float32{}, 0); err == nil && len(Config{Kind: kind}.Defaults().SlotNames()) > 0 {
			t.Fatalf("%s: restore from empty state succeeded", kind)
		}
	}
}

// TestConfigErrors checks that bad settings are refused with a message.
func TestConfigErrors(t *testing.T) {
	bad := []Config{
		{Kind: "lbfgs"},
		{Kind: SGD, Momentum: 1},
		{Kind: RMSProp, Rho: -0.1},
		{Kind: Adam, Beta2: 1.5},
		{Kind: Adam, Nesterov: true},
		{Kind: Adam, Epsilon: math.NaN()},
	}
	for _, c := range bad {
		if _, err := New(c, nil); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := New(Config{Kind: SGD}, []Param{{Name: "p", Data: make([]float32, 2), Grad: make([]float32, 1)}}); err == nil {
		t.Error("gradient of the wrong length accepted")
	}
}

// TestSchedules checks the schedules at hand-worked points.
func TestSchedules(t *testing.T) {
	cases := []struct {
		s    Schedule
		e    float64
		want float64
	}{
		{Schedule{Base: 0.1}, 7, 0.1},
		// TF-slim: 0.01 × 0.94^⌊e/2⌋.
		{Schedule{Decay: Step, Base: 0.01, Every: 2, Factor: 0.94}, 1.9, 0.01},
		{Schedule{Decay: Step, Base: 0.01, Every: 2, Factor: 0.94}, 4.5, 0.01 * 0.94 * 0.94},
		{Schedule{Decay: Exponential, Base: 0.01, Every: 2, Factor: 0.94}, 1, 0.01 * math.Sqrt(0.94)},
		{Schedule{Decay: Cosine, Base: 0.1, Epochs: 10}, 5, 0.05},
		{Schedule{Decay: Cosine, Base: 0.1, Epochs: 10, Min: 0.01}, 10, 0.01},
		{Schedule{Decay: Cosine, Base: 0.1, Epochs: 10}, 12, 0},
		// Warm-up: a quarter of the way through 2 epochs of warm-up gives a quarter of the rate.
		{Schedule{Decay: Cosine, Base: 0.1, Epochs: 10, Warmup: 2}, 0.5, 0.1 * (1 + math.Cos(math.Pi*0.05)) / 2 * 0.25},
	}
	for _, c := range cases {
		if err := c.s.Check(); err != nil {
			t.Fatal(err)
		}
		if got := c.s.At(c.e); approx.Within("|rate − want|", math.Abs(got-c.want), 1e-12) != nil {
			t.Errorf("%+v at %g = %g, want %g", c.s, c.e, got, c.want)
		}
	}
	for _, s := range []Schedule{{}, {Base: 0.1, Decay: Step}, {Base: 0.1, Decay: Cosine}, {Base: 0.1, Decay: "poly"}, {Base: 0.1, Decay: Step, Every: 1, Factor: 2}} {
		if s.Check() == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}
