package ref

import (
	"math"
	"slices"
	"testing"
)

// TestArgMaxByHand works ARG_MAX by hand: ties keep the first maximum (TFLite compares with
// std::greater, so only a strictly larger value moves the index), NaN never wins, and the reduced
// axis may sit between others.
func TestArgMaxByHand(t *testing.T) {
	nan := float32(math.NaN())
	f32 := []struct {
		in   []float32
		want int64
		why  string
	}{
		{[]float32{1, 3, 3, 2}, 1, "tie between 1 and 2: the first"},
		{[]float32{5, 5, 5}, 0, "all equal: index 0"},
		{[]float32{-1, -0.5, -2}, 1, "negatives"},
		{[]float32{nan, 1, 2}, 0, "a leading NaN is never replaced (every comparison with it is false)"},
		{[]float32{1, nan, 2}, 2, "a NaN in the middle is skipped"},
		{[]float32{7}, 0, "one class"},
	}
	for _, c := range f32 {
		out := []int64{-1}
		ArgMax(c.in, 1, len(c.in), 1, out)
		if out[0] != c.want {
			t.Errorf("%v: got %d, want %d (%s)", c.in, out[0], c.want, c.why)
		}
	}
	u8 := []uint8{200, 255, 255, 0}
	out := []int32{-1}
	ArgMax(u8, 1, 4, 1, out)
	if out[0] != 1 {
		t.Errorf("uint8 %v: got %d, want 1 (codes compared, first of the tied 255s)", u8, out[0])
	}
	i8 := []int8{-128, -1, -5}
	o8 := []int64{-1}
	ArgMax(i8, 1, 3, 1, o8)
	if o8[0] != 1 {
		t.Errorf("int8 %v: got %d, want 1", i8, o8[0])
	}
	// [outer 2][axis 3][inner 2]: for outer 0, inner 0 sees 1 4 4 → 1; inner 1 sees 9 0 9 → 0;
	// for outer 1, inner 0 sees 0 0 1 → 2; inner 1 sees 2 3 1 → 1.
	data := []float64{1, 9, 4, 0, 4, 9, 0, 2, 0, 3, 1, 1}
	got := make([]int64, 4)
	ArgMax(data, 2, 3, 2, got)
	if want := []int64{1, 0, 2, 1}; !slices.Equal(got, want) {
		t.Errorf("strided layout: got %v, want %v", got, want)
	}
}
