package ref

import "math"

// Logistic computes y = σ(x) = 1/(1+e^−x) elementwise, in float64 rounded to T. For x < 0 it evaluates
// the equal e^x/(1+e^x), so that no exponential overflows: large |x| give 0 or 1, never NaN.
func Logistic[T Float](x, y []T) {
	for i, v := range x {
		y[i] = T(sigmoid(float64(v)))
	}
}

// sigmoid is 1/(1+e^−z), evaluated without overflow for either sign of z; NaN stays NaN.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

// LogisticBackward computes the gradient of Logistic from its output y, overwriting dx:
// dx = dy·y·(1−y), since σ′(x) = σ(x)·(1−σ(x)).
func LogisticBackward[T Float](y, dy, dx []T) {
	for i, v := range y {
		dx[i] = dy[i] * v * (1 - v)
	}
}
