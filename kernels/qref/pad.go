package qref

// Pad copies in (shape inShape) into the middle of out, whose every axis ax is
// before[ax] + inShape[ax] + after[ax] long, and fills the border with fill: TFLite's PAD (for 8-bit
// tensors fill is the zero point, real 0; input and output share their quantization). It is generic
// over the element type, so float tensors use it too.
func Pad[T any](in []T, inShape, before, after []int, fill T, out []T) {
	const op = "Pad"
	need(op, "input", len(in), inShape...)
	if len(before) != len(inShape) || len(after) != len(inShape) {
		fail(op, "%d and %d pads for rank %d", len(before), len(after), len(inShape))
	}
	outShape := make([]int, len(inShape))
	for ax, d := range inShape {
		if before[ax] < 0 || after[ax] < 0 {
			fail(op, "negative padding on axis %d", ax)
		}
		outShape[ax] = before[ax] + d + after[ax]
	}
	need(op, "output", len(out), outShape...)
	for i := range out {
		out[i] = fill
	}
	if len(in) == 0 {
		return
	}
	// Copy row by row along the last axis: idx walks the input's indices except the last.
	r := len(inShape)
	row := inShape[r-1]
	idx := make([]int, r)
	for start := 0; start < len(in); start += row {
		o := 0
		for ax := 0; ax < r; ax++ {
			o = o*outShape[ax] + idx[ax] + before[ax]
		}
		copy(out[o:o+row], in[start:start+row])
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < inShape[ax] {
				break
			}
			idx[ax] = 0
		}
	}
}
