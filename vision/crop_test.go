package vision

import (
	"math"
	"testing"
)

// TestCropSide checks tf.image.central_crop's arithmetic,
// start = int((n − n·f)/2) and size = n − 2·start, on hand-worked sides.
func TestCropSide(t *testing.T) {
	tests := []struct {
		n           int
		f           float64
		start, size int
	}{
		{224, 0.875, 14, 196}, // (224 − 196)/2 = 14
		{400, 0.875, 25, 350}, // (400 − 350)/2 = 25
		{600, 0.875, 37, 526}, // (600 − 525)/2 = 37.5 → 37, so 526 not 525
		{10, 0.5, 2, 6},       // 2.5 → 2: 6, not 5
		{7, 0.5, 1, 5},        // 1.75 → 1
		{1, 0.1, 0, 1},        // 0.45 → 0
		{3, 0.1, 1, 1},        // 1.35 → 1
		{5, 1, 0, 5},          // identity
		{1000, 0.001, 499, 2}, // (1000 − 1)/2 = 499.5 → 499
		{517, 0.875, 32, 453}, // 517·0.125/2 = 32.3125 → 32
		{606, 0.875, 37, 532}, // 606·0.125/2 = 37.875 → 37
		{100, 0.3, 35, 30},    // (100 − 30)/2 = 35
		{3, 0.34, 0, 3},       // (3 − 1.02)/2 = 0.99 → 0
		{4, 0.49, 1, 2},       // (4 − 1.96)/2 = 1.02 → 1
		{9, 0.875, 0, 9},      // 9·0.125/2 = 0.5625 → 0
		{16, 0.875, 1, 14},    // 16·0.125/2 = 1
		{2, 0.5, 0, 2},        // 0.5 → 0
		{8, 0.75, 1, 6},       // 1
		{12, 1.0 / 3, 4, 4},   // (12 − 4)/2 = 4 in float64
		{200, 0.9999999, 0, 200},
	}
	for _, tc := range tests {
		start, size := cropSide(tc.n, tc.f)
		if start != tc.start || size != tc.size {
			t.Errorf("cropSide(%d, %v) = %d, %d; want %d, %d", tc.n, tc.f, start, size, tc.start, tc.size)
		}
	}
}

// TestCentralCrop checks the values kept: a 4×6 image cropped by 0.5 keeps
// rows 1..2 ((4−2)/2 = 1) and columns 1..4 ((6−3)/2 = 1.5 → 1, size 4).
func TestCentralCrop(t *testing.T) {
	p := &Pixels{H: 4, W: 6, C: 2, Pix: make([]float32, 4*6*2)}
	for i := range p.Pix {
		p.Pix[i] = float32(i)
	}
	got, err := CentralCrop(p, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got.H != 2 || got.W != 4 || got.C != 2 {
		t.Fatalf("shape %d×%d×%d, want 2×4×2", got.H, got.W, got.C)
	}
	for y := 0; y < 2; y++ {
		for x := 0; x < 4; x++ {
			for c := 0; c < 2; c++ {
				want := float32(((y+1)*6+(x+1))*2 + c)
				if v := got.Pix[(y*4+x)*2+c]; v != want {
					t.Fatalf("(%d,%d,%d) = %v, want %v", y, x, c, v, want)
				}
			}
		}
	}
	whole, err := CentralCrop(p, 1)
	if err != nil {
		t.Fatal(err)
	}
	if whole.H != 4 || whole.W != 6 || &whole.Pix[0] == &p.Pix[0] {
		t.Fatal("fraction 1 must return a copy of the same size")
	}
	for i := range p.Pix {
		if whole.Pix[i] != p.Pix[i] {
			t.Fatalf("fraction 1 changed value %d", i)
		}
	}
	sq, err := CentralCrop(&Pixels{H: 224, W: 224, C: 3, Pix: make([]float32, 224*224*3)}, 0.875)
	if err != nil || sq.H != 196 || sq.W != 196 {
		t.Fatalf("224 by 0.875: %v, %v", sq, err)
	}
}

func TestCentralCropBadFraction(t *testing.T) {
	p := pixelsOf(1, 1, 1, 5)
	for _, f := range []float64{0, -0.5, 1.0000001, 2, math.NaN(), math.Inf(1)} {
		if _, err := CentralCrop(p, f); err == nil {
			t.Errorf("fraction %v: no error", f)
		}
	}
}
