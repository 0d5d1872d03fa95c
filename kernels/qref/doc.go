// Package qref holds the reference 8-bit (uint8 and int8) kernels: plain NHWC loops written to be
// obviously right and to reproduce TensorFlow Lite's integer arithmetic bit for bit. They are the
// specification that every fast quantized kernel is tested against.
//
// # Layouts
//
// Activations are NHWC with their shape passed as [4]int. A convolution filter is OHWI
// [out, kh, kw, in]; a depthwise filter is TFLite's [1, kh, kw, in·m] with output channel
// oc = ic·m + j; fully-connected weights are [out][in]. Biases are int32 with zero point 0 and scale
// s_x·s_w. Padding keeps only the leading pads (top, left), as TFLite does: a tap outside the input
// is skipped, which equals padding with the input zero point.
//
// The requantization of the convolutions, fully-connected layers and their fast twins (kernels/q8) is
// package qmath's: [qmath.Rounding] chooses between TFLite's two.
package qref
