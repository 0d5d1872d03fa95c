package ref

// DepthwiseBackwardInput computes the gradient of DepthwiseConv2D (depth multiplier m, filter
// [KH, KW, Cin·m]) with respect to its input, overwriting dIn (shape is):
//
//	dIn[n,y,x,c] = Σ dOut[n,oy,ox,c·m+j] · w[ky,kx,c·m+j]
//
// over every output position, tap and j < m with y = oy·sh+ky·dh−top and x = ox·sw+kx·dw−left.
func DepthwiseBackwardInput[T Float](dOut []T, os [4]int, w []T, kh, kw, m int, p ConvParams, dIn []T, is [4]int) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	clear(dIn[:n*h*wd*cin])
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for c := 0; c < cin; c++ {
					for j := 0; j < m; j++ {
						o := c*m + j
						d := dOut[((b*oh+oy)*ow+ox)*cout+o]
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
								dIn[((b*h+y)*wd+x)*cin+c] += d * w[(ky*kw+kx)*cout+o]
							}
						}
					}
				}
			}
		}
	}
}

// DepthwiseBackwardFilter computes the gradient of DepthwiseConv2D with respect to its filter,
// overwriting dW [KH, KW, Cin·m]:
//
//	dW[ky,kx,c·m+j] = Σ_{n,oy,ox} dOut[n,oy,ox,c·m+j] · in[n, oy·sh+ky·dh−top, ox·sw+kx·dw−left, c]
//
// over the taps that lie inside the input.
func DepthwiseBackwardFilter[T Float](in []T, is [4]int, dOut []T, os [4]int, kh, kw, m int, p ConvParams, dW []T) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	clear(dW[:kh*kw*cout])
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for c := 0; c < cin; c++ {
					for j := 0; j < m; j++ {
						o := c*m + j
						d := dOut[((b*oh+oy)*ow+ox)*cout+o]
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
								dW[(ky*kw+kx)*cout+o] += d * in[((b*h+y)*wd+x)*cin+c]
							}
						}
					}
				}
			}
		}
	}
}
