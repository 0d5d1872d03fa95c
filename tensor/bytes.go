package tensor

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FromBytes decodes a tensor of type dt and the given shape from its little-endian bytes (one byte per
// 8-bit element, four per float32 or int32, eight per float64 or int64), refusing data of the wrong length.
func FromBytes(dt DType, shape Shape, b []byte) (*Tensor, error) {
	t, err := New(dt, shape)
	if err != nil {
		return nil, err
	}
	if want := t.Len() * dt.Size(); len(b) != want {
		return nil, fmt.Errorf("tensor: %d bytes do not hold %v %v (%d bytes)", len(b), dt, shape, want)
	}
	switch dt {
	case Float32:
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case Int32:
		for i := range t.I32 {
			t.I32[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
	case Float64:
		for i := range t.F64 {
			t.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case Int64:
		for i := range t.I64 {
			t.I64[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
		}
	case Uint8:
		copy(t.U8, b)
	case Int8:
		for i, v := range b {
			t.I8[i] = int8(v)
		}
	}
	return t, nil
}

// Bytes returns the tensor's elements as little-endian bytes, the layout FromBytes reads.
func (t *Tensor) Bytes() []byte {
	b := make([]byte, t.Len()*t.DType.Size())
	switch t.DType {
	case Float32:
		for i, v := range t.F32 {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
	case Int32:
		for i, v := range t.I32 {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
		}
	case Float64:
		for i, v := range t.F64 {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(v))
		}
	case Int64:
		for i, v := range t.I64 {
			binary.LittleEndian.PutUint64(b[8*i:], uint64(v))
		}
	case Uint8:
		copy(b, t.U8)
	case Int8:
		for i, v := range t.I8 {
			b[i] = byte(v)
		}
	}
	return b
}
