// Package ref holds the reference float32 kernels: plain NHWC loops written to be obviously right. They
// are the specification that every fast kernel is tested against, and they stay forever.
//
// Shapes are passed as [4]int in NHWC order for activations; the layout of each weight array is stated
// on the function that reads it. Padding is explicit and four-sided: taps that fall outside the input
// read zero (they are skipped).
package ref
