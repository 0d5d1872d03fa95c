package tensor

import "fmt"

// DType is the element type of a tensor.
type DType uint8

// The element types a tensor can hold.
const (
	Float32 DType = iota + 1
	Uint8
	Int8
	Int32
	Float64 // the float64 reference path (gradient checks)
	Int64   // indices (TFLite ARG_MAX's output)
)

// String returns the lower-case name of d, as TFLite and NumPy spell it ("float32", "uint8", ...).
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int32:
		return "int32"
	case Float64:
		return "float64"
	case Int64:
		return "int64"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// Size returns the number of bytes of one element of type d, or 0 for an unknown type.
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Uint8, Int8:
		return 1
	case Float64, Int64:
		return 8
	}
	return 0
}

// Quantized reports whether d holds 8-bit codes that stand for real numbers through a Quant.
func (d DType) Quantized() bool { return d == Uint8 || d == Int8 }

// Float reports whether d holds real numbers directly (float32 or float64).
func (d DType) Float() bool { return d == Float32 || d == Float64 }
