package qref

import (
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// TestQuantizeRounding: XNNPACK rounds x·(1/s) half to even, the reference x/s half away from zero;
// both saturate, and NaN gives the lowest code.
func TestQuantizeRounding(t *testing.T) {
	in := []float32{2.5, 3.5, -2.5, 0.49, 1e30, float32(math.Inf(-1)), float32(math.NaN())}
	for _, tc := range []struct {
		r    qmath.Rounding
		want []int8
	}{
		{qmath.XNNPACK, []int8{2 + 1, 4 + 1, -2 + 1, 0 + 1, 127, -128, -128}},
		{qmath.Reference, []int8{3 + 1, 4 + 1, -3 + 1, 0 + 1, 127, -128, -128}},
	} {
		out := make([]int8, len(in))
		Quantize(in, 1, 1, tc.r, out)
		if err := approx.Codes(out, tc.want, 0); err != nil {
			t.Errorf("%v: %v", tc.r, err)
		}
	}
	u := make([]uint8, 3)
	Quantize([]float32{-1, 0, 1}, 1.0/128, 128, qmath.XNNPACK, u)
	if err := approx.Codes(u, []uint8{0, 128, 255}, 0); err != nil {
		t.Errorf("uint8: %v", err)
	}
}

// TestRequantize: uint8 → int8 at the same scale subtracts 128 exactly (the TF2 model's first
// QUANTIZE); a halved scale doubles the distance from the zero point, saturating.
func TestRequantize(t *testing.T) {
	rq := NewRequantizer(1.0/127.5, 127, 1.0/127.5, -1, false, qmath.XNNPACK)
	in := []uint8{0, 1, 127, 128, 254, 255}
	out := make([]int8, len(in))
	Requantize(rq, in, out)
	if err := approx.Codes(out, []int8{-128, -127, -1, 0, 126, 127}, 0); err != nil {
		t.Error(err)
	}
	rq = NewRequantizer(0.5, 0, 0.25, 0, true, qmath.Reference)
	o8 := make([]int8, 4)
	Requantize(rq, []int8{1, -3, 70, -100}, o8)
	if err := approx.Codes(o8, []int8{2, -6, 127, -128}, 0); err != nil {
		t.Error(err)
	}
}

// TestDequantize: real = s·(q − zp), in float32 and float64.
func TestDequantize(t *testing.T) {
	f := make([]float32, 3)
	Dequantize([]int8{-128, 0, 127}, 0.5, -1, f)
	if err := approx.Close(f, []float32{-63.5, 0.5, 64}, 0, 0); err != nil {
		t.Error(err)
	}
	d := make([]float64, 2)
	Dequantize64([]uint8{0, 255}, 1.0/256, 0, d)
	if err := approx.Close(d, []float64{0, 255.0 / 256}, 0, 0); err != nil {
		t.Error(err)
	}
}

// TestRequantizeXNNPACK: between tensors of one type XNNPACK multiplies by rint(256·s) and shifts by 8,
// rounding halves up: with s = 0.42287 (DeepLab's QUANTIZE) M = 108, and code 10 (zero points 0) gives
// (128 + 1080) >> 8 = 4 where the exact 4.2287 also rounds to 4, code 3 gives (128 + 324) >> 8 = 1
// where the exact 1.2686 gives 1, code 6 gives (128 + 648) >> 8 = 3 (exact 2.537), and code 255
// gives (128 + 27540) >> 8 = 108 (exact 107.83).
func TestRequantizeXNNPACK(t *testing.T) {
	rq := NewRequantizer(0.012298397, 0, 0.029082999, 0, true, qmath.XNNPACK)
	if !rq.XNNPACK || rq.Mult != 108 {
		t.Fatalf("%+v", rq)
	}
	in := []uint8{10, 3, 6, 255}
	out := make([]uint8, 4)
	Requantize(rq, in, out)
	if err := approx.Codes(out, []uint8{4, 1, 3, 108}, 0); err != nil {
		t.Error(err)
	}
	// Mixed types keep the fixed-point form.
	if r := NewRequantizer(0.012298397, 0, 0.029082999, 0, false, qmath.XNNPACK); r.XNNPACK {
		t.Error("uint8 → int8 took the XNNPACK form")
	}
}
