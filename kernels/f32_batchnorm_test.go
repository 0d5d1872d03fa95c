package kernels

import (
	"math"
	"testing"
)

// TestMaskClamped checks the branch-free mask on the interval's ends, inside, and with an infinite
// upper end (ReLU).
func TestMaskClamped(t *testing.T) {
	z := []float32{0, 1e-30, 0.5, 5.999999, 6, 3}
	d := []float32{1, 2, 3, 4, 5, -6}
	MaskClamped(d, z, 0, 6)
	want := []float32{0, 2, 3, 4, 0, -6}
	for i := range want {
		if d[i] != want[i] {
			t.Fatalf("ReLU6 mask: %v, want %v", d, want)
		}
	}
	z = []float32{0, 7, 1e6}
	d = []float32{1, 2, 3}
	MaskClamped(d, z, 0, float32(math.Inf(1)))
	if d[0] != 0 || d[1] != 2 || d[2] != 3 {
		t.Fatalf("ReLU mask: %v", d)
	}
	z = []float32{-1, -0.5, 1}
	d = []float32{1, 2, 3}
	MaskClamped(d, z, -1, 1)
	if d[0] != 0 || d[1] != 2 || d[2] != 0 {
		t.Fatalf("[-1, 1] mask: %v", d)
	}
}
