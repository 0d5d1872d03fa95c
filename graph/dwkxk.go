package graph

import "github.com/mobilenet-go/mobilenet/kernels"

// This file is the fast float32 depthwise convolution for kernels other than 3×3 (MobileNet V3's 5×5),
// depth multiplier 1, no dilation, any stride and padding. Its reference twin is ref.DepthwiseConv2D;
// dwkxk_test.go compares them. The rows run on kernels.DWKxK: per output pixel and block of channels
// the bias, then every tap inside the image adds w[ky,kx,:]·x[iy,ix,:], in ky, kx order, then the
// clamp of the fused activation (AVX-512 or AVX2 assembly for strides 1 and 2 and rows of up to 7
// taps, plain Go otherwise).

// fastDepthwiseKxK returns the row kernel of a depthwise convolution of any kernel size with
// multiplier 1 and no dilation, or nil. Its weights are packed once; training's repack packs them again.
func fastDepthwiseKxK(d *DepthwiseConv2D, in, out []*Value, opt *Options) repacker {
	if opt.Reference || d.mult() != 1 || max(d.DilationH, 1) != 1 || max(d.DilationW, 1) != 1 {
		return nil
	}
	_, kh, kw, c := in[1].Shape.NHWC()
	wt, bias := in[1].Data.F32, floatBias(in)
	dw := kernels.PackDWKxK(wt, bias, c, kh, kw)
	lo, hi := d.Act.Range()
	is, os := in[0].Shape, out[0].Shape
	k := newRowKernel(is, os, int64(os[2])*int64(c)*int64(kh*kw), opt.threads(), func(o, x []float32, oy0, oy1, _ int) {
		dw.Run(o, x, is[1], is[2], d.StrideH, d.StrideW, d.Pads.Top, d.Pads.Left, os[1], os[2], oy0, oy1, lo, hi)
	})
	k.repackFn = func() { dw.Repack(wt, bias) }
	return k
}
