package qref

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// MeanArith names one of the arithmetics TFLite's built-in MEAN kernel (kernels/reduce.cc) picks for
// 8-bit tensors. The oracle's XNNPACK delegate does not take quantized MEAN, so the built-in kernel is
// what TFLite on a CPU computes.
type MeanArith int

const (
	// MeanInt8Spatial: int8, rank 4, axes {1, 2}, keep_dims (reference_integer_ops::Mean):
	//	acc = MBQM(Σ(q − zx), M0, shift) with M = float64(sx)/float64(sy)
	//	y = clamp(round(acc/n) + zy), the division rounding half away from zero
	MeanInt8Spatial MeanArith = iota
	// MeanUint8Spatial: uint8, rank 4, axes {1, 2}, keep_dims (optimized_ops::Mean, the default
	// kernel; reference_ops::Mean truncates the bias instead of rounding it):
	//	bias = zy − round(float32(zx·sx/sy))                 (half away from zero)
	//	y = clamp(MBQM(Σq, M0, shift) + bias) with M = float64(float32(sx/(float32(n)·sy)))
	MeanUint8Spatial
	// MeanSameQuant: any other axes, input and output quantized alike (reference_ops::Mean):
	//	y = Σq / n, the integer division truncating toward zero
	MeanSameQuant
	// MeanRescale: any other case (reference_ops::QuantizedMeanOrSum), in float32:
	//	y = clamp(round(float32(Σq)/float32(n)·(sx/sy) − zx·(sx/sy)) + zy)   (half away from zero, NaN-free)
	MeanRescale
)

// MeanParams is the arithmetic of an 8-bit MEAN. Build it with NewMeanParams.
type MeanParams struct {
	Arith        MeanArith
	N            int32 // elements reduced into each output
	InZP, OutZP  int32
	M0           int32
	Shift        int
	Bias         int32   // MeanUint8Spatial
	Scale, FBias float32 // MeanRescale
}

// MaxMeanCount bounds the elements reduced into one output, so that a sum of 8-bit codes fits int32.
const MaxMeanCount = 1 << 23

// CheckMean reports whether an 8-bit MEAN with these scales and n elements per output is usable.
func CheckMean(sx, sy float32, n int) error {
	if !(n >= 1 && n <= MaxMeanCount) {
		return fmt.Errorf("mean over %d elements: want 1 to %d", n, MaxMeanCount)
	}
	for _, s := range []float32{sx, sy} {
		if !(s > 0) || math.IsInf(float64(s), 1) {
			return fmt.Errorf("input scale %g and output scale %g must be finite and > 0", sx, sy)
		}
	}
	if r := float64(sx) / float64(sy); !(r < 1<<20) || math.IsInf(float64(sx/sy), 1) {
		return fmt.Errorf("input scale %g over output scale %g is %g, want below 2^20", sx, sy, r)
	}
	if m := sx / (float32(n) * sy); !(m < 1<<20) {
		return fmt.Errorf("input scale %g over %d times output scale %g is %g, want below 2^20", sx, n, sy, m)
	}
	return nil
}

// NewMeanParams chooses TFLite's arithmetic for a MEAN of n elements per output: spatial says the
// input is rank 4 reduced over axes {1, 2} with keep_dims; signed says int8. r selects, for uint8
// spatial means, between the default kernel (XNNPACK: what the oracle runs) and the reference kernel.
// It panics on parameters CheckMean refuses.
func NewMeanParams(sx float32, zx int32, sy float32, zy int32, n int, spatial, signed bool, r qmath.Rounding) MeanParams {
	if err := CheckMean(sx, sy, n); err != nil {
		fail("Mean", "%v", err)
	}
	p := MeanParams{N: int32(n), InZP: zx, OutZP: zy}
	switch {
	case spatial && signed:
		p.Arith = MeanInt8Spatial
		p.M0, p.Shift = qmath.QuantizeMultiplier(float64(sx) / float64(sy))
	case spatial:
		p.Arith = MeanUint8Spatial
		t := float32(float32(zx)*sx) / sy
		if r == qmath.Reference {
			p.Bias = zy - int32(t)
		} else {
			p.Bias = zy - int32(float32(math.Round(float64(t))))
		}
		p.M0, p.Shift = qmath.QuantizeMultiplier(float64(sx / (float32(n) * sy)))
	case sx == sy && zx == zy:
		p.Arith = MeanSameQuant
	default:
		p.Arith = MeanRescale
		p.Scale = sx / sy
		p.FBias = float32(-zx) * p.Scale
	}
	return p
}

