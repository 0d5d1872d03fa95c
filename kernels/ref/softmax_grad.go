package ref

import "math"

// SoftmaxCrossEntropy computes the mean cross-entropy between softmax(logits) and label-smoothed
// one-hot targets, and its gradient with respect to the logits. For each of the B rows of depth K,
// with target q[j] = (1−s)·[j = label] + s/K and p = softmax(logits row),
//
//	loss = (1/B) Σ_rows −Σ_j q[j]·log p[j],   dLogits[row, j] = (p[j] − q[j]) / B
//
// computed in float64 with the row maximum subtracted before exp. dLogits may be nil. labels holds one
// class index in [0, K) per row.
func SoftmaxCrossEntropy(logits []float32, depth int, labels []int, smoothing float32, dLogits []float32) float64 {
	rows := len(labels)
	var total float64
	s := float64(smoothing)
	for r := 0; r < rows; r++ {
		row := logits[r*depth : (r+1)*depth]
		m := float64(row[0])
		for _, v := range row {
			m = math.Max(m, float64(v))
		}
		var sum float64
		for _, v := range row {
			sum += math.Exp(float64(v) - m)
		}
		logSum := math.Log(sum) + m
		for j, v := range row {
			q := s / float64(depth)
			if j == labels[r] {
				q += 1 - s
			}
			logp := float64(v) - logSum
			total -= q * logp
			if dLogits != nil {
				dLogits[r*depth+j] = float32((math.Exp(logp) - q) / float64(rows))
			}
		}
	}
	return total / float64(rows)
}
