package qref

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestPad pads a 1×2×2×1 image by one row on top, one column on the right and one channel after,
// filling with the zero point 7.
func TestPad(t *testing.T) {
	in := []uint8{1, 2, 3, 4}
	out := make([]uint8, 1*3*3*2)
	Pad(in, []int{1, 2, 2, 1}, []int{0, 1, 0, 0}, []int{0, 0, 1, 1}, 7, out)
	want := []uint8{
		7, 7, 7, 7, 7, 7,
		1, 7, 2, 7, 7, 7,
		3, 7, 4, 7, 7, 7,
	}
	if err := approx.Codes(out, want, 0); err != nil {
		t.Error(err)
	}
}
