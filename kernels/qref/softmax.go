package qref

import (
	"fmt"
	"math"
)

// outScaleSoftmax is the output scale TFLite requires of 8-bit SOFTMAX and LOGISTIC.
const outScaleSoftmax float32 = 1.0 / 256

// SoftmaxTable holds the exponential table of TFLite's default 8-bit SOFTMAX kernel
// (optimized_ops::PopulateSoftmaxLookupTable):
//
//	table[255 − v] = expf(float32(−s_in·β) · v)   for v = 0..255
//
// so table[255 − m + q] = exp(−s_in·β·(m − q)) for a row maximum m and a value q ≤ m.
type SoftmaxTable struct {
	table  [256]float32
	signed bool
}

// NewSoftmax builds the table for input scale inScale and softmax parameter beta, for uint8
// (signed = false: output zero point 0) or int8 (signed = true: output zero point −128); the output
// scale is 1/256 in both cases. Each entry is exp evaluated in float64 and rounded to float32, which
// equals glibc's expf except possibly in its last bit on rare arguments.
func NewSoftmax(inScale, beta float32, signed bool) *SoftmaxTable {
	if !(inScale > 0) {
		panic(fmt.Sprintf("qref: NewSoftmax: input scale %v must be > 0", inScale))
	}
	s := &SoftmaxTable{signed: signed}
	scale := -inScale * beta
	for v := 0; v <= 255; v++ {
		s.table[255-v] = float32(math.Exp(float64(float32(scale * float32(v)))))
	}
	return s
}

// Softmax computes TFLite's default-CPU 8-bit SOFTMAX (optimized_ops::Softmax with the float table,
// the kernel used off aarch64) over rows of length depth:
//
//	m    = max_j q_j
//	e_j  = table[255 − m + q_j]
//	S    = e_0 + e_1 + … in float32, left to right
//	inv  = float32(1 / (S · 1/256))
//	p_j  = float32(e_j · inv)
//	uint8: out_j = clamp(int32(float32(p_j + 0.5)), 0, 255)      (truncation)
//	int8:  out_j = clamp(round(p_j) − 128, −128, 127)            (round half away from zero)
//
// s must have been built for T's signedness. in and out hold whole rows.
func Softmax[T uint8 | int8](s *SoftmaxTable, in []T, depth int, out []T) {
	const op = "Softmax"
	signed := isSigned[T]()
	if !(s.signed == signed) {
		fail(op, "table built for signed=%v, data signed=%v", s.signed, signed)
	}
	if !(depth >= 1 && len(in)%depth == 0) {
		fail(op, "input length %d is not a multiple of depth %d", len(in), depth)
	}
	if !(len(out) == len(in)) {
		fail(op, "output has %d elements, input %d", len(out), len(in))
	}
	lo, hi := typeRange[T]()
	for r := 0; r < len(in); r += depth {
		row, dst := in[r:r+depth], out[r:r+depth]
		m := int32(row[0])
		for _, q := range row {
			m = max(m, int32(q))
		}
		var sum float32
		for _, q := range row {
			sum += s.table[255-m+int32(q)]
		}
		inv := float32(1) / float32(sum*outScaleSoftmax)
		for j, q := range row {
			p := float32(s.table[255-m+int32(q)] * inv)
			var v int32
			if signed {
				v = int32(math.Round(float64(p))) - 128
			} else {
				v = int32(float32(p + 0.5))
			}
			dst[j] = T(clamp32(v, lo, hi))
		}
	}
}
