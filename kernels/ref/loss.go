package ref

import (
	"fmt"
	"math"
)

// weightAt returns weight[i] as float64, or 1 when weight is nil.
func weightAt[T Float](weight []T, i int) float64 {
	if weight == nil {
		return 1
	}
	return float64(weight[i])
}

// SoftmaxCrossEntropyRows computes the weighted softmax cross-entropy of len(labels) rows of depth K
// logits against label-smoothed one-hot targets. For row r with logits z_r, label c_r and smoothing s,
// the target is q = (1−s)·onehot(c_r) + s/K and
//
//	l_r = −Σ_j q[j]·log softmax(z_r)[j],   loss = Σ_r w_r·l_r,   dLogits[r, j] = scale·w_r·(softmax(z_r)[j] − q[j])
//
// with log softmax(z)[j] = z[j] − m − log Σ_k e^(z[k]−m), m the row maximum, so that no exponential
// overflows. A label < 0 marks an ignored row (loss 0, gradient 0); weight (one per row) and scale follow
// the package's loss convention. A label ≥ K panics. Terms with q[j] = 0 are left out, so a logit of
// −Inf on a class the target does not want costs nothing.
func SoftmaxCrossEntropyRows[T Float](logits []T, depth int, labels []int, smoothing T, weight []T, scale T, dLogits []T) float64 {
	return softmaxXent(logits, depth, labels, smoothing, weight, scale, 1, dLogits)
}

// softmaxXent is SoftmaxCrossEntropyRows with every gradient divided by norm as well: (p − q)·w·scale/norm,
// so that the mean of SoftmaxCrossEntropy rounds exactly as (p − q)/B.
func softmaxXent[T Float](logits []T, depth int, labels []int, smoothing T, weight []T, scale T, norm float64, dLogits []T) float64 {
	s := float64(smoothing)
	var total float64
	for r, label := range labels {
		row := logits[r*depth : (r+1)*depth]
		w := weightAt(weight, r)
		if label < 0 || w == 0 {
			if dLogits != nil {
				clear(dLogits[r*depth : (r+1)*depth])
			}
			continue
		}
		if label >= depth {
			panic(fmt.Sprintf("ref: row %d has label %d, outside [0, %d)", r, label, depth))
		}
		m := float64(row[0])
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		logSum := math.Log(sum) + m
		g := w * float64(scale)
		for j, v := range row {
			q := s / float64(depth)
			if j == label {
				q += 1 - s
			}
			logp := float64(v) - logSum
			if q != 0 {
				total -= w * q * logp
			}
			if dLogits != nil {
				dLogits[r*depth+j] = T((math.Exp(logp) - q) * g / norm)
			}
		}
	}
	return total
}

// elementwise is the loop of the elementwise losses: it returns Σ w·l(x, t) over the elements and, when
// dx is non-nil, overwrites dx = scale·w·∂l/∂x; f gives l and ∂l/∂x of one element. An element of weight 0
// is skipped (so a NaN there does not reach the sum) and gets gradient 0.
func elementwise[T Float](x, target, weight []T, scale T, dx []T, f func(x, t float64) (l, g float64)) float64 {
	var total float64
	for i := range x {
		w := weightAt(weight, i)
		if w == 0 {
			if dx != nil {
				dx[i] = 0
			}
			continue
		}
		l, g := f(float64(x[i]), float64(target[i]))
		total += w * l
		if dx != nil {
			dx[i] = T(w * float64(scale) * g)
		}
	}
	return total
}

// SigmoidCrossEntropy computes the weighted binary cross-entropy between σ(z) and targets t in [0, 1],
// elementwise, in the form that cannot overflow:
//
//	l = −t·log σ(z) − (1−t)·log(1−σ(z)) = max(z, 0) − z·t + log(1 + e^−|z|),   ∂l/∂z = σ(z) − t
//
// It returns Σ w·l and, when dz is non-nil, overwrites dz = scale·w·(σ(z) − t), by the package's loss
// convention.
func SigmoidCrossEntropy[T Float](z, target, weight []T, scale T, dz []T) float64 {
	return elementwise(z, target, weight, scale, dz, func(x, t float64) (float64, float64) {
		return math.Max(x, 0) - x*t + math.Log1p(math.Exp(-math.Abs(x))), sigmoid(x) - t
	})
}

// SmoothL1 computes the weighted Huber loss with threshold δ (TensorFlow's Huber loss; with δ = 1 it is
// smooth L1), elementwise with d = x − t:
//
//	l = ½d² when |d| ≤ δ, δ·(|d| − ½δ) otherwise;   ∂l/∂x = clamp(d, −δ, δ)
//
// It returns Σ w·l and, when dx is non-nil, overwrites dx = scale·w·clamp(d, −δ, δ), by the package's loss
// convention.
func SmoothL1[T Float](x, target, weight []T, delta T, scale T, dx []T) float64 {
	dl := float64(delta)
	return elementwise(x, target, weight, scale, dx, func(x, t float64) (float64, float64) {
		d := x - t
		g := math.Max(-dl, math.Min(dl, d))
		if a := math.Abs(d); a <= dl {
			return 0.5 * d * d, g
		}
		return dl * (math.Abs(d) - 0.5*dl), g // a NaN d lands here and makes the sum NaN
	})
}

// L2 computes the weighted squared-error loss elementwise, l = ½(x − t)² with ∂l/∂x = x − t. It returns
// Σ w·l and, when dx is non-nil, overwrites dx = scale·w·(x − t), by the package's loss convention.
func L2[T Float](x, target, weight []T, scale T, dx []T) float64 {
	return elementwise(x, target, weight, scale, dx, func(x, t float64) (float64, float64) {
		d := x - t
		return 0.5 * d * d, d
	})
}
