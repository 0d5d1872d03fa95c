package ref

// AvgPool2D averages each kh×kw window, stepping by the strides, over the taps that lie inside the input
// (padding is not counted, as in TensorFlow):
//
//	out[n,oy,ox,c] = mean over in-bounds (ky,kx) of in[n, oy·sh+ky−top, ox·sw+kx−left, c]
func AvgPool2D[T Float](in []T, is [4]int, kh, kw, strideH, strideW int, pads Pads, out []T, os [4]int) {
	n, h, w, c := is[0], is[1], is[2], is[3]
	oh, ow := os[1], os[2]
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				for ch := 0; ch < c; ch++ {
					var sum T
					count := 0
					// The in-bounds taps: the window's rows and columns clipped to the input.
					y0, x0 := oy*strideH-pads.Top, ox*strideW-pads.Left
					for y := max(y0, 0); y < min(y0+kh, h); y++ {
						for x := max(x0, 0); x < min(x0+kw, w); x++ {
							sum += in[((b*h+y)*w+x)*c+ch]
							count++
						}
					}
					if count > 0 {
						sum /= T(count)
					}
					out[((b*oh+oy)*ow+ox)*c+ch] = sum
				}
			}
		}
	}
}

// GlobalAvgPool averages every channel over all pixels of each image: out[n, c] = mean over (y, x) of
// in[n, y, x, c]. It equals AvgPool2D with a window the size of the input.
func GlobalAvgPool[T Float](in []T, is [4]int, out []T) {
	n, h, w, c := is[0], is[1], is[2], is[3]
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			var sum T
			for p := 0; p < h*w; p++ {
				sum += in[(b*h*w+p)*c+ch]
			}
			out[b*c+ch] = sum / T(h*w)
		}
	}
}
