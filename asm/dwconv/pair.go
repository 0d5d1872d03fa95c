package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

// pairGroups are the output pixel counts a pair kernel processes together.
var pairGroups = []int{4, 2, 1}

// pair holds the registers of a pair kernel.
type pair struct {
	name       string
	s          int
	out0, out1 reg.GPVirtual
	in         reg.GPVirtual // first input pixel of the top input row
	rs         reg.GPVirtual // input row step in bytes
	c4, c12    reg.GPVirtual // one and three pixel steps in bytes
	n          reg.GPVirtual // output pixels left
	coff       reg.GPVirtual // byte offset of the current channel block
	wblk       reg.GPVirtual // packed block: bias, then nine taps
	lo, hi     reg.VecVirtual
}

// pairKernel emits the AVX-512 kernel computing two consecutive output rows
// at once, for pixels whose nine taps all lie inside the input: the 3+s input
// rows are read once for both, instead of three times each.
func pairKernel(s int) {
	name := fmt.Sprintf("dw3x3F32AVX512S%dPair", s)
	TEXT(name, NOSPLIT, "func(out0, out1, in, w *float32, c, inRow, npix int, lo, hi float32, fullBytes int, tail uint16)")
	Pragma("noescape")
	Doc(
		fmt.Sprintf("%s computes npix pixels of two output rows at stride %d whose taps all", name, s),
		"lie inside the input:",
		"",
		"\tfor y := 0; y < 2; y++ {",
		"\t\tfor p := 0; p < npix; p++ {",
		"\t\t\tfor ch := 0; ch < c; ch++ {",
		"\t\t\t\tb := (ch / 16) * 160",
		"\t\t\t\tsum := w[b+ch%16]",
		"\t\t\t\tfor i := 0; i < 3; i++ {",
		"\t\t\t\t\tfor j := 0; j < 3; j++ {",
		fmt.Sprintf("\t\t\t\t\t\tsum += in[(y*%d+i)*inRow+(p*%d+j)*c+ch] * w[b+(1+3*i+j)*16+ch%%16]", s, s),
		"\t\t\t\t\t}",
		"\t\t\t\t}",
		"\t\t\t\tout_y[p*c+ch] = min(max(sum, lo), hi)",
		"\t\t\t}",
		"\t\t}",
		"\t}",
		"",
		"out_y is out0, out1; c and inRow count floats; npix ≥ 0.",
	)
	Comment("fullBytes = 64·(c/16) spans the full blocks; tail masks the lanes of the last block (0: none).")
	p := &pair{name: name, s: s}
	p.out0, p.out1, p.in = gen.LoadParam("out0"), gen.LoadParam("out1"), gen.LoadParam("in")
	p.rs = gen.LoadParam("inRow")
	SHLQ(U8(2), p.rs)
	p.c4 = gen.LoadParam("c")
	SHLQ(U8(2), p.c4)
	p.c12 = GP64()
	LEAQ(Mem{Base: p.c4, Index: p.c4, Scale: 2}, p.c12)
	p.n = gen.LoadParam("npix")
	p.lo, p.hi = ZMM(), ZMM()
	VBROADCASTSS(gen.ParamAddr("lo"), p.lo)
	VBROADCASTSS(gen.ParamAddr("hi"), p.hi)
	p.coff, p.wblk = GP64(), GP64()
	t := GP32()
	MOVWLZX(gen.ParamAddr("tail"), t)
	k := K()
	KMOVW(t, k)

	for gi, u := range pairGroups {
		l := fmt.Sprintf("%s_g%d", name, u)
		next := name + "_ret"
		if gi+1 < len(pairGroups) {
			next = fmt.Sprintf("%s_g%d", name, pairGroups[gi+1])
		}
		Label(l)
		CMPQ(p.n, U8(u))
		JB(LabelRef(next))
		XORQ(p.coff, p.coff)
		Load(Param("w"), p.wblk)
		Label(l + "_blk")
		CMPQ(p.coff, gen.ParamAddr("fullBytes"))
		JAE(LabelRef(l + "_tail"))
		p.body(u, mask{})
		ADDQ(U8(64), p.coff)
		ADDQ(U32(blockBytes), p.wblk)
		JMP(LabelRef(l + "_blk"))
		Label(l + "_tail")
		KORTESTW(k, k)
		JZ(LabelRef(l + "_next"))
		p.body(u, mask{K: k})
		Label(l + "_next")
		step := GP64()
		MOVQ(p.c4, step)
		if sh := log2(u); sh > 0 {
			SHLQ(U8(sh), step)
		}
		ADDQ(step, p.out0)
		ADDQ(step, p.out1)
		if s == 2 {
			SHLQ(U8(1), step)
		}
		ADDQ(step, p.in)
		SUBQ(U8(u), p.n)
		JMP(LabelRef(l))
	}
	Label(name + "_ret")
	VZEROUPPER()
	RET()
}

// body computes u pixels of both output rows for the current channel block.
func (p *pair) body(u int, msk mask) {
	var w [3][3]reg.VecVirtual
	for i := range w {
		for j := range w[i] {
			w[i][j] = ZMM()
			VMOVUPS(Mem{Base: p.wblk, Disp: (1 + 3*i + j) * 64}, w[i][j])
		}
	}
	acc := [2][]reg.VecVirtual{make([]reg.VecVirtual, u), make([]reg.VecVirtual, u)}
	for y := range acc {
		for q := range acc[y] {
			acc[y][q] = ZMM()
			if y == 0 && q == 0 {
				VMOVUPS(Mem{Base: p.wblk}, acc[y][q])
			} else {
				VMOVAPS(acc[0][0], acc[y][q])
			}
		}
	}
	rb, q := GP64(), GP64()
	LEAQ(Mem{Base: p.in, Index: p.coff, Scale: 1}, rb)
	cols := (u-1)*p.s + 3
	for r := 0; r < 3+p.s; r++ {
		// Input row r is row r of the window of output row 0 and row
		// r-s of that of output row 1.
		switch r {
		case 0:
			MOVQ(rb, q)
		case 3:
			LEAQ(Mem{Base: rb, Index: p.rs, Scale: 2}, q)
			ADDQ(p.rs, q)
		default:
			LEAQ(Mem{Base: rb, Index: p.rs, Scale: uint8(r)}, q)
		}
		x := make([]reg.VecVirtual, cols)
		for t := range x {
			if t > 0 && t%3 == 0 {
				ADDQ(p.c12, q)
			}
			x[t] = ZMM()
			loadVec(scaled(q, p.c4, t%3), msk, x[t])
		}
		for y, ky := range [2]int{r, r - p.s} {
			if ky < 0 || ky > 2 {
				continue
			}
			for j := 0; j < 3; j++ {
				for o := range acc[y] {
					VFMADD231PS(x[o*p.s+j], w[ky][j], acc[y][o])
				}
			}
		}
	}
	for y, out := range [2]reg.GPVirtual{p.out0, p.out1} {
		LEAQ(Mem{Base: out, Index: p.coff, Scale: 1}, q)
		for o := range acc[y] {
			VMAXPS(p.lo, acc[y][o], acc[y][o])
			VMINPS(p.hi, acc[y][o], acc[y][o])
			storeVec(acc[y][o], msk, Mem{Base: q})
			if o+1 < len(acc[y]) {
				ADDQ(p.c4, q)
			}
		}
	}
}
