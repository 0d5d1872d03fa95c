package qmath

import (
	"fmt"
	"math"
)

// Rounding selects how 8-bit convolutions requantize their int32 accumulators.
type Rounding int

const (
	// XNNPACK is float32(acc)·float32 multiplier, rounded half to even, plus the output zero point:
	// TFLite's default CPU path (the XNNPACK delegate), see the package documentation.
	XNNPACK Rounding = iota
	// Reference is the fixed-point M0/shift pair applied with SaturatingRoundingDoublingHighMul and
	// RoundingDivideByPOT: TFLite's reference kernels and TFLite Micro.
	Reference
)

// String returns the rounding's name.
func (r Rounding) String() string {
	switch r {
	case XNNPACK:
		return "XNNPACK"
	case Reference:
		return "Reference"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// Product says how the Reference rounding forms the real multiplier M = s_x·s_w/s_y before
// QuantizeMultiplier. TFLite uses two formulas (tensorflow/lite/kernels/kernel_util.cc), and they give
// different M0 whenever s_x·s_w is not exact in float32.
type Product int

const (
	// ProductFloat32 multiplies the scales in float32 and divides in float64:
	// M = float64(float32(s_x·s_w)) / float64(s_y). This is GetQuantizedConvolutionMultipler, which
	// uint8 CONV_2D and DEPTHWISE_CONV_2D and per-tensor FULLY_CONNECTED (uint8 and int8) use.
	ProductFloat32 Product = iota
	// ProductFloat64 works in float64 throughout: M = float64(s_x)·float64(s_w[c]) / float64(s_y).
	// This is PopulateConvolutionQuantizationParams' per-channel loop, which int8 CONV_2D and
	// DEPTHWISE_CONV_2D (per-channel or per-tensor) and per-channel FULLY_CONNECTED use.
	ProductFloat64
)

// Requant holds the per-output-channel requantization of a conv, depthwise or fully-connected op:
// both the XNNPACK float32 scale and the Reference M0/shift of every channel, the output zero point
// and the activation range.
type Requant struct {
	rounding       Rounding
	scale          []float32 // XNNPACK: float32(float32(s_x·s_w[c]) / s_y)
	m0             []int32   // Reference significand
	shift          []int     // Reference exponent, positive = left shift
	zp             int32
	actMin, actMax int32
}

// NewRequant builds the requantization of an op with input scale inScale, filter scales filterScales
// (one value for per-tensor quantization, else one per output channel), output scale outScale and
// zero point outZP, clamping to [actMin, actMax] (see ActivationRange). For the Reference rounding it
// forms M as TFLite does for the usual case: ProductFloat32 for a single (per-tensor) filter scale,
// ProductFloat64 for per-channel scales. Use NewRequantProduct for an int8 per-tensor convolution.
func NewRequant(inScale float32, filterScales []float32, outScale float32, outZP, actMin, actMax int32, r Rounding) *Requant {
	p := ProductFloat64
	if len(filterScales) == 1 {
		p = ProductFloat32
	}
	return NewRequantProduct(inScale, filterScales, outScale, outZP, actMin, actMax, r, p)
}

// CheckRequant reports, as the error a model loader gives, whether NewRequantProduct accepts the
// scales: each finite and positive, every channel's XNNPACK scale float32(float32(s_x·s_w[c])/s_y)
// finite, and its Reference multiplier (formed as p says) below 2³¹, so that its shift is at most 31
// as the fixed-point code requires. This is the check of TFLite's Prepare step, made once when a model
// is loaded.
func CheckRequant(inScale float32, filterScales []float32, outScale float32, p Product) error {
	if len(filterScales) == 0 {
		return fmt.Errorf("no filter scales")
	}
	finite := func(s float32) bool { return s > 0 && !math.IsInf(float64(s), 1) }
	if !finite(inScale) || !finite(outScale) {
		return fmt.Errorf("input scale %v and output scale %v must be finite and > 0", inScale, outScale)
	}
	for c, fs := range filterScales {
		if !finite(fs) {
			return fmt.Errorf("filter scale %v of channel %d must be finite and > 0", fs, c)
		}
		xnn, ref := multipliers(inScale, fs, outScale, p)
		if math.IsInf(float64(xnn), 1) || !(ref < 1<<31) {
			return fmt.Errorf("channel %d: requantization multiplier %g·%g/%g = %g does not fit (want below 2^31)",
				c, inScale, fs, outScale, ref)
		}
		if _, shift := QuantizeMultiplier(ref); shift > 31 {
			return fmt.Errorf("channel %d: requantization multiplier %g rounds to 2^%d (want below 2^31)", c, ref, shift)
		}
	}
	return nil
}

// multipliers returns a channel's XNNPACK scale and Reference real multiplier.
func multipliers(inScale, filterScale, outScale float32, p Product) (float32, float64) {
	// Explicit float32 conversions round after each operation, as C's float arithmetic does.
	xnn := float32(float32(inScale*filterScale) / outScale)
	if p == ProductFloat32 {
		return xnn, float64(float32(inScale*filterScale)) / float64(outScale)
	}
	return xnn, float64(inScale) * float64(filterScale) / float64(outScale)
}

// NewRequantProduct is NewRequant with the Reference multiplier's formula chosen explicitly. The
// XNNPACK scale does not depend on p. It panics on scales CheckRequant refuses or
// actMin > actMax.
func NewRequantProduct(inScale float32, filterScales []float32, outScale float32, outZP, actMin, actMax int32, r Rounding, p Product) *Requant {
	if err := CheckRequant(inScale, filterScales, outScale, p); err != nil {
		panic("qmath: NewRequant: " + err.Error())
	}
	if actMin > actMax {
		panic(fmt.Sprintf("qmath: NewRequant: activation range [%d, %d] is empty", actMin, actMax))
	}
	if r != XNNPACK && r != Reference {
		panic(fmt.Sprintf("qmath: NewRequant: unknown rounding %d", int(r)))
	}
	q := &Requant{
		rounding: r,
		scale:    make([]float32, len(filterScales)),
		m0:       make([]int32, len(filterScales)),
		shift:    make([]int, len(filterScales)),
		zp:       outZP,
		actMin:   actMin,
		actMax:   actMax,
	}
	for c, fs := range filterScales {
		var m float64
		q.scale[c], m = multipliers(inScale, fs, outScale, p)
		q.m0[c], q.shift[c] = QuantizeMultiplier(m)
	}
	return q
}

// Channels returns the number of channels the Requant holds: 1 when per-tensor.
func (q *Requant) Channels() int { return len(q.scale) }

// Multiplier returns channel c's Reference significand and shift (positive = left).
func (q *Requant) Multiplier(c int) (m0 int32, shift int) {
	c = q.index(c)
	return q.m0[c], q.shift[c]
}

// Scale returns channel c's XNNPACK float32 scale, float32(float32(s_x·s_w[c]) / s_y).
func (q *Requant) Scale(c int) float32 { return q.scale[q.index(c)] }

// Range returns the output zero point and the activation range.
func (q *Requant) Range() (zp, actMin, actMax int32) { return q.zp, q.actMin, q.actMax }

func (q *Requant) index(c int) int {
	if len(q.scale) == 1 {
		return 0
	}
	return c
}

// Apply maps the int32 accumulator of output channel c (ignored when per-tensor) to an output code:
// clamp(requant(acc) + zp, actMin, actMax), where requant is
//
//	XNNPACK:   roundHalfEven(float32(float32(acc) · scale[c]))
//	Reference: MultiplyByQuantizedMultiplier(acc, m0[c], shift[c])
func (q *Requant) Apply(acc int32, channel int) int32 {
	c := q.index(channel)
	if q.rounding == Reference {
		return min(max(MultiplyByQuantizedMultiplier(acc, q.m0[c], q.shift[c])+q.zp, q.actMin), q.actMax)
	}
	s := float32(float32(acc) * q.scale[c])
	// Clamping in the float domain first keeps the conversion in int32 range; it does not change the
	// result because the bounds are integers and rounding is monotone.
	lo, hi := float32(q.actMin-q.zp), float32(q.actMax-q.zp)
	s = min(max(s, lo), hi)
	return int32(math.RoundToEven(float64(s))) + q.zp
}

// ActivationRange gives TFLite's CalculateActivationRangeQuantized for activation act ("none" or "",
// "relu", "relu6", "relu_n1_to_1") on an output of scale and zero point zp, for uint8 (signed = false,
// bounds 0..255) or int8 (signed = true, bounds −128..127). With Q(f) = zp + round(float32(f/scale)),
// rounding half away from zero:
//
//	none:         [lo, hi]
//	relu:         [max(lo, Q(0)), hi]
//	relu6:        [max(lo, Q(0)), min(hi, Q(6))]
//	relu_n1_to_1: [max(lo, Q(−1)), min(hi, Q(1))]
//
// It panics on any other name.
func ActivationRange(act string, scale float32, zp int32, signed bool) (lo, hi int32) {
	lo, hi = 0, 255
	if signed {
		lo, hi = -128, 127
	}
	quantize := func(f float32) int32 {
		// Summed in float64 and clamped to int32, so that no scale can overflow the conversion; within
		// range this is TFLite's zp + int32(round(f/scale)).
		q := float64(zp) + math.Round(float64(f/scale))
		return int32(min(max(q, math.MinInt32), math.MaxInt32))
	}
	switch act {
	case "", "none":
		return lo, hi
	case "relu":
		return max(lo, quantize(0)), hi
	case "relu6":
		return max(lo, quantize(0)), min(hi, quantize(6))
	case "relu_n1_to_1":
		return max(lo, quantize(-1)), min(hi, quantize(1))
	}
	panic(fmt.Sprintf("qmath: ActivationRange: unknown activation %q", act))
}
