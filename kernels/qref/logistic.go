package qref

import (
	"fmt"
	"math"
)

// LUT is a 256-entry lookup table from an 8-bit input code to an 8-bit output code, both stored as
// raw bytes: the entry for an int8 code q is at index uint8(q) and holds uint8(result).
type LUT [256]uint8

// NewLogisticLUT builds TFLite's 8-bit LOGISTIC table (activations.cc, PopulateLookupTable) for an
// input of scale inScale and zero point inZP; the output has scale 1/256 and zero point 0 for uint8
// (signed = false) or −128 for int8 (signed = true). In float32, for every code q of the type:
//
//	x = inScale · float32(q − inZP)
//	σ = 1 / (1 + expf(−x))
//	out[q] = clamp(round(σ · 256) + zp_out, lo, hi)     (round half away from zero)
//
// expf is exp evaluated in float64 and rounded to float32. With XNNPACK on, TFLite still runs
// quantized LOGISTIC on this built-in kernel (the delegate takes only float LOGISTIC).
func NewLogisticLUT(inScale float32, inZP int32, signed bool) *LUT {
	if !(inScale > 0) {
		panic(fmt.Sprintf("qref: NewLogisticLUT: input scale %v must be > 0", inScale))
	}
	lo, hi, zp := int32(0), int32(255), int32(0)
	if signed {
		lo, hi, zp = -128, 127, -128
	}
	inv := 1 / outScaleSoftmax
	var t LUT
	for q := lo; q <= hi; q++ {
		x := inScale * float32(q-inZP)
		e := float32(math.Exp(float64(-x)))
		sigma := 1 / (1 + e)
		rescaled := math.Round(float64(sigma * inv))
		t[uint8(q)] = uint8(clamp32(int32(rescaled)+zp, lo, hi))
	}
	return &t
}

// Logistic maps every code of in through lut into out (same length). lut must have been built for
// T's signedness.
func Logistic[T uint8 | int8](lut *LUT, in, out []T) {
	if !(len(out) == len(in)) {
		fail("Logistic", "output has %d elements, input %d", len(out), len(in))
	}
	for i, q := range in {
		out[i] = T(lut[uint8(q)])
	}
}
