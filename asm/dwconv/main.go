// Command dwconv generates the float32 depthwise 3×3 convolution kernels of
// package kernels.
//
// Each kernel computes npix output pixels of one output row, at input stride
// s, from nr input rows and nc taps per row (s ∈ 1..2, nr, nc ∈ 1..3; the
// caller drops the taps that fall in the padding and points in0.. and w at
// the first valid ones):
//
//	for p := 0; p < npix; p++ {
//		for ch := 0; ch < c; ch++ {
//			s := bias[blk(ch)+ch%16]
//			for i := 0; i < nr; i++ {
//				for j := 0; j < nc; j++ {
//					s += in_i[(p*s+j)*c+ch] * w[blk(ch)+(1+3*i+j)*16+ch%16]
//				}
//			}
//			out[p*c+ch] = min(max(s, lo), hi)
//		}
//	}
//
// where blk(ch) = (ch/16)*160: the packed weights hold, for each block of 16
// channels, the bias (slot 0) and the nine taps in row-major order.
//
// The kernels walk groups of output pixels and, inside a group, every block
// of channels, so that memory is read in order. Within a block the AVX-512
// kernels load each input vector once and multiply it into every output
// pixel of the group that uses it. The AVX-512 pair kernels (pair.go) compute
// two output rows at once where all nine taps lie inside the input, reading
// the 3+s input rows once for both.
//
// Usage (from package kernels, see its go:generate lines):
//
//	go run ./dwconv -isa avx512 -out f32_dwconv3x3_avx512_amd64.s -stubs f32_dwconv3x3_avx512_stubs_amd64.go -pkg kernels
//	go run ./dwconv -isa avx2 -out f32_dwconv3x3_avx2_amd64.s -stubs f32_dwconv3x3_avx2_stubs_amd64.go -pkg kernels
package main

