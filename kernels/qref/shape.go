package qref

import "fmt"

// need panics unless a slice holds exactly the number of elements its shape implies. The kernels are
// called by code that has already validated the model, so a mismatch is a programming error.
func need(op, what string, have int, shape ...int) {
	want := 1
	for _, d := range shape {
		if d < 0 {
			want = -1
			break
		}
		want *= d
	}
	if have != want {
		// The shape is copied so that it does not escape: the check itself allocates nothing.
		s := append([]int(nil), shape...)
		fail(op, "%s has %d elements, shape %v needs %d (or has a negative dimension)", what, have, s, want)
	}
}

// fail panics with a formatted message. Kernels call it only when a check fails, so that the
// arguments are not boxed (allocated) on every call.
func fail(op, format string, args ...any) {
	panic(fmt.Sprintf("qref: "+op+": "+format, args...))
}

// atLeast1 maps the zero value of a stride or dilation to 1.
func atLeast1(v int) int { return max(v, 1) }

// isSigned reports whether T is int8: 0 − 1 is negative only for a signed type.
func isSigned[T uint8 | int8]() bool {
	var x T
	x--
	return x < 0
}

// typeRange returns T's code range: [0, 255] or [−128, 127].
func typeRange[T uint8 | int8]() (lo, hi int32) {
	if isSigned[T]() {
		return -128, 127
	}
	return 0, 255
}

// clamp32 returns v clamped to [lo, hi].
func clamp32(v, lo, hi int32) int32 { return min(max(v, lo), hi) }
