package detect_test

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func TestAnchorsDefault(t *testing.T) {
	a := detect.Anchors(detect.DefaultAnchorConfig())
	if len(a) != 1917 {
		t.Fatalf("%d anchors, want 1917 (19²·3 + 139·6)", len(a))
	}
	tests := []struct {
		i    int
		want detect.Anchor
	}{
		// Layer 0 (19×19, reduced): (0.1, 1), (0.2, 2), (0.2, 0.5) at cell (0, 0).
		{0, detect.Anchor{YC: 0.5 / 19, XC: 0.5 / 19, H: 0.1, W: 0.1}},
		{1, detect.Anchor{YC: 0.5 / 19, XC: 0.5 / 19, H: 0.2 / math.Sqrt2, W: 0.2 * math.Sqrt2}},
		{2, detect.Anchor{YC: 0.5 / 19, XC: 0.5 / 19, H: 0.2 * math.Sqrt2, W: 0.2 / math.Sqrt2}},
		// Cell (0, 1): the column advances before the row.
		{3, detect.Anchor{YC: 0.5 / 19, XC: 1.5 / 19, H: 0.1, W: 0.1}},
		// Cell (1, 0) starts after the 19 cells of row 0.
		{57, detect.Anchor{YC: 1.5 / 19, XC: 0.5 / 19, H: 0.1, W: 0.1}},
		// Layer 1 (10×10, scale 0.35): ratios 1, 2, 0.5, 3, 0.3333, then √(0.35·0.5) at 1.
		{1083, detect.Anchor{YC: 0.05, XC: 0.05, H: 0.35, W: 0.35}},
		{1086, detect.Anchor{YC: 0.05, XC: 0.05, H: float32(0.35 / math.Sqrt(3)), W: float32(0.35 * math.Sqrt(3))}},
		{1088, detect.Anchor{YC: 0.05, XC: 0.05, H: float32(math.Sqrt(0.35 * 0.5)), W: float32(math.Sqrt(0.35 * 0.5))}},
		// Last anchor: layer 5 (1×1, scale 0.95), interpolated box √(0.95·1).
		{1916, detect.Anchor{YC: 0.5, XC: 0.5, H: float32(math.Sqrt(0.95)), W: float32(math.Sqrt(0.95))}},
		{1915, detect.Anchor{YC: 0.5, XC: 0.5, H: float32(0.95 / math.Sqrt(0.3333)), W: float32(0.95 * math.Sqrt(0.3333))}},
	}
	for _, tc := range tests {
		g := a[tc.i]
		if err := approx.Close(coords(g), coords(tc.want), 1e-6, 0); err != nil {
			t.Errorf("anchor %d = %+v, want %+v: %v", tc.i, g, tc.want, err)
		}
	}
	// FACTS §5: anchor 0 = (0.0263, 0.0263, 0.1, 0.1).
	if err := approx.Close(coords(a[0]), coords(detect.Anchor{YC: 0.0263, XC: 0.0263, H: 0.1, W: 0.1}), 1e-4, 0); err != nil {
		t.Errorf("anchor 0 = %+v: %v", a[0], err)
	}
}

// coords returns the anchors' coordinates (yc, xc, h, w of each, in order) as one slice, for approx.
func coords(as ...detect.Anchor) []float32 {
	out := make([]float32, 0, 4*len(as))
	for _, a := range as {
		out = append(out, a.YC, a.XC, a.H, a.W)
	}
	return out
}

// TestAnchorsMatchModels compares the generated anchors with the uint8 anchor constants
// (input 2 of the post-process) of both shared SSD models: every coordinate within half a
// quantization step.
func TestAnchorsMatchModels(t *testing.T) {
	gen := detect.Anchors(detect.DefaultAnchorConfig())
	for _, name := range []string{cocoModel, headModel} {
		m := readModel(t, name)
		op := postProcessOp(t, m)
		step := float64(m.Subgraphs[0].Tensors[op.Inputs[2]].Quant.Scale[0])
		stored := anchorsOf(t, m, op)
		if len(stored) != len(gen) {
			t.Fatalf("%s: %d anchors, generated %d", name, len(stored), len(gen))
		}
		worst, i, err := approx.MaxAbsDiff(coords(gen...), coords(stored...))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		at := i / 4
		// Half a step, plus float32 rounding of the dequantized value.
		if err := approx.Within("largest difference", worst, step/2*(1+1e-5)); err != nil {
			t.Errorf("%s: anchor %d = %+v, stored %+v: %v (half a step)", name, at, gen[at], stored[at], err)
		}
		t.Logf("%s: step %.7f, largest difference %.7f at anchor %d", name, step, worst, at)
	}
}

func TestAnchorsSmallConfigs(t *testing.T) {
	// One 2×2 layer, not reduced, ratios {1, 4}, no interpolated box: scale = MinScale.
	c := detect.AnchorConfig{MinScale: 0.5, MaxScale: 0.9, FeatureMaps: []int{2}, AspectRatios: []float64{1, 4}}
	got := detect.Anchors(c)
	want := []detect.Anchor{
		{0.25, 0.25, 0.5, 0.5}, {0.25, 0.25, 0.25, 1},
		{0.25, 0.75, 0.5, 0.5}, {0.25, 0.75, 0.25, 1},
		{0.75, 0.25, 0.5, 0.5}, {0.75, 0.25, 0.25, 1},
		{0.75, 0.75, 0.5, 0.5}, {0.75, 0.75, 0.25, 1},
	}
	if len(got) != len(want) {
		t.Fatalf("%d anchors, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("anchor %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Two 1×1 layers with the interpolated box: scales 0.2, 0.6, then the sentinel 1.
	c = detect.AnchorConfig{MinScale: 0.2, MaxScale: 0.6, FeatureMaps: []int{1, 1}, AspectRatios: []float64{1}, InterpolatedScaleAspectRatio: 1}
	got = detect.Anchors(c)
	s0, s1 := math.Sqrt(0.2*0.6), math.Sqrt(0.6)
	want = []detect.Anchor{{0.5, 0.5, 0.2, 0.2}, {0.5, 0.5, float32(s0), float32(s0)}, {0.5, 0.5, 0.6, 0.6}, {0.5, 0.5, float32(s1), float32(s1)}}
	if err := approx.Close(coords(got...), coords(want...), 1e-7, 0); err != nil {
		t.Errorf("anchors = %+v, want %+v: %v", got, want, err)
	}
}
