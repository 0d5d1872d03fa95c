package tensor

import (
	"fmt"
	"strconv"
	"strings"
)

// MaxElems bounds the number of elements of any tensor the project allocates (2^31 − 1), so that a
// hostile shape is refused before it can exhaust memory or overflow an int.
const MaxElems = 1<<31 - 1

// Shape is the list of a tensor's dimensions, outermost first. Activations are NHWC.
type Shape []int

// Elems returns the number of elements of s, or an error when a dimension is negative or the product
// exceeds MaxElems.
func (s Shape) Elems() (int, error) {
	n := 1
	for i, d := range s {
		if d < 0 {
			return 0, fmt.Errorf("shape %v: dimension %d is negative", s, i)
		}
		if d != 0 && n > MaxElems/d {
			return 0, fmt.Errorf("shape %v: more than %d elements", s, MaxElems)
		}
		n *= d
	}
	return n, nil
}

// Size returns the number of elements of a shape already known to be valid.
func (s Shape) Size() int {
	n := 1
	for _, d := range s {
		n *= d
	}
	return n
}

// Equal reports whether s and t have the same dimensions.
func (s Shape) Equal(t Shape) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range s {
		if s[i] != t[i] {
			return false
		}
	}
	return true
}

// Clone returns a copy of s that shares no memory with it.
func (s Shape) Clone() Shape { return append(Shape(nil), s...) }

// WithBatch returns a copy of s whose first dimension is n.
func (s Shape) WithBatch(n int) Shape {
	t := s.Clone()
	if len(t) > 0 {
		t[0] = n
	}
	return t
}

// String formats s as [1 224 224 3].
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = strconv.Itoa(d)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// NHWC returns the four dimensions of a rank-4 shape.
func (s Shape) NHWC() (n, h, w, c int) { return s[0], s[1], s[2], s[3] }

// CheckShape returns an error naming both shapes when got differs from want; what says which tensor.
func CheckShape(what string, want, got Shape) error {
	if !want.Equal(got) {
		return fmt.Errorf("%s: shape %v does not match the expected %v", what, got, want)
	}
	return nil
}
