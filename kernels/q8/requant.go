package q8

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// rqInts is the size, in int32s, of one requantization block: the
// parameters of 16 output channels as seven vectors of 16 lanes (see
// packRequant), the layout the assembly reads.
const rqInts = 7 * 16

// Offsets of the vectors of a requantization block, in int32s.
const (
	rqBias  = 16 * iota // int32 bias, with the zero-point terms folded in
	rqScale             // float32 XNNPACK scale
	rqM0                // Reference significand
	rqShl               // Reference left shift, max(shift, 0)
	rqShr               // Reference right shift, max(−shift, 0)
	rqMask              // 2^shr − 1
	rqThr               // (2^shr − 1) >> 1
)

// rqScalars are the per-op constants of the requantization.
type rqScalars struct {
	lo, hi     float32 // act_min − zp and act_max − zp: the XNNPACK clamp before rounding
	zp         int32
	imin, imax int32 // act_min, act_max
	mode       int   // 0 XNNPACK, 1 Reference
}

// newScalars returns the constants of rq in rounding r.
func newScalars(rq *qmath.Requant, r qmath.Rounding) rqScalars {
	zp, lo, hi := rq.Range()
	s := rqScalars{lo: float32(lo - zp), hi: float32(hi - zp), zp: zp, imin: lo, imax: hi}
	switch r {
	case qmath.XNNPACK:
	case qmath.Reference:
		s.mode = 1
	default:
		panic(fmt.Sprintf("q8: unknown rounding %v", r))
	}
	return s
}

// packRequant writes the requantization blocks of channels 0..n-1 into dst
// (⌈n/16⌉ blocks of rqInts at a stride of stride int32s, from offset off):
// bias[c] in the bias lane and channel c's XNNPACK scale and Reference
// multiplier. Lanes past n stay zero.
func packRequant(dst []int32, off, stride int, rq *qmath.Requant, bias []int32, n int) {
	packRequantPeriod(dst, off, stride, rq, bias, n, n)
}

// packRequantPeriod is packRequant for outputs whose channel repeats with
// the given period: output c (bias[c]) takes the requantization of channel
// c % period.
func packRequantPeriod(dst []int32, off, stride int, rq *qmath.Requant, bias []int32, n, period int) {
	if rq.Channels() != 1 && rq.Channels() != period || period < 1 || n%period != 0 {
		panic(fmt.Sprintf("q8: requantization has %d channels for %d outputs of period %d", rq.Channels(), n, period))
	}
	for c := 0; c < n; c++ {
		b := dst[off+c/16*stride : off+c/16*stride+rqInts]
		l := c % 16
		b[rqBias+l] = bias[c]
		b[rqScale+l] = int32(math.Float32bits(rq.Scale(c % period)))
		m0, shift := rq.Multiplier(c % period)
		if shift < -31 || shift > 31 {
			panic(fmt.Sprintf("q8: channel %d: shift %d outside [−31, 31]", c, shift))
		}
		shl, shr := max(shift, 0), max(-shift, 0)
		mask := int32(int64(1)<<shr - 1)
		b[rqM0+l] = m0
		b[rqShl+l] = int32(shl)
		b[rqShr+l] = int32(shr)
		b[rqMask+l] = mask
		b[rqThr+l] = mask >> 1
	}
}
