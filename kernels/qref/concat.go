package qref

import "math"

// Concatenation joins inputs along axis (negative counts from the end), requantizing each to the
// output's scale and zero point as TFLite's reference/concatenation.h (ConcatenationWithScaling)
// does:
//
//	if s_i == s_out and zp_i == zp_out: copy the codes
//	else, in float32:  scale = s_i · (1/s_out),  bias = −zp_i · scale
//	                   out = clamp(round(q·scale + bias) + zp_out, lo, hi)   (round half away from zero)
//
// with q·scale rounded to float32 before bias is added (no fused multiply-add) and [lo, hi] T's code
// range. inShapes must agree except along axis; out holds the concatenated shape. (TFLite accepts
// differing scales only for uint8; int8 inputs must already share the output's quantization, the
// case that copies.)
func Concatenation[T uint8 | int8](ins [][]T, inShapes [][]int, inScales []float32, inZPs []int32, axis int, outScale float32, outZP int32, out []T) {
	const op = "Concatenation"
	if !(len(ins) > 0) {
		fail(op, "no inputs")
	}
	if len(inShapes) != len(ins) || len(inScales) != len(ins) || len(inZPs) != len(ins) {
		fail(op, "%d inputs but %d shapes, %d scales, %d zero points", len(ins), len(inShapes), len(inScales), len(inZPs))
	}
	rank := len(inShapes[0])
	if axis < 0 {
		axis += rank
	}
	if !(axis >= 0 && axis < rank) {
		fail(op, "axis %d outside rank %d", axis, rank)
	}
	outer, inner, total := 1, 1, 0
	for d := 0; d < axis; d++ {
		outer *= inShapes[0][d]
	}
	for d := axis + 1; d < rank; d++ {
		inner *= inShapes[0][d]
	}
	for i, s := range inShapes {
		if !(len(s) == rank) {
			fail(op, "input %d has rank %d, input 0 has %d", i, len(s), rank)
		}
		for d := range s {
			if !(d == axis || s[d] == inShapes[0][d]) {
				fail(op, "input %d shape %v does not match input 0 %v off axis %d", i, s, inShapes[0], axis)
			}
		}
		need(op, "input", len(ins[i]), s...)
		total += s[axis]
	}
	need(op, "output", len(out), outer, total, inner)

	lo, hi := typeRange[T]()
	invOut := 1 / outScale
	pos := 0
	for k := 0; k < outer; k++ {
		for i, src := range ins {
			n := inShapes[i][axis] * inner
			chunk := src[k*n : (k+1)*n]
			dst := out[pos : pos+n]
			pos += n
			if inScales[i] == outScale && inZPs[i] == outZP {
				copy(dst, chunk)
				continue
			}
			scale := inScales[i] * invOut
			bias := float32(-inZPs[i]) * scale
			for j, q := range chunk {
				v := float32(float32(float32(q)*scale) + bias)
				dst[j] = T(clamp32(int32(math.Round(float64(v)))+outZP, lo, hi))
			}
		}
	}
}