import (
	"flag"
	"fmt"
	"log"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

// blockBytes is the size of one packed block: the bias and nine taps of 16
// floats.
const blockBytes = 10 * 16 * 4

// groups are the output pixel counts processed together, largest first.
var groups = []int{8, 4, 2, 1}

func main() {
	isa := flag.String("isa", "avx512", "instruction set: avx512 or avx2")
	flag.Parse()
	ConstraintExpr(gen.Constraint)
	var ymm bool
	switch *isa {
	case "avx512":
	case "avx2":
		ymm = true
		lanes = GLOBL("dw3x3F32Lanes", RODATA|NOPTR)
		for l := 0; l < 8; l++ {
			DATA(4*l, U32(uint32(l)))
		}
	default:
		log.Fatalf("dwconv: unknown -isa %q", *isa)
	}
	for s := 1; s <= 2; s++ {
		if !ymm {
			pairKernel(s)
		}
		for nr := 1; nr <= 3; nr++ {
			for nc := 1; nc <= 3; nc++ {
				if ymm {
					avx2Kernel(s, nr, nc)
				} else {
					avx512Kernel(s, nr, nc)
				}
			}
		}
	}
	Generate()
}

func doc(name string, s, nr, nc int) {
	Doc(
		fmt.Sprintf("%s computes npix output pixels at stride %d from %d input rows and %d taps per row:", name, s, nr, nc),
		"",
		"\tfor p := 0; p < npix; p++ {",
		"\t\tfor ch := 0; ch < c; ch++ {",
		"\t\t\tb := (ch / 16) * 160",
		"\t\t\tsum := bias[b+ch%16]",
		fmt.Sprintf("\t\t\tfor i := 0; i < %d; i++ {", nr),
		fmt.Sprintf("\t\t\t\tfor j := 0; j < %d; j++ {", nc),
		fmt.Sprintf("\t\t\t\t\tsum += in_i[(p*%d+j)*c+ch] * w[b+(1+3*i+j)*16+ch%%16]", s),
		"\t\t\t\t}",
		"\t\t\t}",
		"\t\t\tout[p*c+ch] = min(max(sum, lo), hi)",
		"\t\t}",
		"\t}",
		"",
		fmt.Sprintf("in_i is in0, in1, in2 (those past in%d are not read); c counts floats; npix ≥ 0.", nr-1),
	)
}

// signature returns the Go signature of a kernel; every kernel takes three
// input rows so that they share one function type, and ignores those past nr.
func signature(extra string) string {
	return fmt.Sprintf("func(out, in0, in1, in2, w, bias *float32, c, npix int, lo, hi float32, %s)", extra)
}

// state holds the registers shared by a kernel's loops.
type state struct {
	name   string
	s      int             // stride
	nr, nc int             // input rows, taps per row
	in     []reg.GPVirtual // first input pixel of each row
	out    reg.GPVirtual   // first output pixel
	c4     reg.GPVirtual   // pixel step in bytes
	c12    reg.GPVirtual   // three pixel steps (AVX-512)
	sc4    reg.GPVirtual   // input step between output pixels (AVX2)
	n      reg.GPVirtual   // output pixels left
	coff   reg.GPVirtual   // channel offset of the current block, in bytes
	wblk   reg.GPVirtual   // taps of the current block
	bblk   reg.GPVirtual   // bias of the current block
	lo, hi reg.VecVirtual
	ymm    bool
}

func newState(name string, s, nr, nc int, ymm bool) *state {
	st := &state{name: name, s: s, nr: nr, nc: nc, ymm: ymm}
	for i := 0; i < nr; i++ {
		st.in = append(st.in, gen.LoadParam(fmt.Sprintf("in%d", i)))
	}
	st.out = gen.LoadParam("out")
	st.c4 = gen.LoadParam("c")
	SHLQ(U8(2), st.c4)
	if ymm {
		st.sc4 = GP64()
		MOVQ(st.c4, st.sc4)
		if s == 2 {
			SHLQ(U8(1), st.sc4)
		}
	} else {
		st.c12 = GP64()
		LEAQ(Mem{Base: st.c4, Index: st.c4, Scale: 2}, st.c12)
	}
	st.n = gen.LoadParam("npix")
	st.lo, st.hi = st.vec(), st.vec()
	VBROADCASTSS(gen.ParamAddr("lo"), st.lo)
	VBROADCASTSS(gen.ParamAddr("hi"), st.hi)
	st.coff, st.wblk, st.bblk = GP64(), GP64(), GP64()
	return st
}

func (st *state) vec() reg.VecVirtual {
	if st.ymm {
		return YMM()
	}
	return ZMM()
}

// The generators' shared vector helpers (asm/internal/gen).
type mask = gen.Mask

var (
	loadVec  = gen.LoadVec
	storeVec = gen.StoreVec
	scaled   = gen.Scaled
)

// body computes u output pixels for the channel block at byte offset coff
// (plus disp, the half-block offset of the AVX2 kernels). The FMAs are
// issued tap by tap across the u pixels, so that consecutive FMAs feed
// different accumulators.
func (st *state) body(u int, msk mask, disp int) {
	acc := make([]reg.VecVirtual, u)
	for p := range acc {
		acc[p] = st.vec()
		if p == 0 {
			VMOVUPS(Mem{Base: st.bblk, Disp: disp}, acc[p])
		} else {
			VMOVAPS(acc[0], acc[p])
		}
	}
	q := GP64()
	cols := (u-1)*st.s + st.nc
	for i := 0; i < st.nr; i++ {
		w := make([]reg.VecVirtual, st.nc)
		for j := range w {
			w[j] = st.vec()
			VMOVUPS(Mem{Base: st.wblk, Disp: disp + (1+3*i+j)*64}, w[j])
		}
		LEAQ(Mem{Base: st.in[i], Index: st.coff, Scale: 1, Disp: disp}, q)
		if !st.ymm {
			// Load each input vector of the row once.
			x := make([]reg.VecVirtual, cols)
			for t := range x {
				if t > 0 && t%3 == 0 {
					ADDQ(st.c12, q)
				}
				x[t] = st.vec()
				loadVec(scaled(q, st.c4, t%3), msk, x[t])
			}
			for j := range w {
				for p := range acc {
					VFMADD231PS(x[p*st.s+j], w[j], acc[p])
				}
			}
			continue
		}
		// AVX2 has too few registers to hold the row: read the inputs as
		// FMA operands (through a lane-masked load in the tail).
		r := GP64()
		for j := range w {
			LEAQ(scaled(q, st.c4, j), r)
			for p := range acc {
				a := Mem{Base: r}
				if msk.Y != nil {
					t := st.vec()
					VMASKMOVPS(a, msk.Y, t)
					VFMADD231PS(t, w[j], acc[p])
				} else {
					VFMADD231PS(a, w[j], acc[p])
				}
				if p+1 < len(acc) {
					ADDQ(st.sc4, r)
				}
			}
		}
	}
	LEAQ(Mem{Base: st.out, Index: st.coff, Scale: 1, Disp: disp}, q)
	for p := range acc {
		VMAXPS(st.lo, acc[p], acc[p])
		VMINPS(st.hi, acc[p], acc[p])
		storeVec(acc[p], msk, Mem{Base: q})
		if p+1 < len(acc) {
			ADDQ(st.c4, q)
		}
	}
}

// pixelLoops emits, for each group size, a loop over groups of output pixels
// whose body (emitted by blocks) covers every channel block.
func (st *state) pixelLoops(blocks func(u int, l string)) {
	for gi, u := range groups {
		l := fmt.Sprintf("%s_g%d", st.name, u)
		next := st.name + "_ret"
		if gi+1 < len(groups) {
			next = fmt.Sprintf("%s_g%d", st.name, groups[gi+1])
		}
		Label(l)
		CMPQ(st.n, U8(u))
		JB(LabelRef(next))
		XORQ(st.coff, st.coff)
		Load(Param("w"), st.wblk)
		Load(Param("bias"), st.bblk)
		blocks(u, l)
		// Advance to the next group of pixels.
		step := GP64()
		MOVQ(st.c4, step)
		if sh := log2(u); sh > 0 {
			SHLQ(U8(sh), step)
		}
		ADDQ(step, st.out)
		if st.s == 2 {
			SHLQ(U8(1), step)
		}
		for _, p := range st.in {
			ADDQ(step, p)
		}
		SUBQ(U8(u), st.n)
		JMP(LabelRef(l))
	}
	Label(st.name + "_ret")
	VZEROUPPER()
	RET()
}

func (st *state) nextBlock(bytes int) {
	ADDQ(U8(bytes), st.coff)
	ADDQ(U32(blockBytes), st.wblk)
	ADDQ(U32(blockBytes), st.bblk)
}

func log2(u int) int {
	n := 0
	for 1<<n < u {
		n++
	}
	return n
}

// avx512Kernel emits a kernel over blocks of 16 channels in zmm registers;
// the last, partial block uses the K mask tail.
func avx512Kernel(s, nr, nc int) {
	name := fmt.Sprintf("dw3x3F32AVX512S%dR%dC%d", s, nr, nc)
	TEXT(name, NOSPLIT, signature("fullBytes int, tail uint16"))
	Pragma("noescape")
	doc(name, s, nr, nc)
	Comment("fullBytes = 64·(c/16) spans the full blocks; tail masks the lanes of the last block (0: none).")
	st := newState(name, s, nr, nc, false)
	t := GP32()
	MOVWLZX(gen.ParamAddr("tail"), t)
	k := K()
	KMOVW(t, k)
	st.pixelLoops(func(u int, l string) {
		Label(l + "_blk")
		CMPQ(st.coff, gen.ParamAddr("fullBytes"))
		JAE(LabelRef(l + "_tail"))
		st.body(u, mask{}, 0)
		st.nextBlock(64)
		JMP(LabelRef(l + "_blk"))
		Label(l + "_tail")
		KORTESTW(k, k)
		JZ(LabelRef(l + "_done"))
		st.body(u, mask{K: k}, 0)
		Label(l + "_done")
	})
}

// avx2Kernel emits a kernel over halves of 8 channels of each packed block in
// ymm registers: full 16-channel blocks in pairs of halves, then (when half8
// is 1) an unmasked half, then (when tail is not zero) a half whose first
// tail lanes are loaded and stored through VMASKMOVPS.
func avx2Kernel(s, nr, nc int) {
	name := fmt.Sprintf("dw3x3F32AVX2S%dR%dC%d", s, nr, nc)
	TEXT(name, NOSPLIT, signature("fullBytes, half8, tail int"))
	Pragma("noescape")
	doc(name, s, nr, nc)
	Comment("fullBytes = 64·(c/16) spans the full blocks; half8 = c%16/8; tail = c%8.")
	st := newState(name, s, nr, nc, true)
	tail := gen.LoadParam("tail")
	ym := st.vec()
	nv := st.vec()
	MOVQ(tail, nv.AsX())
	VPBROADCASTD(nv.AsX(), nv)
	VPCMPGTD(lanes, nv, ym) // lane l is all ones when tail > l
	st.pixelLoops(func(u int, l string) {
		Label(l + "_blk")
		CMPQ(st.coff, gen.ParamAddr("fullBytes"))
		JAE(LabelRef(l + "_half"))
		st.body(u, mask{}, 0)
		st.body(u, mask{}, 32)
		st.nextBlock(64)
		JMP(LabelRef(l + "_blk"))
		Label(l + "_half")
		CMPQ(gen.ParamAddr("half8"), U8(0))
		JE(LabelRef(l + "_tail0"))
		st.body(u, mask{}, 0)
		TESTQ(tail, tail)
		JZ(LabelRef(l + "_done"))
		st.body(u, mask{Y: ym}, 32)
		JMP(LabelRef(l + "_done"))
		Label(l + "_tail0")
		TESTQ(tail, tail)
		JZ(LabelRef(l + "_done"))
		st.body(u, mask{Y: ym}, 0)
		Label(l + "_done")
	})
}

// lanes holds the int32 lane numbers 0..7.
var lanes Mem
