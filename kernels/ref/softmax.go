package ref

import "math"

// Softmax computes, for each row of length depth, out[j] = exp(β·(x[j]−m)) / Σ_k exp(β·(x[k]−m)), where
// m is the row's maximum (subtracted so that exp cannot overflow; the result is unchanged). The
// differences x[j]−m are taken in T, the exponentials and their sum in float64.
func Softmax[T Float](in []T, depth int, beta T, out []T) {
	for r := 0; r+depth <= len(in); r += depth {
		row := in[r : r+depth]
		m := row[0]
		for _, v := range row {
			m = max(m, v)
		}
		var sum float64
		for j, v := range row {
			e := math.Exp(float64(beta) * float64(v-m))
			out[r+j] = T(e)
			sum += e
		}
		for j := range row {
			out[r+j] = T(float64(out[r+j]) / sum)
		}
	}
}
