package ref

import "math"

// ResizeAxis is where one output coordinate of a bilinear resize samples its input axis: between
// input positions I0 and I1 (equal at the edges), at fraction Frac past I0 (negative or above 1 only
// where the coordinate was clamped to the edge, in which case I0 = I1 and the weights still sum to 1).
type ResizeAxis[T Float] struct {
	I0, I1 int
	Frac   T
}

// ResizeScale returns the input-to-output scale of one axis as TFLite's reference kernel computes it:
// in/out, or (in−1)/(out−1) with align corners when out > 1.
func ResizeScale[T Float](in, out int, alignCorners bool) T {
	if alignCorners && out > 1 {
		return T(in-1) / T(out-1)
	}
	return T(in) / T(out)
}

// ResizeAxes returns the sampling of each of the out coordinates of an axis of in inputs, computed as
// TFLite's reference ComputeInterpolationValues does (in T): the source coordinate is v = o·scale, or
// (o + 0.5)·scale − 0.5 with half-pixel centres; I0 = max(⌊v⌋, 0), I1 = min(⌈v⌉, in−1), Frac = v − I0.
func ResizeAxes[T Float](in, out int, alignCorners, halfPixel bool) []ResizeAxis[T] {
	scale := ResizeScale[T](in, out, alignCorners)
	axes := make([]ResizeAxis[T], out)
	for o := range axes {
		var v T
		if halfPixel {
			v = (T(o)+0.5)*scale - 0.5
		} else {
			v = T(o) * scale
		}
		i0 := max(int(math.Floor(float64(v))), 0)
		i1 := min(int(math.Ceil(float64(v))), in-1)
		i0 = min(i0, in-1) // v can exceed in−1 only by rounding; keep the taps inside
		axes[o] = ResizeAxis[T]{I0: i0, I1: max(i1, 0), Frac: v - T(i0)}
	}
	return axes
}

// ResizeBilinear computes TFLite's RESIZE_BILINEAR (reference_ops::ResizeBilinear) on float data: in
// is NHWC inShape, out is NHWC outShape with the same batch and channels. Each output is
//
//	in[y0,x0]·(1−fy)·(1−fx) + in[y1,x0]·fy·(1−fx) + in[y0,x1]·(1−fy)·fx + in[y1,x1]·fy·fx
//
// summed left to right in T, with (y0, y1, fy) and (x0, x1, fx) from ResizeAxes.
func ResizeBilinear[T Float](in []T, inShape [4]int, out []T, outShape [4]int, alignCorners, halfPixel bool) {
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	checkLen("ResizeBilinear input", len(in), n*h*w*c)
	checkLen("ResizeBilinear output", len(out), n*oh*ow*c)
	ys := ResizeAxes[T](h, oh, alignCorners, halfPixel)
	xs := ResizeAxes[T](w, ow, alignCorners, halfPixel)
	for b := 0; b < n; b++ {
		img := in[b*h*w*c : (b+1)*h*w*c]
		for oy, ya := range ys {
			fy := ya.Frac
			for ox, xa := range xs {
				fx := xa.Frac
				p00 := img[(ya.I0*w+xa.I0)*c:]
				p10 := img[(ya.I1*w+xa.I0)*c:]
				p01 := img[(ya.I0*w+xa.I1)*c:]
				p11 := img[(ya.I1*w+xa.I1)*c:]
				dst := out[((b*oh+oy)*ow+ox)*c : ((b*oh+oy)*ow+ox+1)*c]
				for ch := range dst {
					dst[ch] = p00[ch]*(1-fy)*(1-fx) + p10[ch]*fy*(1-fx) + p01[ch]*(1-fy)*fx + p11[ch]*fy*fx
				}
			}
		}
	}
}

// ResizeBilinearBackward overwrites dx (NHWC inShape) with the gradient of ResizeBilinear: each output
// gradient dy (NHWC outShape) is added to the four taps it was read from, with the same weights.
func ResizeBilinearBackward[T Float](dy []T, outShape [4]int, dx []T, inShape [4]int, alignCorners, halfPixel bool) {
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	checkLen("ResizeBilinearBackward input gradient", len(dx), n*h*w*c)
	checkLen("ResizeBilinearBackward output gradient", len(dy), n*oh*ow*c)
	clear(dx)
	ys := ResizeAxes[T](h, oh, alignCorners, halfPixel)
	xs := ResizeAxes[T](w, ow, alignCorners, halfPixel)
	for b := 0; b < n; b++ {
		img := dx[b*h*w*c : (b+1)*h*w*c]
		for oy, ya := range ys {
			fy := ya.Frac
			for ox, xa := range xs {
				fx := xa.Frac
				g := dy[((b*oh+oy)*ow+ox)*c : ((b*oh+oy)*ow+ox+1)*c]
				p00 := img[(ya.I0*w+xa.I0)*c:]
				p10 := img[(ya.I1*w+xa.I0)*c:]
				p01 := img[(ya.I0*w+xa.I1)*c:]
				p11 := img[(ya.I1*w+xa.I1)*c:]
				for ch, v := range g {
					p00[ch] += v * (1 - fy) * (1 - fx)
					p10[ch] += v * fy * (1 - fx)
					p01[ch] += v * (1 - fy) * fx
					p11[ch] += v * fy * fx
				}
			}
		}
	}
}

// checkLen panics when a slice does not hold the elements its shape implies (a programming error: the
// graph layer checks shapes first).
func checkLen(what string, have, want int) {
	if have != want {
		panic("ref: " + what + ": length does not match the shape")
	}
}
