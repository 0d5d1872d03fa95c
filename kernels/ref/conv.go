package ref

// ConvParams describe the geometry of a 2-D convolution.
type ConvParams struct {
	StrideH, StrideW     int
	DilationH, DilationW int
	Pads                 Pads
	Groups               int // input and output channels are split into Groups independent groups
}

// Conv2D computes a grouped, dilated 2-D convolution:
//
//	out[n,oy,ox,o] = bias[o] + Σ_{ky,kx,i} in[n, oy·sh+ky·dh−top, ox·sw+kx·dw−left, g·Cin/G+i] · w[o,ky,kx,i]
//
// where g = o / (Cout/G) is the group of output channel o, i runs over the Cin/G channels of that group,
// and taps outside the input are skipped (zero padding). in is NHWC with shape is, w is OHWI
// [Cout, KH, KW, Cin/G], bias is [Cout] or nil, out is NHWC with shape os. A depthwise convolution with
// depth multiplier m is the case G = Cin, Cout = Cin·m.
func Conv2D[T Float](in []T, is [4]int, w []T, kh, kw int, bias []T, p ConvParams, out []T, os [4]int) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	g := max(p.Groups, 1)
	cinG, coutG := cin/g, cout/g
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for o := 0; o < cout; o++ {
					var acc T
					if bias != nil {
						acc = bias[o]
					}
					first := (o / coutG) * cinG
					for ky := 0; ky < kh; ky++ {
						y := oy*p.StrideH + ky*p.DilationH - p.Pads.Top
						if y < 0 || y >= h {
							continue
						}
						for kx := 0; kx < kw; kx++ {
							x := ox*p.StrideW + kx*p.DilationW - p.Pads.Left
							if x < 0 || x >= wd {
								continue
							}
							src := ((b*h+y)*wd + x) * cin
							wt := ((o*kh+ky)*kw + kx) * cinG
							for i := 0; i < cinG; i++ {
								acc += in[src+first+i] * w[wt+i]
							}
						}
					}
					out[((b*oh+oy)*ow+ox)*cout+o] = acc
				}
			}
		}
	}
}

// DepthwiseConv2D computes a depthwise convolution with depth multiplier m, with its filter in TFLite's
// layout [KH, KW, Cin·m]:
//
//	out[n,oy,ox,c·m+j] = bias[c·m+j] + Σ_{ky,kx} in[n, oy·sh+ky·dh−top, ox·sw+kx·dw−left, c] · w[ky,kx,c·m+j]
//
// with taps outside the input skipped. It equals Conv2D with Groups = Cin once the filter is transposed to
// OHWI [Cin·m, KH, KW, 1].
func DepthwiseConv2D[T Float](in []T, is [4]int, w []T, kh, kw, m int, bias []T, p ConvParams, out []T, os [4]int) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for c := 0; c < cin; c++ {
					for j := 0; j < m; j++ {
						o := c*m + j
						var acc T
						if bias != nil {
							acc = bias[o]
						}
						for ky := 0; ky < kh; ky++ {
							y := oy*p.StrideH + ky*p.DilationH - p.Pads.Top
							if y < 0 || y >= h {
								continue
							}
							for kx := 0; kx < kw; kx++ {
								x := ox*p.StrideW + kx*p.DilationW - p.Pads.Left
								if x < 0 || x >= wd {
									continue
								}
								acc += in[((b*h+y)*wd+x)*cin+c] * w[(ky*kw+kx)*cout+o]
							}
						}
						out[((b*oh+oy)*ow+ox)*cout+o] = acc
					}
				}
			}
		}
	}
}

// Pointwise computes a 1×1 convolution over rows of NHWC pixels, which is a matrix product:
//
//	out[r, o] = bias[o] + Σ_i in[r, i] · w[o, i]
//
// for rows r < rows (every pixel of every image), with in [rows, cin], w [cout, cin] (OHWI with 1×1
// kernels), bias [cout] or nil and out [rows, cout].
func Pointwise[T Float](in []T, rows, cin int, w []T, cout int, bias []T, out []T) {
	for r := 0; r < rows; r++ {
		for o := 0; o < cout; o++ {
			var acc T
			if bias != nil {
				acc = bias[o]
			}
			for i := 0; i < cin; i++ {
				acc += in[r*cin+i] * w[o*cin+i]
			}
			out[r*cout+o] = acc
		}
	}
}

// FullyConnected computes out[b, o] = bias[o] + Σ_i in[b, i] · w[o, i] for each of batch rows: the same
// product as Pointwise, named for what a classifier does.
func FullyConnected[T Float](in []T, batch, inDepth int, w []T, outDepth int, bias []T, out []T) {
	Pointwise(in, batch, inDepth, w, outDepth, bias, out)
}
