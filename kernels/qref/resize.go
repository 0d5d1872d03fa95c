package qref

import "math"

// This file holds the 8-bit RESIZE_BILINEAR in TFLite's two arithmetics. Input and output share
// scale and zero point (TFLite requires it), so the raw codes are interpolated.

// ResizeAxisQ11 is one output coordinate of XNNPACK's bilinear resize: the two input positions it
// mixes and the weight of the second, in Q11 (0..2048).
type ResizeAxisQ11 struct {
	I0, I1 int
	Alpha  int32
}

// ResizeAxesQ11 computes the sampling of an axis as XNNPACK's
// xnn_indirection_init_resize_bilinear2d_hwc_q11 does, in float32:
//
//	scale = float32(in − a)/float32(out − a), a = 1 with align corners and out ≠ 1, else 0
//	v = float32(o)·scale                                     (align corners, or TensorFlow's legacy mode)
//	v = clamp(float32(o)·scale + (0.5·scale − 0.5), 0, in−1)  (half-pixel centres)
//	I0 = int(v), I1 = min(I0+1, in−1), Alpha = lrintf((v − I0)·2048), rounding half to even
func ResizeAxesQ11(in, out int, alignCorners, halfPixel bool) []ResizeAxisQ11 {
	adj := 0
	if alignCorners && out != 1 {
		adj = 1
	}
	scale := float32(in-adj) / float32(out-adj)
	axes := make([]ResizeAxisQ11, out)
	last := in - 1
	offset := float32(0.5)*scale - 0.5
	for o := range axes {
		var v float32
		if halfPixel && !alignCorners {
			v = float32(o)*scale + offset
			v = min(max(v, 0), float32(last))
		} else {
			v = float32(o) * scale
		}
		i0 := min(int(v), last)
		alpha := float32(v - float32(i0))
		axes[o] = ResizeAxisQ11{I0: i0, I1: min(i0+1, last), Alpha: int32(math.RoundToEven(float64(alpha * 2048)))}
	}
	return axes
}

// ResizeBilinearQ11 computes RESIZE_BILINEAR as TFLite's XNNPACK delegate does (xnn_u8_ibilinear and
// xnn_s8_ibilinear, scalar and WebAssembly kernels): with weights αx, αy from ResizeAxesQ11 and the four
// taps tl, tr, bl, br,
//
//	t = tl·2¹¹ + (tr − tl)·αx,  b = bl·2¹¹ + (br − bl)·αx
//	out = (t·2¹¹ + (b − t)·αy + 2²¹) >> 22    (arithmetic shift: the value rounded half up)
//
// in int32. in is NHWC inShape, out NHWC outShape with the same batch and channels.
func ResizeBilinearQ11[T uint8 | int8](in []T, inShape [4]int, out []T, outShape [4]int, alignCorners, halfPixel bool) {
	const op = "ResizeBilinearQ11"
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	need(op, "input", len(in), inShape[:]...)
	need(op, "output", len(out), outShape[:]...)
	if outShape[0] != n || outShape[3] != c || h < 1 || w < 1 {
		fail(op, "output shape %v does not match input %v", outShape, inShape)
	}
	ys := ResizeAxesQ11(h, oh, alignCorners, halfPixel)
	xs := ResizeAxesQ11(w, ow, alignCorners, halfPixel)
	for b := 0; b < n; b++ {
		img := in[b*h*w*c : (b+1)*h*w*c]
		for oy, ya := range ys {
			for ox, xa := range xs {
				tl, tr := img[(ya.I0*w+xa.I0)*c:], img[(ya.I0*w+xa.I1)*c:]
				bl, br := img[(ya.I1*w+xa.I0)*c:], img[(ya.I1*w+xa.I1)*c:]
				dst := out[((b*oh+oy)*ow+ox)*c : ((b*oh+oy)*ow+ox+1)*c]
				for ch := range dst {
					t := int32(tl[ch])<<11 + (int32(tr[ch])-int32(tl[ch]))*xa.Alpha
					bo := int32(bl[ch])<<11 + (int32(br[ch])-int32(bl[ch]))*xa.Alpha
					acc := t<<11 + (bo-t)*ya.Alpha
					dst[ch] = T((acc + 1<<21) >> 22)
				}
			}
		}
	}
}

