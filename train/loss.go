package train

import "github.com/mobilenet-go/mobilenet/kernels/ref"

// loss returns the mean softmax cross-entropy of the current batch's logits against labels (with label
// smoothing s) and the number of rows whose largest logit is the label's. With grad it also sets the
// logits' gradient, from which backward starts.
func (t *tape) loss(labels []int, s float32, grad bool) (float64, int) {
	k := t.logits.per
	n := t.n
	z := t.logits.act[:n*k]
	var dz []float32
	if grad {
		dz = t.logits.grad[:n*k]
	}
	return ref.SoftmaxCrossEntropy(z, k, labels[:n], s, dz), correct(z, k, labels[:n])
}

// correct counts the rows of z (depth k) whose first largest value is at the label's index.
func correct(z []float32, k int, labels []int) int {
	c := 0
	for r, l := range labels {
		if argmax(z[r*k:(r+1)*k]) == l {
			c++
		}
	}
	return c
}

// argmax returns the index of the first largest value of v.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
