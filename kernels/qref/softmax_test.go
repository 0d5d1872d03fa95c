package qref

import (
	"math"
	"slices"
	"testing"
)

func TestSoftmaxUint8(t *testing.T) {
	ln2 := float32(math.Ln2)
	tests := []struct {
		name    string
		inScale float32
		in      []uint8
		depth   int
		want    []uint8
	}{
		// Equal inputs: every e_j = table[255] = exp(0) = 1, S = 4, inv = 1/(4/256) = 64,
		// p = 64, int(64 + 0.5) = 64.
		{"equal depth 4", 0.1, []uint8{77, 77, 77, 77}, 4, []uint8{64, 64, 64, 64}},
		// S = 3: inv = float32(256/3) = 85.333336, int(85.83) = 85.
		{"equal depth 3", 0.1, []uint8{9, 9, 9}, 3, []uint8{85, 85, 85}},
		// One dominant value: exp(−255) underflows float32 to 0, S = 1, p = 256 → clamped to 255.
		{"dominant", 1, []uint8{255, 0}, 2, []uint8{255, 0}},
		// s·β = ln 2: e = 1, 1/2, 1/4 (to float32 accuracy), S = 1.75, p = 146.29, 73.14, 36.57.
		{"halving", ln2, []uint8{10, 9, 8}, 3, []uint8{146, 73, 37}},
		// Two rows are independent; the second is [8, 10, 9] permuted.
		{"two rows", ln2, []uint8{10, 9, 8, 8, 10, 9}, 3, []uint8{146, 73, 37, 37, 146, 73}},
	}
	for _, tc := range tests {
		s := NewSoftmax(tc.inScale, 1, false)
		out := make([]uint8, len(tc.in))
		Softmax(s, tc.in, tc.depth, out)
		if !slices.Equal(out, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, out, tc.want)
		}
	}
}

func TestSoftmaxInt8(t *testing.T) {
	ln2 := float32(math.Ln2)
	tests := []struct {
		name    string
		inScale float32
		in      []int8
		depth   int
		want    []int8
	}{
		// p = 64 → round(64) − 128 = −64.
		{"equal", 0.1, []int8{-5, -5, -5, -5}, 4, []int8{-64, -64, -64, -64}},
		// p = 256 → 128 → clamped to 127; exp(−255) → 0 → −128.
		{"dominant", 1, []int8{127, -128}, 2, []int8{127, -128}},
		// 146.29 → 146 − 128 = 18; 73.14 → −55; 36.57 → 37 − 128 = −91.
		{"halving", ln2, []int8{0, -1, -2}, 3, []int8{18, -55, -91}},
	}
	for _, tc := range tests {
		s := NewSoftmax(tc.inScale, 1, true)
		out := make([]int8, len(tc.in))
		Softmax(s, tc.in, tc.depth, out)
		if !slices.Equal(out, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, out, tc.want)
		}
	}
}

// TestSoftmaxBeta: β scales the input scale: β = 2 with s = ln2/2 equals s = ln2.
func TestSoftmaxBeta(t *testing.T) {
	s := NewSoftmax(float32(math.Ln2/2), 2, false)
	out := make([]uint8, 3)
	Softmax(s, []uint8{10, 9, 8}, 3, out)
	if want := []uint8{146, 73, 37}; !slices.Equal(out, want) {
		t.Errorf("got %v, want %v", out, want)
	}
}

func TestSoftmaxSignednessMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Softmax with a uint8 table on int8 data did not panic")
		}
	}()
	Softmax(NewSoftmax(1, 1, false), []int8{1}, 1, []int8{0})
}
