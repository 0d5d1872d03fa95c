package qref

import (
	"fmt"
	"math"
	"slices"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// AddParams is the arithmetic of an 8-bit ADD of a (scale sa, zero point za) and b (sb, zb) into an
// output (sy, zy), clamped to [ActMin, ActMax], in one of TFLite's two roundings. Build it with
// NewAddParams.
//
// Reference (reference_ops/integer_ops Add, TFLite Micro): with left shift 20 and
// twice = 2·max(sa, sb),
//
//	ma = sa/twice, mb = sb/twice, my = twice/(2²⁰·sy)          (float64 quotients of the float32 scales)
//	a' = MBQM((qa − za)·2²⁰, ma), b' = MBQM((qb − zb)·2²⁰, mb)
//	y  = clamp(MBQM(a' + b', my) + zy)
//
// XNNPACK (qs8/qu8-vadd, the oracle's delegate): with ra = float32(sa/sy), rb = float32(sb/sy),
// shift = 20 − exponent(max(ra, rb)) and the multipliers Ma = rint(ra·2^shift), Mb = rint(rb·2^shift),
//
//	y = clamp(((qa·Ma + qb·Mb − za·Ma − zb·Mb + 2^(shift−1)) >> shift) + zy)
//
// an arithmetic shift, so halves round up. XNNPACK takes only ratios ra, rb in [2⁻¹⁰, 2⁸); outside
// that range the delegate leaves ADD to TFLite's built-in kernel, whose arithmetic is the Reference
// one, and so does NewAddParams.
type AddParams struct {
	XNNPACK        bool // which arithmetic the fields below hold
	AZP, BZP, YZP  int32
	ActMin, ActMax int32

	// Reference
	AM0, BM0, YM0          int32
	AShift, BShift, YShift int

	// XNNPACK
	AMult, BMult, Bias, Rounding int32
	Shift                        int
}

// addLeftShift is TFLite's left shift of 8-bit ADD inputs.
const addLeftShift = 20

// CheckAdd reports whether the scales of an 8-bit ADD are usable: finite and positive, with every
// multiplier of the Reference arithmetic below 2³¹ (the check of TFLite's Prepare step).
func CheckAdd(sa, sb, sy float32) error {
	for _, s := range []float32{sa, sb, sy} {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return fmt.Errorf("scales %g, %g and output %g must be finite and > 0", sa, sb, sy)
		}
	}
	twice := 2 * math.Max(float64(sa), float64(sb))
	if my := twice / (float64(1<<addLeftShift) * float64(sy)); !(my < 1<<30) {
		return fmt.Errorf("input scale %g over output scale %g is too large", twice/2, sy)
	}
	return nil
}

// NewAddParams builds the arithmetic of an 8-bit ADD (see AddParams). It panics on scales CheckAdd
// refuses.
func NewAddParams(sa float32, za int32, sb float32, zb int32, sy float32, zy int32, actMin, actMax int32, r qmath.Rounding) AddParams {
	if err := CheckAdd(sa, sb, sy); err != nil {
		fail("Add", "%v", err)
	}
	p := AddParams{AZP: za, BZP: zb, YZP: zy, ActMin: actMin, ActMax: actMax}
	if r == qmath.XNNPACK {
		ra, rb := sa/sy, sb/sy
		m := max(ra, rb)
		if m >= 1.0/1024 && m < 256 && min(ra, rb) >= 1.0/1024 {
			exp := int(math.Float32bits(m)>>23) - 127
			p.XNNPACK = true
			p.Shift = addLeftShift - exp
			p.AMult = int32(math.RoundToEven(float64(ra) * math.Ldexp(1, p.Shift)))
			p.BMult = int32(math.RoundToEven(float64(rb) * math.Ldexp(1, p.Shift)))
			p.Bias = -(p.AMult*za + p.BMult*zb)
			p.Rounding = 1 << (p.Shift - 1)
			return p
		}
	}
	twice := 2 * math.Max(float64(sa), float64(sb))
	p.AM0, p.AShift = qmath.QuantizeMultiplier(float64(sa) / twice)
	p.BM0, p.BShift = qmath.QuantizeMultiplier(float64(sb) / twice)
	p.YM0, p.YShift = qmath.QuantizeMultiplier(twice / (float64(1<<addLeftShift) * float64(sy)))
	return p
}

// apply adds one pair of codes.
func (p *AddParams) apply(qa, qb int32) int32 {
	if p.XNNPACK {
		acc := p.Bias + qa*p.AMult + qb*p.BMult
		return clamp32(((acc+p.Rounding)>>p.Shift)+p.YZP, p.ActMin, p.ActMax)
	}
	a := qmath.MultiplyByQuantizedMultiplier((qa-p.AZP)*(1<<addLeftShift), p.AM0, p.AShift)
	b := qmath.MultiplyByQuantizedMultiplier((qb-p.BZP)*(1<<addLeftShift), p.BM0, p.BShift)
	return clamp32(qmath.MultiplyByQuantizedMultiplier(a+b, p.YM0, p.YShift)+p.YZP, p.ActMin, p.ActMax)
}

