package qref

import (
	"slices"
	"testing"
)

func TestAveragePoolRounding(t *testing.T) {
	// One output averaging a 1×n window of a 1×n×1 input.
	u8 := []struct {
		in   []uint8
		want uint8
		why  string
	}{
		{[]uint8{2, 3}, 3, "sum 5, n 2: (5 + 1)/2 = 3 (2.5 rounds up)"},
		{[]uint8{2, 2, 3}, 2, "sum 7, n 3: (7 + 1)/3 = 2 (2.33)"},
		{[]uint8{2, 3, 3}, 3, "sum 8, n 3: (8 + 1)/3 = 3 (2.67)"},
		{[]uint8{255, 255, 255, 254}, 255, "sum 1019, n 4: (1019 + 2)/4 = 255 (254.75)"},
	}
	for _, tc := range u8 {
		out := []uint8{0}
		AveragePool2D(tc.in, [4]int{1, 1, len(tc.in), 1}, 1, len(tc.in), 1, 1, 0, 0, 0, 255, out, [4]int{1, 1, 1, 1})
		if out[0] != tc.want {
			t.Errorf("uint8 %v: got %d, want %d (%s)", tc.in, out[0], tc.want, tc.why)
		}
	}
	i8 := []struct {
		in   []int8
		want int8
		why  string
	}{
		{[]int8{-2, -3}, -3, "sum −5, n 2: (−5 − 1)/2 = −3 (−2.5 away from zero)"},
		{[]int8{2, 3}, 3, "sum 5: 3"},
		{[]int8{-1, -2, -2}, -2, "sum −5, n 3: (−5 − 1)/3 = −2 (−1.67)"},
		{[]int8{-1, -1, -2}, -1, "sum −4, n 3: (−4 − 1)/3 = −1 (−1.33, truncation toward zero)"},
		{[]int8{-1, 1}, 0, "sum 0: (0 − 1)/2 = 0"},
		{[]int8{-128, -128, -127, -128}, -128, "sum −511, n 4: (−511 − 2)/4 = −128 (−127.75)"},
	}
	for _, tc := range i8 {
		out := []int8{0}
		AveragePool2D(tc.in, [4]int{1, 1, len(tc.in), 1}, 1, len(tc.in), 1, 1, 0, 0, -128, 127, out, [4]int{1, 1, 1, 1})
		if out[0] != tc.want {
			t.Errorf("int8 %v: got %d, want %d (%s)", tc.in, out[0], tc.want, tc.why)
		}
	}
}

// TestAveragePoolPadding: a 1×3 row [10, 20, 31], 1×3 window, stride 1, one column of padding on the
// left. Padded taps are not counted:
// out0 = (10 + 20 + 1)/2 = 15, out1 = (61 + 1)/3 = 20, out2 = (51 + 1)/2 = 26.
// A count that included the padding would give 10, 20, 17. Clamping to [0, 18] gives 15, 18, 18.
// Two channels check the NHWC indexing: the second channel holds 2·value.
func TestAveragePoolPadding(t *testing.T) {
	in := []uint8{10, 20, 20, 40, 31, 62}
	out := make([]uint8, 6)
	AveragePool2D(in, [4]int{1, 1, 3, 2}, 1, 3, 1, 1, 0, 1, 0, 255, out, [4]int{1, 1, 3, 2})
	// Channel 1: (20 + 40 + 1)/2 = 30, (122 + 1)/3 = 41, (102 + 1)/2 = 51.
	if want := []uint8{15, 30, 20, 41, 26, 51}; !slices.Equal(out, want) {
		t.Errorf("got %v, want %v", out, want)
	}
	AveragePool2D(in, [4]int{1, 1, 3, 2}, 1, 3, 1, 1, 0, 1, 0, 18, out, [4]int{1, 1, 3, 2})
	if want := []uint8{15, 18, 18, 18, 18, 18}; !slices.Equal(out, want) {
		t.Errorf("clamped: got %v, want %v", out, want)
	}
}

// TestAveragePool2DWindow: a 2×2 input pooled by a 3×3 window with stride 2 and one row and column of
// padding before: the single output (out 1×1) sees all four values, count 4: (1+2+3+5 + 2)/4 = 3.
// A second case pools MobileNet-style (7×7 VALID over 7×7) a constant 200 → 200.
func TestAveragePool2DWindow(t *testing.T) {
	out := []uint8{0}
	AveragePool2D([]uint8{1, 2, 3, 5}, [4]int{1, 2, 2, 1}, 3, 3, 2, 2, 1, 1, 0, 255, out, [4]int{1, 1, 1, 1})
	if out[0] != 3 {
		t.Errorf("padded window: got %d, want 3", out[0])
	}
	in := make([]uint8, 49)
	for i := range in {
		in[i] = 200
	}
	AveragePool2D(in, [4]int{1, 7, 7, 1}, 7, 7, 1, 1, 0, 0, 0, 255, out, [4]int{1, 1, 1, 1})
	if out[0] != 200 {
		t.Errorf("global pool: got %d, want 200", out[0])
	}
}
