package ref

// SoftmaxCrossEntropy computes the mean cross-entropy between softmax(logits) and label-smoothed
// one-hot targets, and its gradient with respect to the logits. For each of the B rows of depth K,
// with target q[j] = (1−s)·[j = label] + s/K and p = softmax(logits row),
//
//	loss = (1/B) Σ_rows −Σ_j q[j]·log p[j],   dLogits[row, j] = (p[j] − q[j]) / B
//
// computed in float64 with the row maximum subtracted before exp. dLogits may be nil. labels holds one
// class index in [0, K) per row, or a negative label for a row that is ignored (it adds 0 to the sum and
// gets gradient 0, but still counts in B). It is SoftmaxCrossEntropyRows with every weight 1, divided by B.
func SoftmaxCrossEntropy[T Float](logits []T, depth int, labels []int, smoothing T, dLogits []T) float64 {
	rows := float64(len(labels))
	return softmaxXent(logits, depth, labels, smoothing, nil, 1, rows, dLogits) / rows
}

// SoftmaxBackward computes the gradient of out = Softmax(in, depth, β) from its output y, overwriting dx:
// for each row of length depth,
//
//	dx[j] = β·y[j]·(dy[j] − Σ_k dy[k]·y[k])
//
// the product of dy with the Jacobian β·(diag(y) − y·yᵀ). The sum is accumulated in T.
func SoftmaxBackward[T Float](y, dy []T, depth int, beta T, dx []T) {
	for r := 0; r+depth <= len(y); r += depth {
		var dot T
		for j := r; j < r+depth; j++ {
			dot += dy[j] * y[j]
		}
		for j := r; j < r+depth; j++ {
			dx[j] = beta * y[j] * (dy[j] - dot)
		}
	}
}
