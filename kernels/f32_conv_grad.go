package kernels

// The training kernels of convolutions: im2col and its transpose for the matrix-product formulation of a
// convolution's gradients, and the depthwise gradients. Their reference twins are ref.Conv2DBackwardInput,
// ref.Conv2DBackwardFilter, ref.DepthwiseBackwardInput and ref.DepthwiseBackwardFilter.

// ConvGeom is the geometry of a convolution over NHWC images: per-image input h×w×cin, output
// oh×ow×cout, a kh×kw window with strides, dilations and four-sided padding.
type ConvGeom struct {
	H, W, Cin, OH, OW, Cout int
	KH, KW, SH, SW, DH, DW  int
	PadTop, PadLeft         int
}

// Im2Col writes, for images [b0, b1), one row per output pixel holding the kh·kw·cin input values its
// window reads, in (ky, kx, channel) order, zero for taps outside the input: the layout of an OHWI
// filter's rows, so that the convolution is cols·Wᵀ.
func Im2Col(cols, in []float32, g *ConvGeom, b0, b1 int) {
	k := g.KH * g.KW * g.Cin
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				row := cols[((b*g.OH+oy)*g.OW+ox)*k:][:k]
				i := 0
				for ky := 0; ky < g.KH; ky++ {
					y := oy*g.SH + ky*g.DH - g.PadTop
					for kx := 0; kx < g.KW; kx++ {
						x := ox*g.SW + kx*g.DW - g.PadLeft
						dst := row[i : i+g.Cin]
						if y < 0 || y >= g.H || x < 0 || x >= g.W {
							clear(dst)
						} else {
							copy(dst, in[((b*g.H+y)*g.W+x)*g.Cin:])
						}
						i += g.Cin
					}
				}
			}
		}
	}
}

// Col2Im adds the rows of dcols (the gradient of Im2Col's output) back into the input gradient dIn of
// images [b0, b1), which it first clears: the transpose of Im2Col.
func Col2Im(dIn, dcols []float32, g *ConvGeom, b0, b1 int) {
	k := g.KH * g.KW * g.Cin
	per := g.H * g.W * g.Cin
	clear(dIn[b0*per : b1*per])
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				row := dcols[((b*g.OH+oy)*g.OW+ox)*k:][:k]
				i := 0
				for ky := 0; ky < g.KH; ky++ {
					y := oy*g.SH + ky*g.DH - g.PadTop
					for kx := 0; kx < g.KW; kx++ {
						x := ox*g.SW + kx*g.DW - g.PadLeft
						if y >= 0 && y < g.H && x >= 0 && x < g.W {
							dst := dIn[((b*g.H+y)*g.W+x)*g.Cin:][:g.Cin]
							for c, v := range row[i : i+g.Cin] {
								dst[c] += v
							}
						}
						i += g.Cin
					}
				}
			}
		}
	}
}

// DWBackwardInput computes the input gradient of a depthwise convolution with depth multiplier 1 (filter
// [KH, KW, C]) for images [b0, b1), overwriting them:
// each output gradient is sent back through the taps that produced it.
func DWBackwardInput(dIn, dOut, w []float32, g *ConvGeom, b0, b1 int) {
	c := g.Cin
	per := g.H * g.W * c
	clear(dIn[b0*per : b1*per])
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				d := dOut[((b*g.OH+oy)*g.OW+ox)*c:][:c]
				for ky := 0; ky < g.KH; ky++ {
					y := oy*g.SH + ky*g.DH - g.PadTop
					if y < 0 || y >= g.H {
						continue
					}
					for kx := 0; kx < g.KW; kx++ {
						x := ox*g.SW + kx*g.DW - g.PadLeft
						if x < 0 || x >= g.W {
							continue
						}
						dst := dIn[((b*g.H+y)*g.W+x)*c:][:c]
						wt := w[(ky*g.KW+kx)*c:][:c]
						for i, v := range d {
							dst[i] += v * wt[i]
						}
					}
				}
			}
		}
	}
}

// DWBackwardFilter computes the filter gradient of a depthwise convolution with depth multiplier 1 over n images for channels [c0, c1),
// overwriting them: dW[ky,kx,ch] = Σ_{b,oy,ox} dOut[b,oy,ox,ch]·in[b,y,x,ch], summed in (b, oy, ox)
// order.
func DWBackwardFilter(dW, in, dOut []float32, g *ConvGeom, n, c0, c1 int) {
	c := g.Cin
	for t := 0; t < g.KH*g.KW; t++ {
		clear(dW[t*c+c0 : t*c+c1])
	}
	for b := 0; b < n; b++ {
		for oy := 0; oy < g.OH; oy++ {
			for ox := 0; ox < g.OW; ox++ {
				d := dOut[((b*g.OH+oy)*g.OW+ox)*c+c0:][:c1-c0]
				for ky := 0; ky < g.KH; ky++ {
					y := oy*g.SH + ky*g.DH - g.PadTop
					if y < 0 || y >= g.H {
						continue
					}
					for kx := 0; kx < g.KW; kx++ {
						x := ox*g.SW + kx*g.DW - g.PadLeft
						if x < 0 || x >= g.W {
							continue
						}
						src := in[((b*g.H+y)*g.W+x)*c+c0:][:len(d)]
						acc := dW[(ky*g.KW+kx)*c+c0:][:len(d)]
						for i, v := range d {
							acc[i] += v * src[i]
						}
					}
				}
			}
		}
	}
}
