package qref

import (
	"slices"
	"testing"
)

func TestConcatenation(t *testing.T) {
	tests := []struct {
		name     string
		ins      [][]uint8
		shapes   [][]int
		scales   []float32
		zps      []int32
		axis     int
		outScale float32
		outZP    int32
		want     []uint8
	}{
		{
			// Same quantization: a copy, interleaved along axis 1 of [2,2] and [2,1].
			name: "equal scales", ins: [][]uint8{{1, 2, 3, 4}, {5, 6}}, shapes: [][]int{{2, 2}, {2, 1}},
			scales: []float32{0.5, 0.5}, zps: []int32{3, 3}, axis: 1, outScale: 0.5, outZP: 3,
			want: []uint8{1, 2, 5, 3, 4, 6},
		},
		{
			// Input 0 (scale 0.5, zp 10) into scale 1, zp 0: (q − 10)·0.5 = 0, 1.5, 122.5, −5 →
			// 0, 2, 123 (half away from zero), −5 clamped to 0; input 1 is copied.
			name: "rescaled", ins: [][]uint8{{10, 13, 255, 0}, {7}}, shapes: [][]int{{1, 4}, {1, 1}},
			scales: []float32{0.5, 1}, zps: []int32{10, 0}, axis: -1, outScale: 1, outZP: 0,
			want: []uint8{0, 2, 123, 0, 7},
		},
		{
			// Ties: q·0.5 for q = 3, 5 gives 1.5 → 2 and 2.5 → 3 (banker's rounding would give 2).
			// Input 1 (scale 2, zp 0): 10·2 = 20.
			name: "ties", ins: [][]uint8{{3, 5}, {10}}, shapes: [][]int{{2}, {1}},
			scales: []float32{0.5, 2}, zps: []int32{0, 0}, axis: 0, outScale: 1, outZP: 0,
			want: []uint8{2, 3, 20},
		},
		{
			// Same scales, different zero point: 10 + 250 = 260 clamps to 255, 1 + 250 = 251.
			name: "output zero point", ins: [][]uint8{{10}, {1}}, shapes: [][]int{{1}, {1}},
			scales: []float32{1, 1}, zps: []int32{0, 0}, axis: 0, outScale: 1, outZP: 250,
			want: []uint8{255, 251},
		},
	}
	for _, tc := range tests {
		total := 0
		for _, in := range tc.ins {
			total += len(in)
		}
		out := make([]uint8, total)
		Concatenation(tc.ins, tc.shapes, tc.scales, tc.zps, tc.axis, tc.outScale, tc.outZP, out)
		if !slices.Equal(out, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, out, tc.want)
		}
	}
}

// TestConcatenationInt8: int8 inputs with a different scale are clamped to [−128, 127]:
// (−100 − 0)·2 = −200 → −128; 50·2 = 100; the second input is copied.
func TestConcatenationInt8(t *testing.T) {
	out := make([]int8, 3)
	Concatenation([][]int8{{-100, 50}, {-7}}, [][]int{{2, 1}, {1, 1}}, []float32{1, 0.5}, []int32{0, 0}, 0, 0.5, 0, out)
	if want := []int8{-128, 100, -7}; !slices.Equal(out, want) {
		t.Errorf("got %v, want %v", out, want)
	}
}
