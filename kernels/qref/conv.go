package qref

import "github.com/mobilenet-go/mobilenet/kernels/qmath"

// ConvParams describe the geometry and the zero points of a quantized convolution.
type ConvParams struct {
	StrideH, StrideW     int // 0 means 1
	DilationH, DilationW int // 0 means 1
	PadTop, PadLeft      int // TFLite keeps only the leading pads; out-of-range taps are skipped
	InZP                 int32
	FilterZP             int32 // uint8 filters: the filter zero point; int8 per-channel filters: 0
}

// Conv2D computes a quantized 2-D convolution (TFLite CONV_2D, reference/conv.h and
// reference/integer_ops/conv.h):
//
//	acc[n,oy,ox,o] = bias[o] + Σ_{ky,kx,c} (w[o,ky,kx,c] − FilterZP)·(in[n,y,x,c] − InZP)
//	    with y = oy·StrideH + ky·DilationH − PadTop, x = ox·StrideW + kx·DilationW − PadLeft,
//	    over the taps inside the input only
//	out[n,oy,ox,o] = q.Apply(acc, o)
//
// in is NHWC inShape [n,h,w,c] and T is uint8 or int8; filter is OHWI fShape [o,kh,kw,c]; bias is
// int32 [o] or nil (zero); out is NHWC outShape [n,oh,ow,o], its spatial size chosen by the caller.
//
// Overflow: |w − zp_w| ≤ 255 and |x − zp_x| ≤ 255, so each product is at most 65025 < 2¹⁶, and a sum
// of up to 2¹⁵ = 32768 terms (kh·kw·c) is at most 2130739200, which leaves 16.7 million below
// 2³¹ − 1 for the bias: such kernels cannot overflow int32. Larger kernels
// are not refused: like TFLite's int32 accumulators, acc then wraps modulo 2³², and since every
// implementation (TFLite, XNNPACK, this one) adds the same terms in wrap-around int32 arithmetic they
// still agree. MobileNet's largest sum has 1024 terms.
func Conv2D[T uint8 | int8](in []T, inShape [4]int, filter []T, fShape [4]int, bias []int32, p ConvParams, q *qmath.Requant, out []T, outShape [4]int) {
	const op = "Conv2D"
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	o, kh, kw := fShape[0], fShape[1], fShape[2]
	oh, ow := outShape[1], outShape[2]
	need(op, "input", len(in), inShape[:]...)
	need(op, "filter", len(filter), fShape[:]...)
	need(op, "output", len(out), outShape[:]...)
	if !(fShape[3] == c) {
		fail(op, "filter has %d input channels, input has %d", fShape[3], c)
	}
	if !(outShape[0] == n && outShape[3] == o) {
		fail(op, "output shape %v does not match input %v and filter %v", outShape, inShape, fShape)
	}
	if !(bias == nil || len(bias) == o) {
		fail(op, "bias has %d values for %d output channels", len(bias), o)
	}
	if !(q.Channels() == 1 || q.Channels() == o) {
		fail(op, "requantization has %d channels for %d outputs", q.Channels(), o)
	}
	sh, sw := atLeast1(p.StrideH), atLeast1(p.StrideW)
	dh, dw := atLeast1(p.DilationH), atLeast1(p.DilationW)

	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for oc := 0; oc < o; oc++ {
					var acc int32
					if bias != nil {
						acc = bias[oc]
					}
					for ky := 0; ky < kh; ky++ {
						y := oy*sh + ky*dh - p.PadTop
						if y < 0 || y >= h {
							continue
						}
						for kx := 0; kx < kw; kx++ {
							x := ox*sw + kx*dw - p.PadLeft
							if x < 0 || x >= w {
								continue
							}
							src := ((b*h+y)*w + x) * c
							wt := ((oc*kh+ky)*kw + kx) * c
							for ic := 0; ic < c; ic++ {
								acc += (int32(filter[wt+ic]) - p.FilterZP) * (int32(in[src+ic]) - p.InZP)
							}
						}
					}
					out[((b*oh+oy)*ow+ox)*o+oc] = T(q.Apply(acc, oc))
				}
			}
		}
	}
}

// DepthwiseConv2D computes a quantized depthwise convolution with depth multiplier m (TFLite
// DEPTHWISE_CONV_2D, reference/depthwiseconv_uint8.h and reference/integer_ops/depthwise_conv.h):
//
//	acc[n,oy,ox,ic·m+j] = bias[ic·m+j] + Σ_{ky,kx} (w[0,ky,kx,ic·m+j] − FilterZP)·(in[n,y,x,ic] − InZP)
//	out[n,oy,ox,oc]     = q.Apply(acc, oc)
//
// with y, x and the skipping of out-of-range taps as in Conv2D. filter has TFLite's layout fShape
// [1,kh,kw,c·m]; per-channel scales (and bias) are indexed by the output channel oc = ic·m + j. The
// sum has kh·kw terms, far below the 2¹⁵ that int32 is guaranteed to hold (see Conv2D).
func DepthwiseConv2D[T uint8 | int8](in []T, inShape [4]int, filter []T, fShape [4]int, depthMultiplier int, bias []int32, p ConvParams, q *qmath.Requant, out []T, outShape [4]int) {
	const op = "DepthwiseConv2D"
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	kh, kw, m := fShape[1], fShape[2], depthMultiplier
	oh, ow, o := outShape[1], outShape[2], outShape[3]
	need(op, "input", len(in), inShape[:]...)
	need(op, "filter", len(filter), fShape[:]...)
	need(op, "output", len(out), outShape[:]...)
	if !(m >= 1) {
		fail(op, "depth multiplier %d < 1", m)
	}
	if !(fShape[0] == 1 && fShape[3] == c*m) {
		fail(op, "filter shape %v is not [1,kh,kw,%d·%d]", fShape, c, m)
	}
	if !(outShape[0] == n && o == c*m) {
		fail(op, "output shape %v does not match input %v with multiplier %d", outShape, inShape, m)
	}
	if !(bias == nil || len(bias) == o) {
		fail(op, "bias has %d values for %d output channels", len(bias), o)
	}
	if !(q.Channels() == 1 || q.Channels() == o) {
		fail(op, "requantization has %d channels for %d outputs", q.Channels(), o)
	}
	sh, sw := atLeast1(p.StrideH), atLeast1(p.StrideW)
	dh, dw := atLeast1(p.DilationH), atLeast1(p.DilationW)

	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ic := 0; ic < c; ic++ {
					for j := 0; j < m; j++ {
						oc := ic*m + j
						var acc int32
						if bias != nil {
							acc = bias[oc]
						}
						for ky := 0; ky < kh; ky++ {
							y := oy*sh + ky*dh - p.PadTop
							if y < 0 || y >= h {
								continue
							}
							for kx := 0; kx < kw; kx++ {
								x := ox*sw + kx*dw - p.PadLeft
								if x < 0 || x >= w {
									continue
								}
								xv := int32(in[((b*h+y)*w+x)*c+ic]) - p.InZP
								wv := int32(filter[(ky*kw+kx)*o+oc]) - p.FilterZP
								acc += wv * xv
							}
						}
						out[((b*oh+oy)*ow+ox)*o+oc] = T(q.Apply(acc, oc))
					}
				}
			}
		}
	}
}
