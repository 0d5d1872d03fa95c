package ref

import "fmt"

// BroadcastShape returns the shape two arrays of shapes a and b broadcast to, by NumPy's rule: the shapes
// are aligned on the right (a missing leading dimension counts as 1), and in each position the two
// dimensions must be equal or one of them 1, which stretches to the other. Any other pair, or a negative
// dimension, is an error naming both shapes.
func BroadcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 1; i <= n; i++ {
		da, db := dimFromRight(a, i), dimFromRight(b, i)
		switch {
		case da < 0 || db < 0:
			return nil, fmt.Errorf("shapes %v and %v: negative dimension", a, b)
		case da == db || db == 1:
			out[n-i] = da
		case da == 1:
			out[n-i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast: dimension %d from the right is %d against %d", a, b, i, da, db)
		}
	}
	return out, nil
}

// dimFromRight returns the i-th dimension of s counted from the right (i = 1 is the last), or 1 when s
// has fewer than i dimensions.
func dimFromRight(s []int, i int) int {
	if i > len(s) {
		return 1
	}
	return s[len(s)-i]
}

// volume returns the number of elements of an array of shape s (1 for the scalar shape []).
func volume(s []int) int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// broadcastStrides returns, for each axis of os, how far one step along that axis moves in a row-major
// array of shape s broadcast to os (s aligned on the right): 0 where s lacks the axis or has a 1 there.
func broadcastStrides(s, os []int) []int {
	st := make([]int, len(os))
	step := 1
	for i := 1; i <= len(s); i++ {
		if d := s[len(s)-i]; d != 1 {
			st[len(os)-i] = step
			step *= d
		}
	}
	return st
}

// offset returns the position, in an array with the given strides, of the element that has row-major
// index o in an array of shape os.
func offset(o int, os, strides []int) int {
	at := 0
	for ax := len(os) - 1; ax >= 0; ax-- {
		at += (o % os[ax]) * strides[ax]
		o /= os[ax]
	}
	return at
}

// Add computes out = a + b elementwise with a (shape as) and b (shape bs) broadcast to os, which must be
// BroadcastShape(as, bs): out[i] = a[i broadcast] + b[i broadcast].
func Add[T Float](a []T, as []int, b []T, bs []int, out []T, os []int) {
	sa, sb := broadcastStrides(as, os), broadcastStrides(bs, os)
	for o := range volume(os) {
		out[o] = a[offset(o, os, sa)] + b[offset(o, os, sb)]
	}
}

// Mul computes out = a·b elementwise with a (shape as) and b (shape bs) broadcast to os, which must be
// BroadcastShape(as, bs): out[i] = a[i broadcast] · b[i broadcast].
func Mul[T Float](a []T, as []int, b []T, bs []int, out []T, os []int) {
	sa, sb := broadcastStrides(as, os), broadcastStrides(bs, os)
	for o := range volume(os) {
		out[o] = a[offset(o, os, sa)] * b[offset(o, os, sb)]
	}
}

// SumToShape is the gradient of broadcasting: it overwrites dst (shape ds, which broadcasts to ss; it may
// have lower rank, aligned on the right) with src (shape ss) summed over the axes that broadcasting
// stretched or added,
//
//	dst[j] = Σ src[i] over every i of ss whose broadcast image in ds is j.
//
// When ds and ss hold as many elements (ds is ss, up to leading 1s), dst is an exact copy of src.
func SumToShape[T Float](src []T, ss []int, dst []T, ds []int) {
	n := volume(ss)
	if volume(ds) == n {
		copy(dst[:n], src[:n])
		return
	}
	clear(dst[:volume(ds)])
	st := broadcastStrides(ds, ss)
	for i, v := range src[:n] {
		dst[offset(i, ss, st)] += v
	}
}

// MulBackward computes the gradients of out = Mul(a, b) (shapes as, bs broadcast to os) given
// dOut = ∂L/∂out, overwriting dA = SumToShape(dOut·b, as) and dB = SumToShape(dOut·a, bs), the products
// taken elementwise with broadcasting. A nil dA or dB is skipped.
func MulBackward[T Float](dOut []T, os []int, a []T, as []int, b []T, bs []int, dA, dB []T) {
	prod := make([]T, volume(os))
	if dA != nil {
		Mul(dOut, os, b, bs, prod, os)
		SumToShape(prod, os, dA, as)
	}
	if dB != nil {
		Mul(dOut, os, a, as, prod, os)
		SumToShape(prod, os, dB, bs)
	}
}
