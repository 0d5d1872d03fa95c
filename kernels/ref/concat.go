package ref

// Concat joins the arrays ins (row-major, ins[k] of shape shapes[k]) along axis (0-based, non-negative)
// into out: the shapes agree except on axis, and out has their common dimensions with axis the sum of
// theirs. For every index i over the axes before axis, out holds in turn the block of each input at i:
//
//	out[i, (Σ_{k'<k} shapes[k'][axis]) + j, …] = ins[k][i, j, …]
func Concat[T Float](ins [][]T, shapes [][]int, axis int, out []T) {
	o := 0
	for i := range volume(shapes[0][:axis]) {
		for k, in := range ins {
			block := volume(shapes[k][axis:])
			copy(out[o:o+block], in[i*block:(i+1)*block])
			o += block
		}
	}
}

// ConcatBackward computes the gradients of Concat: it splits dOut (the gradient of Concat's out) back into
// the inputs' gradients dIns (dIns[k] of shape shapes[k]), overwriting them; the inverse of Concat's copy.
// A nil dIns[k] is skipped.
func ConcatBackward[T Float](dOut []T, shapes [][]int, axis int, dIns [][]T) {
	o := 0
	for i := range volume(shapes[0][:axis]) {
		for k, d := range dIns {
			block := volume(shapes[k][axis:])
			if d != nil {
				copy(d[i*block:(i+1)*block], dOut[o:o+block])
			}
			o += block
		}
	}
}
