package qmath

import (
	"fmt"
	"math"
)

// QuantizeMultiplier splits a real multiplier m ≥ 0 into a Q0.31 significand m0 and a power-of-two
// exponent, m ≈ m0·2^(shift−31), as TFLite's quantization_util.cc does:
//
//	q, e := frexp(m)                        // q in [0.5, 1)
//	m0 = round(q·2³¹), half away from zero
//	if m0 == 2³¹ { m0 /= 2; e++ }
//	if e < −31 { m0, e = 0, 0 }             // too small: flush to zero
//
// shift is e: positive means a left shift. m = 0 gives (0, 0). It panics on a negative, NaN or
// infinite m, which TFLite rejects too.
func QuantizeMultiplier(m float64) (m0 int32, shift int) {
	if m < 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		panic(fmt.Sprintf("qmath: QuantizeMultiplier: multiplier %v is not a finite value ≥ 0", m))
	}
	if m == 0 {
		return 0, 0
	}
	q, e := math.Frexp(m)
	fixed := int64(math.Round(q * (1 << 31)))
	if fixed == 1<<31 {
		fixed /= 2
		e++
	}
	if e < -31 {
		return 0, 0
	}
	if fixed > math.MaxInt32 {
		panic(fmt.Sprintf("qmath: QuantizeMultiplier: multiplier %v does not fit", m))
	}
	return int32(fixed), e
}

// SaturatingRoundingDoublingHighMul returns the high 32 bits of 2·a·b, rounded (gemmlowp
// fixedpoint.h): round(a·b / 2³¹) with ties rounded up (toward +∞), because the nudge added before
// the truncating division is +2³⁰ for a non-negative product and 1 − 2³⁰ for a negative one. The
// single overflowing case a = b = −2³¹ saturates to 2³¹ − 1.
func SaturatingRoundingDoublingHighMul(a, b int32) int32 {
	if a == math.MinInt32 && b == math.MinInt32 {
		return math.MaxInt32
	}
	p := int64(a) * int64(b)
	nudge := int64(1 << 30)
	if p < 0 {
		nudge = 1 - 1<<30
	}
	return int32((p + nudge) / (1 << 31)) // Go's / truncates toward zero, as C++'s does
}

// RoundingDivideByPOT returns x / 2^exp rounded to nearest with ties away from zero (gemmlowp
// fixedpoint.h): with mask = 2^exp − 1, remainder = x & mask and threshold = mask>>1 (plus one when
// x < 0), it is (x >> exp) + (remainder > threshold ? 1 : 0), using an arithmetic shift. exp must be
// in [0, 31].
func RoundingDivideByPOT(x int32, exp int) int32 {
	if exp < 0 || exp > 31 {
		panic(fmt.Sprintf("qmath: RoundingDivideByPOT: exponent %d outside [0, 31]", exp))
	}
	mask := int32((int64(1) << exp) - 1)
	remainder := x & mask
	threshold := mask >> 1
	if x < 0 {
		threshold++
	}
	r := x >> exp
	if remainder > threshold {
		r++
	}
	return r
}

// MultiplyByQuantizedMultiplier computes x·m0·2^(shift−31) the way TFLite's default (double-rounding)
// build does:
//
//	RDBPOT(SRDHM(x·2^max(shift,0), m0), max(−shift,0))
//
// The left shift is a plain int32 multiplication, which wraps on overflow like the C++ code does in
// practice. shift must be in [−31, 31].
func MultiplyByQuantizedMultiplier(x, m0 int32, shift int) int32 {
	if shift < -31 || shift > 31 {
		panic(fmt.Sprintf("qmath: MultiplyByQuantizedMultiplier: shift %d outside [−31, 31]", shift))
	}
	left, right := 0, 0
	if shift > 0 {
		left = shift
	} else {
		right = -shift
	}
	return RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x*int32(uint32(1)<<left), m0), right)
}