// ResizeBilinear computes RESIZE_BILINEAR as TFLite's reference kernels do (reference_ops
// resize_bilinear.h). in is NHWC inShape, out NHWC outShape with the same batch and channels.
//
// uint8 runs the generic template in float32: scale = in/out, or (in−1)/(out−1) with align corners
// and out > 1; v = o·scale, or (o + 0.5)·scale − 0.5 with half-pixel centres; i0 = max(⌊v⌋, 0),
// i1 = min(⌈v⌉, in−1), f = v − i0; the value
// q00·(1−fy)·(1−fx) + q10·fy·(1−fx) + q01·(1−fy)·fx + q11·fy·fx (float32, left to right) is truncated
// toward zero (static_cast<uint8_t>).
//
// int8 runs the integer form: scale₁₀ = (2¹⁰·in + out/2)/out, or (2¹⁰·(in−1) + (out−1)/2)/(out−1)
// with align corners and out > 1; v₁₀ = o·scale₁₀, or o·scale₁₀ + scale₁₀/2 − 2⁹ with half-pixel
// centres; i0 = max(v₁₀/2¹⁰, 0), i1 = min((v₁₀ + 2¹⁰ − 1)/2¹⁰, in−1), f₁₀ = v₁₀ − 2¹⁰·i0; the sum
// of q·(weights in 2¹⁰ units)² is divided by 2²⁰ rounding half away from zero (divisions truncate).
func ResizeBilinear[T uint8 | int8](in []T, inShape [4]int, out []T, outShape [4]int, alignCorners, halfPixel bool) {
	const op = "ResizeBilinear"
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	need(op, "input", len(in), inShape[:]...)
	need(op, "output", len(out), outShape[:]...)
	if outShape[0] != n || outShape[3] != c || h < 1 || w < 1 {
		fail(op, "output shape %v does not match input %v", outShape, inShape)
	}
	if isSigned[T]() {
		resizeInteger(in, inShape, out, outShape, alignCorners, halfPixel)
		return
	}
	ys := resizeAxesFloat(h, oh, alignCorners, halfPixel)
	xs := resizeAxesFloat(w, ow, alignCorners, halfPixel)
	for b := 0; b < n; b++ {
		img := in[b*h*w*c : (b+1)*h*w*c]
		for oy, ya := range ys {
			fy := ya.frac
			for ox, xa := range xs {
				fx := xa.frac
				q00, q10 := img[(ya.i0*w+xa.i0)*c:], img[(ya.i1*w+xa.i0)*c:]
				q01, q11 := img[(ya.i0*w+xa.i1)*c:], img[(ya.i1*w+xa.i1)*c:]
				dst := out[((b*oh+oy)*ow+ox)*c : ((b*oh+oy)*ow+ox+1)*c]
				for ch := range dst {
					v := float32(q00[ch])*(1-fy)*(1-fx) + float32(q10[ch])*fy*(1-fx) +
						float32(q01[ch])*(1-fy)*fx + float32(q11[ch])*fy*fx
					dst[ch] = T(int32(v))
				}
			}
		}
	}
}

type axisFloat struct {
	i0, i1 int
	frac   float32
}

// resizeAxesFloat is reference_ops::ComputeInterpolationValues (float).
func resizeAxesFloat(in, out int, alignCorners, halfPixel bool) []axisFloat {
	scale := float32(in) / float32(out)
	if alignCorners && out > 1 {
		scale = float32(in-1) / float32(out-1)
	}
	axes := make([]axisFloat, out)
	for o := range axes {
		var v float32
		if halfPixel {
			v = (float32(o)+0.5)*scale - 0.5
		} else {
			v = float32(o) * scale
		}
		i0 := min(max(int(math.Floor(float64(v))), 0), in-1)
		i1 := max(min(int(math.Ceil(float64(v))), in-1), 0)
		axes[o] = axisFloat{i0: i0, i1: i1, frac: v - float32(i0)}
	}
	return axes
}

type axisInt struct {
	i0, i1 int
	f10    int64 // v₁₀ − 2¹⁰·i0
}

// resizeAxesInteger is reference_ops::ComputeInterpolationValues (integer, 10 fractional bits), in
// int64 so that no size overflows.
func resizeAxesInteger(in, out int, alignCorners, halfPixel bool) []axisInt {
	scale := (int64(1<<10)*int64(in) + int64(out/2)) / int64(out)
	if alignCorners && out > 1 {
		scale = (int64(1<<10)*int64(in-1) + int64((out-1)/2)) / int64(out-1)
	}
	axes := make([]axisInt, out)
	for o := range axes {
		v := int64(o) * scale
		if halfPixel {
			v += scale/2 - 1<<9
		}
		i0 := int(min(max(v/(1<<10), 0), int64(in-1)))
		i1 := int(max(min((v+1<<10-1)/(1<<10), int64(in-1)), 0))
		axes[o] = axisInt{i0: i0, i1: i1, f10: v - int64(i0)<<10}
	}
	return axes
}

func resizeInteger[T uint8 | int8](in []T, inShape [4]int, out []T, outShape [4]int, alignCorners, halfPixel bool) {
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	ys := resizeAxesInteger(h, oh, alignCorners, halfPixel)
	xs := resizeAxesInteger(w, ow, alignCorners, halfPixel)
	const one = int64(1 << 10)
	for b := 0; b < n; b++ {
		img := in[b*h*w*c : (b+1)*h*w*c]
		for oy, ya := range ys {
			for ox, xa := range xs {
				q00, q10 := img[(ya.i0*w+xa.i0)*c:], img[(ya.i1*w+xa.i0)*c:]
				q01, q11 := img[(ya.i0*w+xa.i1)*c:], img[(ya.i1*w+xa.i1)*c:]
				dst := out[((b*oh+oy)*ow+ox)*c : ((b*oh+oy)*ow+ox+1)*c]
				for ch := range dst {
					s := int64(q00[ch])*(one-ya.f10)*(one-xa.f10) + int64(q10[ch])*ya.f10*(one-xa.f10) +
						int64(q01[ch])*(one-ya.f10)*xa.f10 + int64(q11[ch])*ya.f10*xa.f10
					round := int64(1 << 19)
					if s <= 0 {
						round = -round
					}
					v := (s + round) / (1 << 20)
					lo, hi := typeRange[T]()
					dst[ch] = T(min(max(v, int64(lo)), int64(hi)))
				}
			}
		}
	}
}
