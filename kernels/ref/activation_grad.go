package ref

// ClampBackward computes the gradient of Clamp(x, lo, hi) (ReLU, ReLU6) with respect to x, overwriting
// dIn: dIn[i] = dOut[i] where lo < x[i] < hi and 0 where x[i] was clamped. At x = lo or x = hi exactly
// the gradient is taken as 0, the subgradient TensorFlow's Relu6Grad also picks.
func ClampBackward[T Float](x []T, lo, hi T, dOut, dIn []T) {
	for i, v := range x {
		if v > lo && v < hi {
			dIn[i] = dOut[i]
		} else {
			dIn[i] = 0
		}
	}
}
