package qref

// AveragePool2D computes TFLite's quantized AVERAGE_POOL_2D (reference/pooling.h for uint8,
// reference/integer_ops/pooling.h for int8; with XNNPACK on, TFLite still runs this op on its
// built-in kernel). Input and output share scale and zero point, so raw codes are averaged:
//
//	sum = Σ in[n,y,x,c] over the in-bounds taps of the fh×fw window at (oy·strideH − padTop, ox·strideW − padLeft)
//	cnt = the number of those taps
//	avg = (sum + cnt/2)/cnt if sum > 0, else (sum − cnt/2)/cnt   (division truncating toward zero)
//	out = clamp(avg, actMin, actMax)
//
// i.e. the mean rounded half away from zero; for uint8 the sum is never negative and this is TFLite's
// (sum + cnt/2)/cnt. Padded taps are not counted. in is NHWC inShape, out is NHWC outShape with the
// same batch and channel count. A window with no in-bounds tap panics.
func AveragePool2D[T uint8 | int8](in []T, inShape [4]int, fh, fw, strideH, strideW, padTop, padLeft int, actMin, actMax int32, out []T, outShape [4]int) {
	const op = "AveragePool2D"
	n, h, w, c := inShape[0], inShape[1], inShape[2], inShape[3]
	oh, ow := outShape[1], outShape[2]
	need(op, "input", len(in), inShape[:]...)
	need(op, "output", len(out), outShape[:]...)
	if !(outShape[0] == n && outShape[3] == c) {
		fail(op, "output shape %v does not match input %v", outShape, inShape)
	}
	if !(fh >= 1 && fw >= 1) {
		fail(op, "filter %dx%d is empty", fh, fw)
	}
	sh, sw := atLeast1(strideH), atLeast1(strideW)
	for b := 0; b < n; b++ {
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				y0, x0 := oy*sh-padTop, ox*sw-padLeft
				for ch := 0; ch < c; ch++ {
					var sum, cnt int32
					// The in-bounds taps of the window: rows y0..y0+fh−1 and columns x0..x0+fw−1 clipped
					// to the input (the clipping also keeps huge windows cheap).
					for y := max(y0, 0); y < min(y0+fh, h); y++ {
						for x := max(x0, 0); x < min(x0+fw, w); x++ {
							sum += int32(in[((b*h+y)*w+x)*c+ch])
							cnt++
						}
					}
					if !(cnt > 0) {
						fail(op, "window at output (%d,%d) covers no input", oy, ox)
					}
					var avg int32
					if sum > 0 {
						avg = (sum + cnt/2) / cnt
					} else {
						avg = (sum - cnt/2) / cnt
					}
					out[((b*oh+oy)*ow+ox)*c+ch] = T(clamp32(avg, actMin, actMax))
				}
			}
		}
	}
}
