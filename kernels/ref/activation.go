package ref

// Clamp limits every element of x to [lo, hi] in place. ReLU is Clamp(x, 0, +Inf), ReLU6 is
// Clamp(x, 0, 6). NaN stays NaN.
func Clamp[T Float](x []T, lo, hi T) {
	for i, v := range x {
		if v < lo {
			x[i] = lo
		} else if v > hi {
			x[i] = hi
		}
	}
}

// ReLU sets every negative element of x to zero: x = max(x, 0).
func ReLU[T Float](x []T) {
	for i, v := range x {
		if v < 0 {
			x[i] = 0
		}
	}
}

// ReLU6 limits every element of x to [0, 6]: x = min(max(x, 0), 6).
func ReLU6[T Float](x []T) { Clamp(x, 0, 6) }
