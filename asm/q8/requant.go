package main

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

// A requantization block holds the parameters of 16 output channels as seven
// vectors of 16 lanes, 448 bytes:
//
//	0 bias   int32: added to the accumulator
//	1 scale  float32: XNNPACK's float32(float32(s_x·s_w)/s_y)
//	2 m0     int32: the Reference significand
//	3 shl    int32: max(shift, 0)
//	4 shr    int32: max(−shift, 0)
//	5 rmask  int32: 2^shr − 1
//	6 rthr   int32: rmask >> 1
//
// and the kernels take the scalars lo = act_min − zp and hi = act_max − zp
// (as float32), zp, imin = act_min and imax = act_max, and mode (0 XNNPACK,
// 1 Reference).
const (
	rqBias = 64 * iota
	rqScale
	rqM0
	rqShl
	rqShr
	rqMask
	rqThr
	rqBlock // bytes per block
)

const requantDoc = "requant is qmath.Requant.Apply: with mode 0 (XNNPACK) " +
	"clamp(roundHalfEven(float32(acc)·scale), lo, hi) + zp, with mode 1 (Reference) " +
	"clamp(MultiplyByQuantizedMultiplier(acc, m0, shl−shr) + zp, imin, imax), " +
	"the parameters of channel ch read from its 448-byte requantization block."

// xnnConsts are the broadcast scalars of the XNNPACK rounding.
type xnnConsts struct{ lo, hi, zp reg.VecVirtual }

func loadXNN() xnnConsts {
	c := xnnConsts{ZMM(), ZMM(), ZMM()}
	VBROADCASTSS(gen.ParamAddr("lo"), c.lo)
	VBROADCASTSS(gen.ParamAddr("hi"), c.hi)
	broadcastParam("zp", c.zp)
	return c
}

// broadcastParam broadcasts the int32 argument name to every lane of z (by
// way of a register: vet's asmdecl takes a VPBROADCASTD from memory for a
// wider load).
func broadcastParam(name string, z reg.VecVirtual) {
	t := GP32()
	MOVL(gen.ParamAddr(name), t)
	VPBROADCASTD(t, z)
}

// xnnRequant maps the int32 lanes of a in place to output codes with the
// XNNPACK rounding: float32(a)·scale (one float32 rounding each), clamped
// to [lo, hi] in float, converted half to even, plus zp. blk addresses the
// requantization block.
func xnnRequant(a reg.VecVirtual, blk Mem, c xnnConsts) {
	VCVTDQ2PS(a, a)
	VMULPS(blk.Offset(rqScale), a, a)
	VMAXPS(c.lo, a, a)
	VMINPS(c.hi, a, a)
	VCVTPS2DQ(a, a)
	VPADDD(c.zp, a, a)
}

// refConsts are the constants of the Reference rounding.
type refConsts struct {
	nudge, one, zp, imin, imax reg.VecVirtual
	odd                        reg.OpmaskVirtual // the odd lanes
}

func loadRef() refConsts {
	c := refConsts{nudge: ZMM(), one: ZMM(), zp: ZMM(), imin: ZMM(), imax: ZMM(), odd: K()}
	t := GP64()
	MOVQ(U32(1<<30), t)
	VPBROADCASTQ(t, c.nudge)
	MOVL(U32(1), t.As32())
	VPBROADCASTD(t.As32(), c.one)
	MOVL(U32(0xAAAA), t.As32())
	KMOVW(t.As32(), c.odd)
	broadcastParam("zp", c.zp)
	broadcastParam("imin", c.imin)
	broadcastParam("imax", c.imax)
	return c
}

// refRequant maps the int32 lanes of a in place to output codes with the
// Reference rounding, TFLite's MultiplyByQuantizedMultiplier:
//
//	x := a << shl                          (wrapping, as int32 multiplication)
//	h := int32((int64(x)·m0 + 2^30) >> 31) (SaturatingRoundingDoublingHighMul)
//	r := h>>shr + (h&rmask > rthr − (h>>31) ? 1 : 0)   (RoundingDivideByPOT)
//	a  = clamp(r + zp, imin, imax)
//
// The high multiply rounds half up for either sign, which is gemmlowp's
// nudge of 2^30 or 1 − 2^30 followed by a division that truncates toward
// zero; m0 ≥ 0, so its one saturating case (both operands −2^31) cannot
// occur.
func refRequant(a reg.VecVirtual, blk Mem, c refConsts) {
	VPSLLVD(blk.Offset(rqShl), a, a)
	even, odd, m := ZMM(), ZMM(), ZMM()
	VPMULDQ(blk.Offset(rqM0), a, even)
	VPSHUFD(U8(0xF5), a, odd)
	VPSHUFD(U8(0xF5), blk.Offset(rqM0), m)
	VPMULDQ(m, odd, odd)
	VPADDQ(c.nudge, even, even)
	VPADDQ(c.nudge, odd, odd)
	VPSRLQ(U8(31), even, even) // low dword: bits 31..62
	VPSLLQ(U8(1), odd, odd)    // high dword: bits 31..62
	VMOVDQA32(odd, c.odd, even)
	// even now holds h.
	VPSRAVD(blk.Offset(rqShr), even, a)
	VPANDD(blk.Offset(rqMask), even, odd)
	VPSRAD(U8(31), even, m)
	VPADDD(m, odd, odd)
	up := K()
	VPCMPGTD(blk.Offset(rqThr), odd, up)
	VPADDD(c.one, a, up, a)
	VPADDD(c.zp, a, a)
	VPMAXSD(c.imin, a, a)
	VPMINSD(c.imax, a, a)
}