// Add computes out = a + b on 8-bit codes with p's arithmetic, a (shape as) and b (shape bs)
// broadcast to os by NumPy's rule (os must be their broadcast shape).
func Add[T uint8 | int8](p *AddParams, a []T, as []int, b []T, bs []int, out []T, os []int) {
	if p.XNNPACK && len(a) == len(out) && len(b) == len(out) && slices.Equal(as, os) && slices.Equal(bs, os) {
		// The residual connection's case, written out so that the loop has no call per element.
		bias, am, bm, sh, zp, lo, hi := p.Bias+p.Rounding, p.AMult, p.BMult, p.Shift, p.YZP, p.ActMin, p.ActMax
		b = b[:len(a)]
		out = out[:len(a)]
		for i, qa := range a {
			v := (bias+int32(qa)*am+int32(b[i])*bm)>>sh + zp
			out[i] = T(min(max(v, lo), hi))
		}
		return
	}
	binary("Add", a, as, b, bs, out, os, p.apply)
}

// MulParams is the arithmetic of an 8-bit MUL: acc = (qa − za)·(qb − zb), then
//
//	Reference: y = clamp(MBQM(acc, M0, shift) + zy), M = float64(sa)·float64(sb)/float64(sy)
//	           (reference_ops/integer_ops Mul, TFLite Micro)
//	XNNPACK:   y = clamp(roundHalfEven(float32(acc)·float32(sa·sb/sy)) + zy)   (qs8/qu8-vmul fp32)
//
// The XNNPACK form follows XNNPACK's source; no model of the oracle checks it yet.
type MulParams struct {
	Rq       *qmath.Requant
	AZP, BZP int32
}

// CheckMul reports whether the scales of an 8-bit MUL are usable (see qmath.CheckRequant).
func CheckMul(sa, sb, sy float32) error {
	return qmath.CheckRequant(sa, []float32{sb}, sy, qmath.ProductFloat64)
}

// NewMulParams builds the arithmetic of an 8-bit MUL. It panics on scales CheckMul refuses.
func NewMulParams(sa float32, za int32, sb float32, zb int32, sy float32, zy int32, actMin, actMax int32, r qmath.Rounding) MulParams {
	return MulParams{Rq: qmath.NewRequantProduct(sa, []float32{sb}, sy, zy, actMin, actMax, r, qmath.ProductFloat64), AZP: za, BZP: zb}
}

// Mul computes out = a·b on 8-bit codes with p's arithmetic, broadcasting as Add does.
func Mul[T uint8 | int8](p *MulParams, a []T, as []int, b []T, bs []int, out []T, os []int) {
	binary("Mul", a, as, b, bs, out, os, func(qa, qb int32) int32 {
		return p.Rq.Apply((qa-p.AZP)*(qb-p.BZP), 0)
	})
}

// binary applies f to every pair of broadcast codes.
func binary[T uint8 | int8](op string, a []T, as []int, b []T, bs []int, out []T, os []int, f func(qa, qb int32) int32) {
	need(op, "a", len(a), as...)
	need(op, "b", len(b), bs...)
	need(op, "output", len(out), os...)
	if len(as) > len(os) || len(bs) > len(os) {
		fail(op, "shapes %v and %v do not broadcast to %v", as, bs, os)
	}
	if len(a) == len(out) && len(b) == len(out) {
		for i := range out {
			out[i] = T(f(int32(a[i]), int32(b[i])))
		}
		return
	}
	sa, sb := strides(op, as, os), strides(op, bs, os)
	idx := make([]int, len(os))
	ia, ib := 0, 0
	for o := range out {
		out[o] = T(f(int32(a[ia]), int32(b[ib])))
		// Advance the output index like an odometer, moving each operand by its stride.
		for ax := len(os) - 1; ax >= 0; ax-- {
			idx[ax]++
			ia += sa[ax]
			ib += sb[ax]
			if idx[ax] < os[ax] {
				break
			}
			ia -= sa[ax] * os[ax]
			ib -= sb[ax] * os[ax]
			idx[ax] = 0
		}
	}
}

// strides returns, for each axis of os, the step in a row-major array of shape s (aligned on the right)
// broadcast to os: 0 where s lacks the axis or has size 1 there.
func strides(op string, s, os []int) []int {
	st := make([]int, len(os))
	step := 1
	for i := 1; i <= len(s); i++ {
		d, o := s[len(s)-i], os[len(os)-i]
		switch {
		case d == o && d != 1:
			st[len(os)-i] = step
			step *= d
		case d == 1:
		default:
			fail(op, "shape %v does not broadcast to %v", s, os)
		}
	}
	return st
}
