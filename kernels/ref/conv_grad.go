package ref

// Conv2DBackwardInput computes the gradient of Conv2D with respect to its input. Given
// dOut = ∂L/∂out (NHWC, shape os), it overwrites dIn (shape is) with
//
//	dIn[n,y,x,g·Cin/G+i] = Σ dOut[n,oy,ox,o] · w[o,ky,kx,i]
//
// summed over every output position (oy, ox), tap (ky, kx) and output channel o of group g for which
// y = oy·sh+ky·dh−top and x = ox·sw+kx·dw−left: the taps the forward pass read. w is OHWI
// [Cout, KH, KW, Cin/G].
func Conv2DBackwardInput(dOut []float32, os [4]int, w []float32, kh, kw int, p ConvParams, dIn []float32, is [4]int) {
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
func Conv2DBackwardFilter(in []float32, is [4]int, dOut []float32, os [4]int, kh, kw int, p ConvParams, dW []float32) {
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
func BiasBackward(dOut []float32, c int, dB []float32) {
	clear(dB[:c])
	for i, d := range dOut {
		dB[i%c] += d
	}
}

// PointwiseBackwardInput computes the gradient of Pointwise (and FullyConnected) with respect to its
// input, overwriting dIn [rows, cin]: dIn[r, i] = Σ_o dOut[r, o] · w[o, i], with w [cout, cin].
func PointwiseBackwardInput(dOut []float32, rows, cout int, w []float32, cin int, dIn []float32) {
	for r := 0; r < rows; r++ {
		for i := 0; i < cin; i++ {
			var acc float32
			for o := 0; o < cout; o++ {
				acc += dOut[r*cout+o] * w[o*cin+i]
			}
			dIn[r*cin+i] = acc
		}
	}
}

// PointwiseBackwardFilter computes the gradient of Pointwise (and FullyConnected) with respect to its
// weights, overwriting dW [cout, cin]: dW[o, i] = Σ_r dOut[r, o] · in[r, i].
func PointwiseBackwardFilter(in []float32, rows, cin int, dOut []float32, cout int, dW []float32) {
	for o := 0; o < cout; o++ {
		for i := 0; i < cin; i++ {
			var acc float32
			for r := 0; r < rows; r++ {
				acc += dOut[r*cout+o] * in[r*cin+i]
			}
			dW[o*cin+i] = acc
		}
	}
}
