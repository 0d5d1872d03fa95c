package q8

import "testing"

// TestConvFold checks the convolutions with few output channels, which run
// f output pixels per row of a block-diagonal GEMM (fold.go): every fold
// factor from 2 to 16, pixel counts that leave a remainder of unfolded
// rows, row ranges, padding on every side, one input channel (the person
// detector's stem: 96×96, 8 outputs) and three.
func TestConvFold(t *testing.T) {
	cases := []convCase{
		{8, 3, 3, 1, 96, 96, 2, 2, 0, 0, 1, 1, true}, // the person detector's stem
		{8, 3, 3, 1, 95, 97, 2, 2, 1, 1, 1, 1, false},
		{8, 3, 3, 3, 33, 35, 2, 2, 0, 0, 1, 1, true}, // MobileNet V1 0.25's stem, odd sizes
		{8, 3, 3, 3, 64, 67, 2, 2, 0, 0, 1, 1, false},
		{1, 3, 3, 1, 13, 11, 1, 1, 1, 1, 1, 1, true}, // fold 16
		{1, 3, 3, 3, 13, 11, 2, 2, 1, 1, 1, 1, false},
		{3, 3, 3, 2, 9, 7, 1, 2, 1, 0, 1, 1, true},   // fold 5
		{4, 2, 3, 5, 10, 9, 2, 1, 0, 1, 1, 1, false}, // fold 4
		{6, 3, 3, 3, 7, 7, 2, 2, 1, 1, 1, 1, true},   // fold 2, 12 of 16 columns
		{7, 3, 3, 1, 5, 3, 1, 1, 1, 1, 1, 1, false},
		{5, 1, 1, 33, 3, 5, 1, 1, 0, 0, 0, 0, true},  // fold 3, a window of one tap
		{8, 3, 3, 400, 5, 6, 1, 1, 1, 1, 1, 1, true}, // fold 2, K = 3600: fewer rows per im2col block
		{2, 3, 3, 1000, 4, 3, 1, 1, 1, 1, 1, 1, false},
		{9, 3, 3, 3, 12, 12, 2, 2, 0, 0, 1, 1, true}, // no folding past 8 outputs
	}
	for _, tc := range cases {
		if f := foldFactor(tc.n, tc.kh*tc.kw*tc.cin); (f > 1) != (tc.n <= 8 && tc.kh*tc.kw*tc.cin*(16/max(tc.n, 1)) <= convScratch) {
			t.Fatalf("%+v: fold factor %d", tc, f)
		}
	}
	checkConvCases(t, cases)
}