// Mean averages in (shape inShape) over the axes marked in reduce (one flag per axis), writing the
// outputs in row-major order of the kept axes, with p's arithmetic.
func Mean[T uint8 | int8](p *MeanParams, in []T, inShape []int, reduce []bool, out []T) {
	const op = "Mean"
	need(op, "input", len(in), inShape...)
	if len(reduce) != len(inShape) {
		fail(op, "%d axis flags for rank %d", len(reduce), len(inShape))
	}
	n, nout := 1, 1
	for i, d := range inShape {
		if reduce[i] {
			n *= d
		} else {
			nout *= d
		}
	}
	if !(n == int(p.N)) || len(out) != nout {
		fail(op, "reduces %d elements into %d outputs, parameters for %d and %d outputs given", n, nout, p.N, len(out))
	}
	sums := make([]int32, nout)
	SumAxes(in, inShape, reduce, sums)
	lo, hi := typeRange[T]()
	for i, s := range sums {
		out[i] = T(clamp32(p.apply(s), lo, hi))
	}
}

// apply maps the sum of the raw codes of one output to its code, before the clamp.
func (p *MeanParams) apply(s int32) int32 {
	n := p.N
	switch p.Arith {
	case MeanInt8Spatial:
		acc := qmath.MultiplyByQuantizedMultiplier(s-n*p.InZP, p.M0, p.Shift)
		if acc > 0 {
			acc = (acc + n/2) / n
		} else {
			acc = (acc - n/2) / n
		}
		return acc + p.OutZP
	case MeanUint8Spatial:
		return qmath.MultiplyByQuantizedMultiplier(s, p.M0, p.Shift) + p.Bias
	case MeanSameQuant:
		return s / n
	}
	mean := float32(s) / float32(n)
	v := math.Round(float64(float32(float32(mean*p.Scale) + p.FBias)))
	return int32(min(max(v, -1<<20), 1<<20)) + p.OutZP
}

// SumAxes adds the codes of in (shape inShape) over the axes marked in reduce into sums, in row-major
// order of the kept axes. sums must hold the product of the kept dimensions.
func SumAxes[T uint8 | int8](in []T, inShape []int, reduce []bool, sums []int32) {
	clear(sums)
	if len(inShape) == 4 && !reduce[0] && reduce[1] && reduce[2] && !reduce[3] {
		// Global pooling (NHWC over H and W): each pixel adds its channels to the image's sums.
		n, hw, c := inShape[0], inShape[1]*inShape[2], inShape[3]
		for b := 0; b < n; b++ {
			acc := sums[b*c : (b+1)*c]
			for p := 0; p < hw; p++ {
				px := in[(b*hw+p)*c : (b*hw+p+1)*c]
				for i, q := range px {
					acc[i] += int32(q)
				}
			}
		}
		return
	}
	// ostride[ax] is how far one step along input axis ax moves in sums: 0 on a reduced axis.
	ostride := make([]int, len(inShape))
	step := 1
	for ax := len(inShape) - 1; ax >= 0; ax-- {
		if !reduce[ax] {
			ostride[ax] = step
			step *= inShape[ax]
		}
	}
	idx := make([]int, len(inShape))
	o := 0
	for _, q := range in {
		sums[o] += int32(q)
		for ax := len(inShape) - 1; ax >= 0; ax-- {
			idx[ax]++
			o += ostride[ax]
			if idx[ax] < inShape[ax] {
				break
			}
			o -= ostride[ax] * inShape[ax]
			idx[ax] = 0
		}
	}
}
