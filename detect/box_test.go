package detect_test

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/internal/approx"
)

func TestIoU(t *testing.T) {
	unit := detect.Box{YMin: 0, XMin: 0, YMax: 1, XMax: 1}
	nan := float32(math.NaN())
	tests := []struct {
		name string
		a, b detect.Box
		want float32
	}{
		{"identical", unit, unit, 1},
		{"disjoint", unit, detect.Box{YMin: 2, XMin: 2, YMax: 3, XMax: 3}, 0},
		{"touching edge", unit, detect.Box{YMin: 0, XMin: 1, YMax: 1, XMax: 2}, 0},
		// Intersection 0.5, union 1.5.
		{"half shifted", unit, detect.Box{YMin: 0, XMin: 0.5, YMax: 1, XMax: 1.5}, float32(0.5) / float32(1.5)},
		// The smaller box inside: intersection 0.5, union 1.
		{"half inside", unit, detect.Box{YMin: 0, XMin: 0, YMax: 1, XMax: 0.5}, 0.5},
		// Quarter overlap of two unit squares: 0.25 / 1.75.
		{"corner", unit, detect.Box{YMin: 0.5, XMin: 0.5, YMax: 1.5, XMax: 1.5}, float32(0.25) / float32(1.75)},
		{"zero height", unit, detect.Box{YMin: 0.5, XMin: 0, YMax: 0.5, XMax: 1}, 0},
		{"zero width first", detect.Box{YMin: 0, XMin: 0.3, YMax: 1, XMax: 0.3}, unit, 0},
		// One side inverted: negative area.
		{"y inverted", unit, detect.Box{YMin: 1, XMin: 0, YMax: 0, XMax: 1}, 0},
		// Both sides inverted: positive area, but no intersection with anything.
		{"fully inverted", unit, detect.Box{YMin: 1, XMin: 1, YMax: 0, XMax: 0}, 0},
		{"fully inverted twice", detect.Box{YMin: 1, XMin: 1, YMax: 0, XMax: 0}, detect.Box{YMin: 1, XMin: 1, YMax: 0, XMax: 0}, 0},
	}
	for _, tc := range tests {
		if got := detect.IoU(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: IoU = %v, want %v", tc.name, got, tc.want)
		}
		if got := detect.IoU(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): IoU = %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := detect.IoU(unit, detect.Box{YMin: nan, XMin: 0, YMax: 1, XMax: 1}); got == got {
		t.Errorf("NaN box: IoU = %v, want NaN", got)
	}
}

func TestDecode(t *testing.T) {
	o := detect.Options{YScale: 10, XScale: 10, HScale: 5, WScale: 5}
	// Encodings in rows of 6: only the first four of each row count.
	enc := []float32{
		// Anchor 0: zero encoding gives the anchor itself.
		0, 0, 0, 0, 99, -99,
		// Anchor 1: ty = 1 → yc = 1/10·0.2 + 0.5 = 0.52; tx = −2 → xc = −2/10·0.4 + 0.5 = 0.42;
		// th = 0 → hh = 0.5·1·0.2 = 0.1; tw = 5·ln 2 → hw = 0.5·2·0.4 = 0.4.
		1, -2, 0, float32(5 * math.Ln2), 7, 7,
		// Anchor 2: th = −5·ln 4 → hh = 0.5·0.25·0.8 = 0.1; ty = 10 → yc = 0.8 + 0.25 = 1.05;
		// tw = 0 → hw = 0.5·1·0.5 = 0.25.
		10, 0, float32(-5 * math.Log(4)), 0, 0, 0,
	}
	anchors := []detect.Anchor{
		{YC: 0.5, XC: 0.25, H: 0.5, W: 0.25},
		{YC: 0.5, XC: 0.5, H: 0.2, W: 0.4},
		{YC: 0.25, XC: 0.5, H: 0.8, W: 0.5},
	}
	want := []detect.Box{
		{YMin: 0.25, XMin: 0.125, YMax: 0.75, XMax: 0.375},
		{YMin: 0.42, XMin: 0.02, YMax: 0.62, XMax: 0.82},
		{YMin: 0.95, XMin: 0.25, YMax: 1.15, XMax: 0.75},
	}
	got := detect.Decode(enc, 6, anchors, o)
	if len(got) != 3 {
		t.Fatalf("%d boxes", len(got))
	}
	if got[0] != want[0] {
		t.Errorf("box 0 = %+v, want exactly %+v", got[0], want[0])
	}
	for i := 1; i < 3; i++ {
		g, w := got[i], want[i]
		if err := approx.Close([]float32{g.YMin, g.XMin, g.YMax, g.XMax}, []float32{w.YMin, w.XMin, w.YMax, w.XMax}, 2e-7, 0); err != nil {
			t.Errorf("box %d = %+v, want %+v: %v", i, g, w, err)
		}
	}
}

func TestDecodePanicsOnShortInput(t *testing.T) {
	for _, tc := range []struct {
		n, stride int
	}{{7, 4}, {8, 3}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%d encodings, stride %d, 2 anchors: no panic", tc.n, tc.stride)
				}
			}()
			detect.Decode(make([]float32, tc.n), tc.stride, make([]detect.Anchor, 2), detect.Options{YScale: 1, XScale: 1, HScale: 1, WScale: 1})
		}()
	}
}
