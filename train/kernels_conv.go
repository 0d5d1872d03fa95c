package train

import "github.com/mobilenet-go/mobilenet/kernels/ref"

// convGeom is the geometry of a convolution over NHWC images: per-image input h×w×cin, output
// oh×ow×cout, a kh×kw window with strides, dilations and four-sided padding.
type convGeom struct {
	h, w, cin, oh, ow, cout int
	kh, kw, sh, sw, dh, dw  int
	pads                    ref.Pads
}

// im2col writes, for images [b0, b1), one row per output pixel holding the kh·kw·cin input values its
// window reads, in (ky, kx, channel) order, zero for taps outside the input: the layout of an OHWI
// filter's rows, so that the convolution is cols·Wᵀ.
func im2col(cols, in []float32, g *convGeom, b0, b1 int) {
	k := g.kh * g.kw * g.cin
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				row := cols[((b*g.oh+oy)*g.ow+ox)*k:][:k]
				i := 0
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky*g.dh - g.pads.Top
					for kx := 0; kx < g.kw; kx++ {
						x := ox*g.sw + kx*g.dw - g.pads.Left
						dst := row[i : i+g.cin]
						if y < 0 || y >= g.h || x < 0 || x >= g.w {
							clear(dst)
						} else {
							copy(dst, in[((b*g.h+y)*g.w+x)*g.cin:])
						}
						i += g.cin
					}
				}
			}
		}
	}
}

// col2im adds the rows of dcols (the gradient of im2col's output) back into the input gradient dIn of
// images [b0, b1), which it first clears: the transpose of im2col.
func col2im(dIn, dcols []float32, g *convGeom, b0, b1 int) {
	k := g.kh * g.kw * g.cin
	per := g.h * g.w * g.cin
	clear(dIn[b0*per : b1*per])
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				row := dcols[((b*g.oh+oy)*g.ow+ox)*k:][:k]
				i := 0
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky*g.dh - g.pads.Top
					for kx := 0; kx < g.kw; kx++ {
						x := ox*g.sw + kx*g.dw - g.pads.Left
						if y >= 0 && y < g.h && x >= 0 && x < g.w {
							dst := dIn[((b*g.h+y)*g.w+x)*g.cin:][:g.cin]
							for c, v := range row[i : i+g.cin] {
								dst[c] += v
							}
						}
						i += g.cin
					}
				}
			}
		}
	}
}

// dwForward computes a depthwise convolution with depth multiplier 1 (filter [kh, kw, C]) for images
// [b0, b1): out[b,oy,ox,c] = Σ_taps in[b,y,x,c]·w[ky,kx,c], the taps summed in (ky, kx) order.
func dwForward(out, in, w []float32, g *convGeom, b0, b1 int) {
	c := g.cin
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				o := out[((b*g.oh+oy)*g.ow+ox)*c:][:c]
				clear(o)
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky*g.dh - g.pads.Top
					if y < 0 || y >= g.h {
						continue
					}
					for kx := 0; kx < g.kw; kx++ {
						x := ox*g.sw + kx*g.dw - g.pads.Left
						if x < 0 || x >= g.w {
							continue
						}
						src := in[((b*g.h+y)*g.w+x)*c:][:c]
						wt := w[(ky*g.kw+kx)*c:][:c]
						for i, v := range src {
							o[i] += v * wt[i]
						}
					}
				}
			}
		}
	}
}

// dwBackwardInput computes the input gradient of dwForward for images [b0, b1), overwriting them:
// each output gradient is sent back through the taps that produced it.
func dwBackwardInput(dIn, dOut, w []float32, g *convGeom, b0, b1 int) {
	c := g.cin
	per := g.h * g.w * c
	clear(dIn[b0*per : b1*per])
	for b := b0; b < b1; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				d := dOut[((b*g.oh+oy)*g.ow+ox)*c:][:c]
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky*g.dh - g.pads.Top
					if y < 0 || y >= g.h {
						continue
					}
					for kx := 0; kx < g.kw; kx++ {
						x := ox*g.sw + kx*g.dw - g.pads.Left
						if x < 0 || x >= g.w {
							continue
						}
						dst := dIn[((b*g.h+y)*g.w+x)*c:][:c]
						wt := w[(ky*g.kw+kx)*c:][:c]
						for i, v := range d {
							dst[i] += v * wt[i]
						}
					}
				}
			}
		}
	}
}

// dwBackwardFilter computes the filter gradient of dwForward over n images for channels [c0, c1),
// overwriting them: dW[ky,kx,ch] = Σ_{b,oy,ox} dOut[b,oy,ox,ch]·in[b,y,x,ch], summed in (b, oy, ox)
// order.
func dwBackwardFilter(dW, in, dOut []float32, g *convGeom, n, c0, c1 int) {
	c := g.cin
	for t := 0; t < g.kh*g.kw; t++ {
		clear(dW[t*c+c0 : t*c+c1])
	}
	for b := 0; b < n; b++ {
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				d := dOut[((b*g.oh+oy)*g.ow+ox)*c+c0:][:c1-c0]
				for ky := 0; ky < g.kh; ky++ {
					y := oy*g.sh + ky*g.dh - g.pads.Top
					if y < 0 || y >= g.h {
						continue
					}
					for kx := 0; kx < g.kw; kx++ {
						x := ox*g.sw + kx*g.dw - g.pads.Left
						if x < 0 || x >= g.w {
							continue
						}
						src := in[((b*g.h+y)*g.w+x)*c+c0:][:len(d)]
						acc := dW[(ky*g.kw+kx)*c+c0:][:len(d)]
						for i, v := range d {
							acc[i] += v * src[i]
						}
					}
				}
			}
		}
	}
}
