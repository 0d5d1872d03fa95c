package ref

// AvgPool2DBackward computes the gradient of AvgPool2D with respect to its input, overwriting dIn
// (shape is): each output's gradient is shared equally among the in-bounds taps of its window,
//
//	dIn[n,y,x,c] = Σ over windows (oy,ox) containing (y,x) of dOut[n,oy,ox,c] / count(oy,ox)
//
// where count is the number of taps of that window that lie inside the input.
func AvgPool2DBackward[T Float](dOut []T, os [4]int, kh, kw, strideH, strideW int, pads Pads, dIn []T, is [4]int) {
	n, h, w, c := is[0], is[1], is[2], is[3]
	oh, ow := os[1], os[2]
	clear(dIn[:n*h*w*c])
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				y0, y1 := max(oy*strideH-pads.Top, 0), min(oy*strideH-pads.Top+kh, h)
				x0, x1 := max(ox*strideW-pads.Left, 0), min(ox*strideW-pads.Left+kw, w)
				count := (y1 - y0) * (x1 - x0)
				if count <= 0 {
					continue
				}
				for ch := 0; ch < c; ch++ {
					d := dOut[((b*oh+oy)*ow+ox)*c+ch] / T(count)
					for y := y0; y < y1; y++ {
						for x := x0; x < x1; x++ {
							dIn[((b*h+y)*w+x)*c+ch] += d
						}
					}
				}
			}
		}
	}
}

// GlobalAvgPoolBackward computes the gradient of GlobalAvgPool with respect to its input, overwriting
// dIn (shape is): dIn[n,y,x,c] = dOut[n,c] / (H·W).
func GlobalAvgPoolBackward[T Float](dOut []T, dIn []T, is [4]int) {
	n, h, w, c := is[0], is[1], is[2], is[3]
	hw := h * w
	for b := 0; b < n; b++ {
		for p := 0; p < hw; p++ {
			for ch := 0; ch < c; ch++ {
				dIn[(b*hw+p)*c+ch] = dOut[b*c+ch] / T(hw)
			}
		}
	}
}
