package ref

// Conv2DBackwardInput computes the gradient of Conv2D with respect to its input. Given
// dOut = ∂L/∂out (NHWC, shape os), it overwrites dIn (shape is) with
//
//	dIn[n,y,x,g·Cin/G+i] = Σ dOut[n,oy,ox,o] · w[o,ky,kx,i]
//
// summed over every output position (oy, ox), tap (ky, kx) and output channel o of group g for which
// y = oy·sh+ky·dh−top and x = ox·sw+kx·dw−left: the taps the forward pass read. w is OHWI
// [Cout, KH, KW, Cin/G].
func Conv2DBackwardInput[T Float](dOut []T, os [4]int, w []T, kh, kw int, p ConvParams, dIn []T, is [4]int) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	g := max(p.Groups, 1)
	cinG, coutG := cin/g, cout/g
	clear(dIn[:n*h*wd*cin])
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for o := 0; o < cout; o++ {
					d := dOut[((b*oh+oy)*ow+ox)*cout+o]
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
							dst := ((b*h+y)*wd+x)*cin + first
							wt := ((o*kh+ky)*kw + kx) * cinG
							for i := 0; i < cinG; i++ {
								dIn[dst+i] += d * w[wt+i]
							}
						}
					}
				}
			}
		}
	}
}

// Conv2DBackwardFilter computes the gradient of Conv2D with respect to its OHWI weights, overwriting
// dW [Cout, KH, KW, Cin/G]:
//
//	dW[o,ky,kx,i] = Σ_{n,oy,ox} dOut[n,oy,ox,o] · in[n, oy·sh+ky·dh−top, ox·sw+kx·dw−left, g·Cin/G+i]
//
// over the taps that lie inside the input, g being the group of o.
func Conv2DBackwardFilter[T Float](in []T, is [4]int, dOut []T, os [4]int, kh, kw int, p ConvParams, dW []T) {
	n, h, wd, cin := is[0], is[1], is[2], is[3]
	oh, ow, cout := os[1], os[2], os[3]
	g := max(p.Groups, 1)
	cinG, coutG := cin/g, cout/g
	clear(dW[:cout*kh*kw*cinG])
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for o := 0; o < cout; o++ {
					d := dOut[((b*oh+oy)*ow+ox)*cout+o]
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
							src := ((b*h+y)*wd+x)*cin + first
							wt := ((o*kh+ky)*kw + kx) * cinG
							for i := 0; i < cinG; i++ {
								dW[wt+i] += d * in[src+i]
							}
						}
					}
				}
			}
		}
	}
}

// BiasBackward computes the gradient of a per-channel bias added to rows of c channels, overwriting dB:
// dB[o] = Σ_r dOut[r, o] over all rows r of dOut.
func BiasBackward[T Float](dOut []T, c int, dB []T) {
	clear(dB[:c])
	for i, d := range dOut {
		dB[i%c] += d
	}
}

// PointwiseBackwardInput computes the gradient of Pointwise (and FullyConnected) with respect to its
// input, overwriting dIn [rows, cin]: dIn[r, i] = Σ_o dOut[r, o] · w[o, i], with w [cout, cin].
func PointwiseBackwardInput[T Float](dOut []T, rows, cout int, w []T, cin int, dIn []T) {
	for r := 0; r < rows; r++ {
		for i := 0; i < cin; i++ {
			var acc T
			for o := 0; o < cout; o++ {
				acc += dOut[r*cout+o] * w[o*cin+i]
			}
			dIn[r*cin+i] = acc
		}
	}
}

// PointwiseBackwardFilter computes the gradient of Pointwise (and FullyConnected) with respect to its
// weights, overwriting dW [cout, cin]: dW[o, i] = Σ_r dOut[r, o] · in[r, i].
func PointwiseBackwardFilter[T Float](in []T, rows, cin int, dOut []T, cout int, dW []T) {
	for o := 0; o < cout; o++ {
		for i := 0; i < cin; i++ {
			var acc T
			for r := 0; r < rows; r++ {
				acc += dOut[r*cout+o] * in[r*cin+i]
			}
			dW[o*cin+i] = acc
		}
	}
}
