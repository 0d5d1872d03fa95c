package tensor

import "fmt"

// Quant gives the real value of an 8-bit code: real = Scale·(q − ZeroPoint). With one scale the
// quantization is per tensor; with several it is per channel along Axis, one scale and zero point for
// each index of that dimension.
type Quant struct {
	Scale     []float32
	ZeroPoint []int32
	Axis      int
}

// PerTensor returns per-tensor quantization parameters.
func PerTensor(scale float32, zeroPoint int32) *Quant {
	return &Quant{Scale: []float32{scale}, ZeroPoint: []int32{zeroPoint}}
}

// PerChannel reports whether q has one scale per channel along q.Axis.
func (q *Quant) PerChannel() bool { return q != nil && len(q.Scale) > 1 }

// ZP returns the zero point of channel c (the only one for per-tensor parameters).
func (q *Quant) ZP(c int) int32 {
	if len(q.ZeroPoint) == 0 {
		return 0
	}
	if len(q.ZeroPoint) == 1 {
		return q.ZeroPoint[0]
	}
	return q.ZeroPoint[c]
}

// S returns the scale of channel c (the only one for per-tensor parameters).
func (q *Quant) S(c int) float32 {
	if len(q.Scale) == 1 {
		return q.Scale[0]
	}
	return q.Scale[c]
}

// String formats q for listings: "scale 0.0078125 zp 128" or "per-channel axis 3 (32 scales)".
func (q *Quant) String() string {
	if q == nil {
		return "-"
	}
	if q.PerChannel() {
		return fmt.Sprintf("per-channel axis %d (%d scales)", q.Axis, len(q.Scale))
	}
	return fmt.Sprintf("scale %g zp %d", q.S(0), q.ZP(0))
}

// Dequantize returns the real values of t: float32 data as it is, float64 rounded, 8-bit codes and
// int32 values through t.Quant (per tensor, or per channel along its axis; int32 without parameters as
// they are).
func (t *Tensor) Dequantize() ([]float32, error) {
	out := make([]float32, t.Len())
	switch t.DType {
	case Float32:
		copy(out, t.F32)
		return out, nil
	case Float64:
		for i, v := range t.F64 {
			out[i] = float32(v)
		}
		return out, nil
	}
	q := t.Quant
	if q == nil || len(q.Scale) == 0 {
		if t.DType != Int32 {
			return nil, fmt.Errorf("tensor: %v data without quantization parameters", t.DType)
		}
		for i, v := range t.I32 {
			out[i] = float32(v)
		}
		return out, nil
	}
	// inner is the number of elements per index of the channel axis, outer·channels·inner = Len.
	channel := func(int) int { return 0 }
	if q.PerChannel() {
		if q.Axis < 0 || q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale) {
			return nil, fmt.Errorf("tensor: %d per-channel scales on axis %d of shape %v", len(q.Scale), q.Axis, t.Shape)
		}
		inner := t.Shape[q.Axis+1:].Size()
		n := len(q.Scale)
		channel = func(i int) int { return i / inner % n }
	}
	for i := range out {
		c := channel(i)
		var v int32
		switch t.DType {
		case Uint8:
			v = int32(t.U8[i])
		case Int8:
			v = int32(t.I8[i])
		case Int32:
			v = t.I32[i]
		}
		out[i] = q.S(c) * float32(v-q.ZP(c))
	}
	return out, nil
}
