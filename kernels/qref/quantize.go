package qref

import (
	"math"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// Quantize maps reals to the codes of a per-tensor 8-bit quantization (scale, zp), TFLite's QUANTIZE
// from float32:
//
//	XNNPACK:   q = roundHalfEven(x · float32(1/scale)) + zp     (f32-qs8/qu8-vcvt, product in float32)
//	Reference: q = roundHalfAwayFromZero(x / scale) + zp        (reference_ops::AffineQuantize, float32 quotient)
//
// both clamped to T's code range. The clamp is applied in the float domain first, so that ±Inf and huge
// values saturate; NaN gives the lowest code (XNNPACK's fmaxf against the lower bound). scale must be
// finite and positive.
func Quantize[T uint8 | int8](in []float32, scale float32, zp int32, r qmath.Rounding, out []T) {
	const op = "Quantize"
	if len(out) != len(in) {
		fail(op, "%d inputs, %d outputs", len(in), len(out))
	}
	if !(scale > 0) || math.IsInf(float64(scale), 1) {
		fail(op, "scale %v is not finite and positive", scale)
	}
	lo, hi := typeRange[T]()
	if zp < lo || zp > hi {
		fail(op, "zero point %d outside [%d, %d]", zp, lo, hi)
	}
	flo, fhi := float32(lo-zp), float32(hi-zp)
	inv := 1 / scale
	for i, x := range in {
		var v float32
		if r == qmath.XNNPACK {
			v = x * inv
		} else {
			v = x / scale
		}
		if !(v >= flo) { // NaN too
			v = flo
		}
		v = min(v, fhi)
		var q float64
		if r == qmath.XNNPACK {
			q = math.RoundToEven(float64(v))
		} else {
			q = math.Round(float64(v))
		}
		out[i] = T(int32(q) + zp)
	}
}

// Requantizer maps the codes of one 8-bit quantization to another: TFLite's QUANTIZE from an 8-bit
// tensor (a new scale and zero point, or uint8 ↔ int8). Two arithmetics:
//
//	Reference (reference_ops::Requantize, also TFLite's built-in kernel):
//	    out = clamp(MBQM(q − inZP, M0, shift) + outZP), M = float64(inScale)/float64(outScale)
//	XNNPACK (qs8/qu8-vcvt, which the oracle's delegate runs when input and output have the same type
//	and inScale/outScale is in [2⁻⁸, 2⁷]):
//	    M = rint(256·float32(inScale/outScale)),  out = clamp((256·outZP − M·inZP + 128 + q·M) >> 8)
//	    i.e. (q − inZP)·M/256 + outZP with halves rounded up: a multiplier of only 8 fraction bits.
//
// Measured: the XNNPACK form gives DeepLab's uint8 → uint8 QUANTIZE exactly as the oracle does, where
// the fixed-point form is one code off on some pixels. uint8 ↔ int8 at equal scales (the TF2 V2
// model's ends) is the exact shift by 128 in both.
type Requantizer struct {
	InZP, OutZP int32
	M0          int32
	Shift       int
	XNNPACK     bool  // use Mult (the XNNPACK form) instead of M0 and Shift
	Mult        int32 // XNNPACK: rint(256·inScale/outScale)
}

// NewRequantizer builds the requantization from (inScale, inZP) to (outScale, outZP); sameType says
// input and output have the same 8-bit type (the XNNPACK form applies only then). The scales must be
// finite and positive and their ratio below 2³¹ (qmath.CheckRequant); it panics otherwise.
func NewRequantizer(inScale float32, inZP int32, outScale float32, outZP int32, sameType bool, r qmath.Rounding) Requantizer {
	if err := qmath.CheckRequant(inScale, []float32{1}, outScale, qmath.ProductFloat64); err != nil {
		fail("Requantize", "%v", err)
	}
	m0, shift := qmath.QuantizeMultiplier(float64(inScale) / float64(outScale))
	rq := Requantizer{InZP: inZP, OutZP: outZP, M0: m0, Shift: shift}
	if s := inScale / outScale; r == qmath.XNNPACK && sameType && s >= 1.0/256 && s <= 128 {
		rq.XNNPACK, rq.Mult = true, int32(math.RoundToEven(float64(256*s)))
	}
	return rq
}

// Requantize applies rq to every code of in, clamping to U's range.
func Requantize[T, U uint8 | int8](rq Requantizer, in []T, out []U) {
	if len(out) != len(in) {
		fail("Requantize", "%d inputs, %d outputs", len(in), len(out))
	}
	lo, hi := typeRange[U]()
	bias := rq.OutZP<<8 - rq.Mult*rq.InZP + 0x80
	for i, q := range in {
		var v int32
		if rq.XNNPACK {
			v = (bias + int32(q)*rq.Mult) >> 8
		} else {
			v = qmath.MultiplyByQuantizedMultiplier(int32(q)-rq.InZP, rq.M0, rq.Shift) + rq.OutZP
		}
		out[i] = U(clamp32(v, lo, hi))
	}
}

// Dequantize maps codes to reals: out = float32(q − zp)·scale, rounded once to float32 (TFLite's
// DEQUANTIZE, reference and XNNPACK alike: the product of a float32 and a 9-bit integer is exact in
// float64, so the reference's double product rounds to the same float32).
func Dequantize[T uint8 | int8](in []T, scale float32, zp int32, out []float32) {
	if len(out) != len(in) {
		fail("Dequantize", "%d inputs, %d outputs", len(in), len(out))
	}
	for i, q := range in {
		out[i] = float32(int32(q)-zp) * scale
	}
}

// Dequantize64 is Dequantize into float64: out = float64(q − zp)·float64(scale), exact.
func Dequantize64[T uint8 | int8](in []T, scale float32, zp int32, out []float64) {
	if len(out) != len(in) {
		fail("Dequantize", "%d inputs, %d outputs", len(in), len(out))
	}
	for i, q := range in {
		out[i] = float64(int32(q)-zp) * float64(scale)
	}
}
