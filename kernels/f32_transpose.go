package kernels

// TransposeBlock is the number of source rows Transpose handles together; callers splitting a transpose
// across threads split it in multiples of this.
const TransposeBlock = 64

// Transpose writes rows [r0, r1) of the rows×cols row-major matrix src into the cols×rows matrix dst
// (dst[c·rows+r] = src[r·cols+c]). It goes in blocks of 64 rows by 8 columns: the 8 rows of dst a block
// writes lie a power-of-two stride apart in training (rows = batch·pixels), and more than 8 of them
// would contend for the same cache sets.
func Transpose(dst, src []float32, rows, cols, r0, r1 int) {
	const bw = 8
	src, dst = src[:rows*cols], dst[:rows*cols]
	for b0 := r0; b0 < r1; b0 += TransposeBlock {
		b1 := min(b0+TransposeBlock, r1)
		for c0 := 0; c0 < cols; c0 += bw {
			c1 := min(c0+bw, cols)
			for r := b0; r < b1; r++ {
				row := src[r*cols : r*cols+c1]
				for c := c0; c < c1; c++ {
					dst[c*rows+r] = row[c]
				}
			}
		}
	}
}
