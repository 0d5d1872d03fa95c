package tensor

import (
	"fmt"
	"math"
)

// Tensor is a dense array of one element type. Exactly one of the data slices is in use, the one that
// matches DType, and its length equals the shape's element count.
type Tensor struct {
	Shape Shape
	DType DType
	Quant *Quant // nil for float tensors and unquantized integers

	F32 []float32
	U8  []uint8
	I8  []int8
	I32 []int32
	F64 []float64
	I64 []int64
}

// New allocates a zeroed tensor of the given type and shape, refusing invalid or oversized shapes.
func New(dt DType, shape Shape) (*Tensor, error) {
	n, err := shape.Elems()
	if err != nil {
		return nil, err
	}
	t := &Tensor{Shape: shape.Clone(), DType: dt}
	switch dt {
	case Float32:
		t.F32 = make([]float32, n)
	case Uint8:
		t.U8 = make([]uint8, n)
	case Int8:
		t.I8 = make([]int8, n)
	case Int32:
		t.I32 = make([]int32, n)
	case Float64:
		t.F64 = make([]float64, n)
	case Int64:
		t.I64 = make([]int64, n)
	default:
		return nil, fmt.Errorf("tensor: unsupported element type %v", dt)
	}
	return t, nil
}

// FromFloat32 wraps data as a float32 tensor of the given shape; the lengths must agree.
func FromFloat32(shape Shape, data []float32) (*Tensor, error) {
	n, err := shape.Elems()
	if err != nil {
		return nil, err
	}
	if n != len(data) {
		return nil, fmt.Errorf("tensor: %d values do not fill shape %v (%d elements)", len(data), shape, n)
	}
	return &Tensor{Shape: shape.Clone(), DType: Float32, F32: data}, nil
}

// Len returns the number of elements held.
func (t *Tensor) Len() int {
	switch t.DType {
	case Float32:
		return len(t.F32)
	case Uint8:
		return len(t.U8)
	case Int8:
		return len(t.I8)
	case Int32:
		return len(t.I32)
	case Float64:
		return len(t.F64)
	case Int64:
		return len(t.I64)
	}
	return 0
}

// Float returns element i as a real number: float32 values as they are, 8-bit codes dequantized with
// the tensor's (per-tensor) scale and zero point, int32 values converted.
func (t *Tensor) Float(i int) float64 {
	switch t.DType {
	case Float32:
		return float64(t.F32[i])
	case Int32:
		return float64(t.I32[i])
	case Float64:
		return t.F64[i]
	case Int64:
		return float64(t.I64[i])
	}
	var q int32
	if t.DType == Uint8 {
		q = int32(t.U8[i])
	} else {
		q = int32(t.I8[i])
	}
	if t.Quant == nil {
		return float64(q)
	}
	return float64(t.Quant.S(0)) * float64(q-t.Quant.ZP(0))
}

// Floats returns every element as a real number (see Float).
func (t *Tensor) Floats() []float64 {
	out := make([]float64, t.Len())
	for i := range out {
		out[i] = t.Float(i)
	}
	return out
}

// Slice returns a view of images [i, j) of the batch (the first dimension); it shares memory with t.
func (t *Tensor) Slice(i, j int) *Tensor {
	per := 1
	for _, d := range t.Shape[1:] {
		per *= d
	}
	v := &Tensor{Shape: t.Shape.WithBatch(j - i), DType: t.DType, Quant: t.Quant}
	a, b := i*per, j*per
	switch t.DType {
	case Float32:
		v.F32 = t.F32[a:b]
	case Uint8:
		v.U8 = t.U8[a:b]
	case Int8:
		v.I8 = t.I8[a:b]
	case Int32:
		v.I32 = t.I32[a:b]
	case Float64:
		v.F64 = t.F64[a:b]
	case Int64:
		v.I64 = t.I64[a:b]
	}
	return v
}

// CopyFrom copies the elements of src into t; types and shapes must agree.
func (t *Tensor) CopyFrom(src *Tensor) error {
	if t.DType != src.DType {
		return fmt.Errorf("tensor: cannot copy %v into %v", src.DType, t.DType)
	}
	if err := CheckShape("tensor copy", t.Shape, src.Shape); err != nil {
		return err
	}
	copy(t.F32, src.F32)
	copy(t.U8, src.U8)
	copy(t.I8, src.I8)
	copy(t.I32, src.I32)
	copy(t.F64, src.F64)
	copy(t.I64, src.I64)
	return nil
}

// CopyData copies the elements of src into t, which must have the same type and element count (the
// shapes may differ: a reshape).
func (t *Tensor) CopyData(src *Tensor) error {
	if t.DType != src.DType || t.Len() != src.Len() {
		return fmt.Errorf("tensor: cannot copy %v %v into %v %v", src.DType, src.Shape, t.DType, t.Shape)
	}
	copy(t.F32, src.F32)
	copy(t.U8, src.U8)
	copy(t.I8, src.I8)
	copy(t.I32, src.I32)
	copy(t.F64, src.F64)
	copy(t.I64, src.I64)
	return nil
}

// MaxAbsDiff returns the largest |a−b| over the real values of two tensors of equal length, and an error
// when their lengths differ.
func MaxAbsDiff(a, b *Tensor) (float64, error) {
	if a.Len() != b.Len() {
		return 0, fmt.Errorf("tensor: comparing %v with %v", a.Shape, b.Shape)
	}
	m := 0.0
	for i := 0; i < a.Len(); i++ {
		m = math.Max(m, math.Abs(a.Float(i)-b.Float(i)))
	}
	return m, nil
}
