package ref

import "math"

// BatchNormTrainForward normalises x (rows of c channels, the channel innermost) with the statistics
// of the batch itself, as batch normalisation does in training:
//
//	μ[k] = (1/M) Σ_r x[r,k],  σ²[k] = (1/M) Σ_r (x[r,k] − μ[k])²,  y[r,k] = γ[k]·(x[r,k] − μ[k])/√(σ²[k]+ε) + β[k]
//
// where M is the number of rows. It writes y and the batch mean and (biased) variance, computing the
// statistics in float64.
func BatchNormTrainForward[T Float](x []T, c int, gamma, beta []T, eps T, y, mean, variance []T) {
	rows := len(x) / c
	for k := 0; k < c; k++ {
		var s float64
		for r := 0; r < rows; r++ {
			s += float64(x[r*c+k])
		}
		mu := s / float64(rows)
		var v float64
		for r := 0; r < rows; r++ {
			d := float64(x[r*c+k]) - mu
			v += d * d
		}
		v /= float64(rows)
		mean[k], variance[k] = T(mu), T(v)
		inv := 1 / math.Sqrt(v+float64(eps))
		for r := 0; r < rows; r++ {
			y[r*c+k] = T(float64(gamma[k])*(float64(x[r*c+k])-mu)*inv + float64(beta[k]))
		}
	}
}

// BatchNormTrainBackward computes the gradients of BatchNormTrainForward, whose batch statistics depend
// on x. With x̂ = (x − μ)/√(σ²+ε) and M rows:
//
//	dβ[k] = Σ_r dy[r,k],  dγ[k] = Σ_r dy[r,k]·x̂[r,k],
//	dx[r,k] = γ[k]/(M·√(σ²[k]+ε)) · (M·dy[r,k] − dβ[k] − x̂[r,k]·dγ[k])
//
// mean and variance are the batch statistics the forward pass returned. It overwrites dx, dgamma and
// dbeta, computing in float64.
func BatchNormTrainBackward[T Float](x []T, c int, gamma, mean, variance []T, eps T, dy, dx, dgamma, dbeta []T) {
	rows := len(x) / c
	m := float64(rows)
	for k := 0; k < c; k++ {
		mu := float64(mean[k])
		inv := 1 / math.Sqrt(float64(variance[k])+float64(eps))
		var sb, sg float64
		for r := 0; r < rows; r++ {
			d := float64(dy[r*c+k])
			sb += d
			sg += d * (float64(x[r*c+k]) - mu) * inv
		}
		dbeta[k], dgamma[k] = T(sb), T(sg)
		scale := float64(gamma[k]) * inv / m
		for r := 0; r < rows; r++ {
			xh := (float64(x[r*c+k]) - mu) * inv
			dx[r*c+k] = T(scale * (m*float64(dy[r*c+k]) - sb - xh*sg))
		}
	}
}

// BatchNormUpdateMoving moves the running statistics towards a batch's, as TensorFlow's batch norm does
// with decay d: moving = d·moving + (1−d)·batch. The variance moved in is the unbiased batch variance
// σ²·M/(M−1) (TensorFlow's fused batch norm and PyTorch do the same), where M is the number of rows the
// statistics were computed over; with M = 1 the biased variance is used. It computes in float64.
func BatchNormUpdateMoving[T Float](movingMean, movingVar, batchMean, batchVar []T, rows int, decay T) {
	corr := 1.0
	if rows > 1 {
		corr = float64(rows) / float64(rows-1)
	}
	d := float64(decay)
	for k := range movingMean {
		movingMean[k] = T(d*float64(movingMean[k]) + (1-d)*float64(batchMean[k]))
		movingVar[k] = T(d*float64(movingVar[k]) + (1-d)*float64(batchVar[k])*corr)
	}
}

// BatchNormBackward computes the gradients of inference-mode BatchNorm, an affine map per channel with
// fixed statistics: dx = dy·γ/√(σ²+ε), dγ = Σ_r dy·(x−μ)/√(σ²+ε), dβ = Σ_r dy. It overwrites dx,
// dgamma and dbeta, computing in float64; dx may be nil when the input needs no gradient.
func BatchNormBackward[T Float](x []T, c int, gamma, mean, variance []T, eps T, dy, dx, dgamma, dbeta []T) {
	rows := len(x) / c
	for k := 0; k < c; k++ {
		inv := 1 / math.Sqrt(float64(variance[k])+float64(eps))
		var sb, sg float64
		for r := 0; r < rows; r++ {
			d := float64(dy[r*c+k])
			sb += d
			sg += d * (float64(x[r*c+k]) - float64(mean[k])) * inv
			if dx != nil {
				dx[r*c+k] = T(d * float64(gamma[k]) * inv)
			}
		}
		dbeta[k], dgamma[k] = T(sb), T(sg)
	}
}
