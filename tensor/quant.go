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
