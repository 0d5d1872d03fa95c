package ref

import "fmt"

// Pads are the rows and columns of zeros added around an input, on each side.
type Pads struct{ Top, Left, Bottom, Right int }

// Same returns TensorFlow's SAME padding for one spatial dimension: out = ⌈in/s⌉, and the padding needed
// to make the last window fit, split with the smaller half before (so SAME at stride 2 on an even input
// pads only after).
func Same(in, k, stride, dilation int) (out, before, after int) {
	out = (in + stride - 1) / stride
	eff := (k-1)*dilation + 1
	total := max((out-1)*stride+eff-in, 0)
	return out, total / 2, total - total/2
}

// Valid returns the output size of TensorFlow's VALID padding for one spatial dimension: the number of
// window positions that lie wholly inside the input (0 when none do).
func Valid(in, k, stride, dilation int) int {
	eff := (k-1)*dilation + 1
	if in < eff {
		return 0
	}
	return (in-eff)/stride + 1
}

// SamePads returns the four-sided SAME padding and output size of a kh×kw window.
func SamePads(inH, inW, kh, kw, strideH, strideW, dilH, dilW int) (Pads, int, int) {
	oh, t, b := Same(inH, kh, strideH, dilH)
	ow, l, r := Same(inW, kw, strideW, dilW)
	return Pads{Top: t, Left: l, Bottom: b, Right: r}, oh, ow
}

// OutSize returns the output size of a window of effective size (k−1)·dilation+1 sliding with the given
// stride over an input padded by before and after, or an error when no window fits.
func OutSize(in, k, stride, dilation, before, after int) (int, error) {
	eff := (k-1)*dilation + 1
	span := in + before + after
	if stride < 1 || dilation < 1 || k < 1 || span < eff {
		return 0, fmt.Errorf("window %d (stride %d, dilation %d) does not fit input %d padded %d+%d", k, stride, dilation, in, before, after)
	}
	return (span-eff)/stride + 1, nil
}
