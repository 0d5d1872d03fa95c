package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

// dwBlock is the size of one packed depthwise block of 16 channels: the nine
// taps as int32 lanes (the weight minus its zero point in the low 16 bits,
// zero above), then the channels' requantization block, 1024 bytes.
const (
	dwTaps  = 9 * 64
	dwBlock = dwTaps + rqBlock
)

const dwSignature = "func(out *byte, in0, in1, in2 *byte, w *int32, tap, c, npix int, zx int32, lo, hi float32, zp, imin, imax int32, mode int, tail uint16)"

// dwKernel emits the depthwise kernel of stride s, nr input rows and nc taps
// per row: npix output pixels of one row, whose taps at rows 0..nr-1 and
// columns 0..nc-1 of the window (relative to the first valid tap) lie
// inside the input. It walks the channels in blocks of 16 and, within a
// block, the pixels in groups, holding the block's taps in registers.
//
// With x the input byte (zero- or sign-extended to an int32 lane, whose
// high word is then 0 or −1) and w' the weight in the low word of a lane
// whose high word is 0, VPDPWSSD adds x·w' exactly. The input zero point is
// folded into the bias of each block: bias − zx·Σ w' over the valid taps.
// Spans are computed in groups of pixels (see loops).
func dwKernel(signed bool, s, nr, nc int) {
	name := fmt.Sprintf("dw3x3%sVNNIS%dR%dC%d", typeName(signed), s, nr, nc)
	TEXT(name, NOSPLIT, dwSignature)
	Pragma("noescape")
	dwDoc(name, signed, s, nr, nc)

	n0 := gen.LoadParam("npix")
	TESTQ(n0, n0)
	JZ(LabelRef(name + "_done"))
	// The mask of the last block: tail, or all 16 lanes when tail is 0.
	tm, full := GP32(), GP32()
	MOVWLZX(gen.ParamAddr("tail"), tm)
	MOVL(U32(0xFFFF), full)
	TESTL(tm, tm)
	CMOVLEQ(full, tm)
	MOVW(tm.As16(), gen.ParamAddr("tail"))
	SHLQ(U8(6), gen.ParamAddr("tap")) // tap offset in bytes
	CMPQ(gen.ParamAddr("mode"), U8(0))
	JNE(LabelRef(name + "_ref"))
	dwLoop(name+"_x", signed, s, nr, nc, false)
	JMP(LabelRef(name + "_done"))
	Label(name + "_ref")
	dwLoop(name+"_r", signed, s, nr, nc, true)
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// dwState holds the registers shared by a kernel's loops.
type dwState struct {
	pre    string
	signed bool
	s      int // stride
	nr, nc int
	ref    bool
	xc     xnnConsts
	rc     refConsts
	w      [][]reg.VecVirtual // the taps of the current block
	bias   reg.VecVirtual     // the block's bias, zero-point terms folded in
	km     reg.OpmaskVirtual  // the block's valid channels
	r      []reg.GPVirtual    // first input pixel of each row
	o      reg.GPVirtual      // first output pixel
	c, c3  reg.GPVirtual      // pixel step and three pixel steps, in bytes
	wb     reg.GPVirtual      // the current block
	masked bool               // whether loads and stores use km
}

// dwLoop emits the loops over channel blocks and pixels in one rounding. The
// input rows and the output advance by 16 channels per block in their
// argument slots.
func dwLoop(pre string, signed bool, s, nr, nc int, ref bool) {
	st := &dwState{pre: pre, signed: signed, s: s, nr: nr, nc: nc, ref: ref}
	if ref {
		st.rc = loadRef()
	} else {
		st.xc = loadXNN()
	}
	// VPXORD x, x, x reads x as far as avo's liveness is concerned: zero one
	// register here and copy it.
	zero := ZMM()
	VPXORD(zero, zero, zero)
	zx, onesLo := ZMM(), ZMM()
	broadcastParam("zx", zx)
	t := GP32()
	MOVL(U32(1), t)
	VPBROADCASTD(t, onesLo)
	st.c = gen.LoadParam("c")
	st.c3 = GP64()
	LEAQ(Mem{Base: st.c, Index: st.c, Scale: 2}, st.c3)
	st.wb = gen.LoadParam("w")
	nb := gen.LoadParam("c")
	ADDQ(U8(15), nb)
	SHRQ(U8(4), nb)

	Label(pre + "_block")
	st.km = K()
	ones := GP32()
	MOVL(U32(0xFFFF), ones)
	KMOVW(ones, st.km)
	CMPQ(nb, U8(1))
	JNE(LabelRef(pre + "_full"))
	KMOVW(gen.ParamAddr("tail"), st.km)
	Label(pre + "_full")
	wt := GP64()
	MOVQ(st.wb, wt)
	ADDQ(gen.ParamAddr("tap"), wt)
	st.w = make([][]reg.VecVirtual, nr)
	st.bias = ZMM()
	for i := range st.w {
		st.w[i] = make([]reg.VecVirtual, nc)
		for j := range st.w[i] {
			st.w[i][j] = ZMM()
			VMOVDQU32(Mem{Base: wt, Disp: (3*i + j) * 64}, st.w[i][j])
		}
	}
	VMOVDQU32(Mem{Base: st.wb, Disp: dwTaps + rqBias}, st.bias)
	// bias −= zx·Σ w' over the valid taps (a lane's low word times 1).
	CMPL(gen.ParamAddr("zx"), U8(0))
	JE(LabelRef(pre + "_folded"))
	corr := ZMM()
	VMOVDQA64(zero, corr)
	for i := range st.w {
		for j := range st.w[i] {
			vpdpwssd(st.w[i][j], onesLo, corr)
		}
	}
	VPMULLD(zx, corr, corr)
	VPSUBD(corr, st.bias, st.bias)
	Label(pre + "_folded")

	// Full blocks load and store without a mask, which halves the rate of
	// the extending loads; the last block of a channel count that is not a
	// multiple of 16 uses it.
	CMPQ(nb, U8(1))
	JNE(LabelRef(pre + "_unmasked"))
	CMPW(gen.ParamAddr("tail"), U16(0xFFFF))
	JNE(LabelRef(pre + "_masked"))
	Label(pre + "_unmasked")
	st.pre, st.masked = pre+"_u", false
	st.loops()
	JMP(LabelRef(pre + "_next"))
	Label(pre + "_masked")
	st.pre, st.masked = pre+"_m", true
	st.loops()

	Label(pre + "_next")
	for i := 0; i < nr; i++ {
		ADDQ(U8(16), gen.ParamAddr(fmt.Sprintf("in%d", i)))
	}
	ADDQ(U8(16), gen.ParamAddr("out"))
	ADDQ(U32(dwBlock), st.wb)
	DECQ(nb)
	JNZ(LabelRef(pre + "_block"))
}

// loops emits the pixel loops of one block: groups of eight (XNNPACK
// rounding only: the Reference rounding is not the speed path, and its
// requantization would not leave the registers), then groups of four, the
// last of which steps back over pixels already computed when fewer than
// four are left (their outputs are written again with the same values);
// spans shorter than four go pixel by pixel.
func (st *dwState) loops() {
	st.r = make([]reg.GPVirtual, st.nr)
	for i := range st.r {
		st.r[i] = gen.LoadParam(fmt.Sprintf("in%d", i))
	}
	st.o = gen.LoadParam("out")
	n := gen.LoadParam("npix")
	CMPQ(n, U8(4))
	JB(LabelRef(st.pre + "_single"))
	if !st.ref {
		Label(st.pre + "_g8")
		CMPQ(n, U8(8))
		JB(LabelRef(st.pre + "_rest"))
		st.pixels(8)
		SUBQ(U8(8), n)
		JMP(LabelRef(st.pre + "_g8"))
	}
	Label(st.pre + "_rest")
	TESTQ(n, n)
	JZ(LabelRef(st.pre + "_next"))
	CMPQ(n, U8(4))
	JAE(LabelRef(st.pre + "_g4"))
	back := GP64()
	MOVQ(U32(4), back)
	SUBQ(n, back)
	IMULQ(st.c, back)
	SUBQ(back, st.o)
	for _, r := range st.r {
		for k := 0; k < st.s; k++ {
			SUBQ(back, r)
		}
	}
	MOVQ(U32(4), n)
	Label(st.pre + "_g4")
	st.pixels(4)
	SUBQ(U8(4), n)
	JMP(LabelRef(st.pre + "_rest"))
	Label(st.pre + "_single")
	TESTQ(n, n)
	JZ(LabelRef(st.pre + "_next"))
	st.pixels(1)
	DECQ(n)
	JMP(LabelRef(st.pre + "_single"))
	Label(st.pre + "_next")
}

// pixels emits u output pixels of the current block and advances the input
// rows and the output past them. The multiply-adds go input pixel by input
// pixel: input pixel t of a window row is tap j of output pixel p when
// t = p·stride + j, so each input vector is loaded once, feeds the (up to
// three) accumulators that use it, and dies.
func (st *dwState) pixels(u int) {
	acc := make([]reg.VecVirtual, u)
	for p := range acc {
		acc[p] = ZMM()
		VMOVDQA32(st.bias, acc[p])
	}
	q := GP64()
	for i := range st.w {
		MOVQ(st.r[i], q)
		at := 0 // q addresses input pixel at
		for t := 0; t < (u-1)*st.s+st.nc; t++ {
			var uses [][2]int // (p, j)
			for j := 0; j < st.nc; j++ {
				if p := (t - j) / st.s; t >= j && (t-j)%st.s == 0 && p < u {
					uses = append(uses, [2]int{p, j})
				}
			}
			if len(uses) == 0 {
				continue
			}
			for ; at+3 <= t; at += 3 {
				ADDQ(st.c3, q)
			}
			addr := Mem{Base: q}
			if t > at {
				addr.Index, addr.Scale = st.c, uint8(t-at)
			}
			x := ZMM()
			switch {
			case st.signed && st.masked:
				VPMOVSXBD_Z(addr, st.km, x)
			case st.masked:
				VPMOVZXBD_Z(addr, st.km, x)
			case st.signed:
				VPMOVSXBD(addr, x)
			default:
				VPMOVZXBD(addr, x)
			}
			for _, pj := range uses {
				vpdpwssd(st.w[i][pj[1]], x, acc[pj[0]])
			}
		}
	}
	blk := Mem{Base: st.wb, Disp: dwTaps}
	o := GP64()
	MOVQ(st.o, o)
	for p, a := range acc {
		if st.ref {
			refRequant(a, blk, st.rc)
		} else {
			xnnRequant(a, blk, st.xc)
		}
		if p > 0 && p%4 == 0 {
			LEAQ(Mem{Base: o, Index: st.c, Scale: 4}, o)
		}
		addr := Mem{Base: o}
		switch p % 4 {
		case 1, 2:
			addr.Index, addr.Scale = st.c, uint8(p%4)
		case 3:
			addr.Index, addr.Scale = st.c3, 1
		}
		if st.masked {
			VPMOVDB(a, st.km, addr)
		} else {
			VPMOVDB(a, addr)
		}
	}
	for _, r := range st.r {
		for k := u * st.s; k > 0; k -= min(k, 8) {
			LEAQ(Mem{Base: r, Index: st.c, Scale: uint8(min(k, 8))}, r)
		}
	}
	LEAQ(Mem{Base: st.o, Index: st.c, Scale: uint8(u)}, st.o)
}

func dwDoc(name string, signed bool, s, nr, nc int) {
	ext := "uint8"
	if signed {
		ext = "int8"
	}
	Doc(
		fmt.Sprintf("%s computes npix output pixels of a depthwise 3×3 convolution at stride %d from %d input rows and %d taps per row:", name, s, nr, nc),
		"",
		"\tfor p := 0; p < npix; p++ {",
		"\t\tfor ch := 0; ch < c; ch++ {",
		"\t\t\tb := (ch / 16) * 256 // int32s per packed block",
		"\t\t\tacc := w[b+144+ch%16] // the bias",
		fmt.Sprintf("\t\t\tfor i := 0; i < %d; i++ {", nr),
		fmt.Sprintf("\t\t\t\tfor j := 0; j < %d; j++ {", nc),
		fmt.Sprintf("\t\t\t\t\tacc += (int32(%s(in_i[(p*%d+j)*c+ch])) - zx) * int32(int16(w[b+(tap+3*i+j)*16+ch%%16]))", ext, s),
		"\t\t\t\t}",
		"\t\t\t}",
		"\t\t\tout[p*c+ch] = requant(acc, ch)",
		"\t\t}",
		"\t}",
		"",
		fmt.Sprintf("in_i is in0, in1, in2 (those past in%d are not read); each packed block holds", nr-1),
		"the nine taps of 16 channels (int32 lanes holding the weight minus its zero",
		"point in the low 16 bits), then their requantization block; tail masks the",
		"channels of the last block (0: all 16). "+requantDoc,
		"c counts bytes; npix ≥ 0.",
	)
}
