package ref

import "math"

// BatchNorm applies inference-mode batch normalisation over the last (channel) axis of x, in place:
//
//	x[.., c] = γ[c] · (x[.., c] − μ[c]) / √(σ²[c] + ε) + β[c]
//
// The reciprocal square root is taken in float64 and rounded to T; the rest is computed in T.
func BatchNorm[T Float](x []T, c int, gamma, beta, mean, variance []T, eps T) {
	for i := range x {
		k := i % c
		inv := T(1 / math.Sqrt(float64(variance[k])+float64(eps)))
		x[i] = gamma[k]*(x[i]-mean[k])*inv + beta[k]
	}
}

// FoldBatchNorm folds a batch normalisation that follows a convolution into the convolution's weights
// and bias, so that conv'(x) = BN(conv(x)): with a = γ/√(σ²+ε), w′[o, …] = a[o]·w[o, …] and
// b′[o] = a[o]·(b[o] − μ[o]) + β[o]. w holds cout consecutive blocks (output channel outermost, as in
// OHWI); for a filter whose output channel is innermost (the depthwise [KH, KW, C] layout), pass
// channelLast. bias may be nil (a convolution without bias); the folded bias is returned.
func FoldBatchNorm(w []float32, cout int, channelLast bool, bias, gamma, beta, mean, variance []float32, eps float32) []float32 {
	a := make([]float64, cout)
	for o := range a {
		a[o] = float64(gamma[o]) / math.Sqrt(float64(variance[o])+float64(eps))
	}
	per := len(w) / cout
	for i := range w {
		o := i / per
		if channelLast {
			o = i % cout
		}
		w[i] = float32(float64(w[i]) * a[o])
	}
	nb := make([]float32, cout)
	for o := range nb {
		var b float64
		if bias != nil {
			b = float64(bias[o])
		}
		nb[o] = float32(a[o]*(b-float64(mean[o])) + float64(beta[o]))
	}
	return nb
}
