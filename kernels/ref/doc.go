// Package ref holds the reference float kernels: plain NHWC loops written to be obviously right, generic
// over float32 and float64 (Float). They are the specification that every fast kernel is tested against,
// and they stay forever. At float32 each kernel's arithmetic is fixed to the bit (tests elsewhere compare
// against TFLite with it); at float64 they are the same loops in double precision. Sums are accumulated
// in T unless a kernel's comment says otherwise (batch normalisation, softmax, the logistic function and
// the losses compute in float64 for either T).
//
// Shapes are passed as [4]int in NHWC order for activations; the layout of each weight array is stated
// on the function that reads it. Padding is explicit and four-sided: taps that fall outside the input
// read zero (they are skipped). The shape-generic kernels (elementwise, Concat) take shapes as []int,
// row-major, the last axis innermost.
//
// The losses (SoftmaxCrossEntropyRows, SigmoidCrossEntropy, SmoothL1, L2) share one convention. Each
// returns the weighted sum Σ_i w_i·l_i of its per-element (or per-row) losses l_i, computed in float64,
// and when its gradient slice is non-nil overwrites it with scale·∂(Σ_i w_i·l_i)/∂input. A nil weight
// slice means every w_i = 1; w_i = 0 masks element i: its loss is not computed (a NaN or Inf there does
// not reach the sum) and its gradient is 0. A NaN in any element that is not masked makes the sum NaN.
package ref
