package graph

// This file is the fast float32 depthwise convolution for kernels other than 3×3 (MobileNet V3's 5×5),
// depth multiplier 1, no dilation, any stride and padding. Its reference twin is ref.DepthwiseConv2D;
// dwkxk_test.go compares them. Per output pixel the channels are a contiguous run: the bias is written,
// then every tap inside the image adds w[ky,kx,:]·x[iy,ix,:] over the channels, in ky, kx order,
// then the clamp of the fused activation.

// dwKxKRows computes output rows [oy0, oy1) of one image: x is h×w×c, y oh×ow×c, wt [kh, kw, c].
func dwKxKRows(y, x, wt, bias []float32, h, w, c, kh, kw, sh, sw, padT, padL, ow, oy0, oy1 int, act bool, lo, hi float32) {
	for oy := oy0; oy < oy1; oy++ {
		for ox := 0; ox < ow; ox++ {
			o := y[(oy*ow+ox)*c:][:c]
			if bias != nil {
				copy(o, bias[:c])
			} else {
				clear(o)
			}
			for ky := 0; ky < kh; ky++ {
				iy := oy*sh + ky - padT
				if iy < 0 || iy >= h {
					continue
				}
				for kx := 0; kx < kw; kx++ {
					ix := ox*sw + kx - padL
					if ix < 0 || ix >= w {
						continue
					}
					xs := x[(iy*w+ix)*c:][:c]
					ws := wt[(ky*kw+kx)*c:][:c]
					for i := range o {
						o[i] += ws[i] * xs[i]
					}
				}
			}
			if act {
				for i, v := range o {
					if v < lo {
						v = lo
					}
					if v > hi {
						v = hi
					}
					o[i] = v
				}
			}
		}
	}
}

// fastDepthwiseKxK returns the row kernel of a depthwise convolution of any kernel size with
// multiplier 1 and no dilation, or nil. It reads the weights and bias in place, so training's repack
// has nothing to do.
func fastDepthwiseKxK(d *DepthwiseConv2D, in, out []*Value, opt *Options) repacker {
	if opt.Reference || d.mult() != 1 || max(d.DilationH, 1) != 1 || max(d.DilationW, 1) != 1 {
		return nil
	}
	_, kh, kw, c := in[1].Shape.NHWC()
	wt, bias := in[1].Data.F32, floatBias(in)
	lo, hi := d.Act.Range()
	act := d.Act != ActNone
	is, os := in[0].Shape, out[0].Shape
	k := newRowKernel(is, os, int64(os[2])*int64(c)*int64(kh*kw), opt.threads(), func(o, x []float32, oy0, oy1, _ int) {
		dwKxKRows(o, x, wt, bias, is[1], is[2], c, kh, kw, d.StrideH, d.StrideW, d.Pads.Top, d.Pads.Left, os[2], oy0, oy1, act, lo, hi)
	})
	k.repackFn = func() {}
	return k
}
