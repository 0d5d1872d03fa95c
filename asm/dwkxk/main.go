// Command dwkxk generates the float32 depthwise K×K convolution kernels of
// package kernels (type DWKxK; MobileNet V3's 5×5 is the case that matters).
//
// Each kernel computes npix output pixels of one output row at horizontal
// input stride s (1 or 2) from nr input rows (a run-time count, nr ≥ 1) and
// nc taps per row (nc ∈ 1..7, one kernel each). The caller drops the taps
// that fall in the padding and points in and w at the first valid one:
//
//	for p := 0; p < npix; p++ {
//		for ch := 0; ch < c; ch++ {
//			b := (ch / 16) * blk
//			sum := bias[b+ch%16]
//			for i := 0; i < nr; i++ {
//				for j := 0; j < nc; j++ {
//					sum += in[i*inRow+(p*s+j)*c+ch] * w[b+i*wRow+j*16+ch%16]
//				}
//			}
//			out[p*c+ch] = min(max(sum, lo), hi)
//		}
//	}
//
// The packed weights hold, for each block of 16 channels, the bias then the
// K×K taps in row-major order, 16 floats each (zero past c); blk, wRow and
// inRow are passed in bytes to the kernels.
//
// The kernels walk the blocks of channels and, inside a block, groups of up
// to 8 output pixels (6 or 4 for AVX2), so that a block's taps and the input
// lines its groups share stay in L1 even for the wide layers (672, 960
// channels). Per input row of a group the nc taps are loaded into registers
// once, then every input vector the group reads is loaded once and
// multiplied into each output pixel that uses it.
//
// Usage (from package kernels, see its go:generate lines):
//
//	go run ./dwkxk -isa avx512 -out f32_dwkxk_avx512_amd64.s -stubs f32_dwkxk_avx512_stubs_amd64.go -pkg kernels
//	go run ./dwkxk -isa avx2 -out f32_dwkxk_avx2_amd64.s -stubs f32_dwkxk_avx2_stubs_amd64.go -pkg kernels
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

// maxTaps is the widest row of taps a kernel handles.
const maxTaps = 7

func main() {
	isa := flag.String("isa", "avx512", "instruction set: avx512 or avx2")
	flag.Parse()
	ConstraintExpr(gen.Constraint)
	var ymm bool
	switch *isa {
	case "avx512":
	case "avx2":
		ymm = true
		lanes = GLOBL("dwKxKF32Lanes", RODATA|NOPTR)
		for l := 0; l < 8; l++ {
			DATA(4*l, U32(uint32(l)))
		}
	default:
		log.Fatalf("dwkxk: unknown -isa %q", *isa)
	}
	for s := 1; s <= 2; s++ {
		for nc := 1; nc <= maxTaps; nc++ {
			if ymm {
				avx2Kernel(s, nc)
			} else {
				avx512Kernel(s, nc)
			}
		}
	}
	Generate()
}

func doc(name string, s, nc int) {
	Doc(
		fmt.Sprintf("%s computes npix output pixels at stride %d from nr input rows and %d taps per row:", name, s, nc),
		"",
		"\tfor p := 0; p < npix; p++ {",
		"\t\tfor ch := 0; ch < c; ch++ {",
		"\t\t\tb := (ch / 16) * blk / 4",
		"\t\t\tsum := bias[b+ch%16]",
		"\t\t\tfor i := 0; i < nr; i++ {",
		fmt.Sprintf("\t\t\t\tfor j := 0; j < %d; j++ {", nc),
		fmt.Sprintf("\t\t\t\t\tsum += in[i*inRow/4+(p*%d+j)*c+ch] * w[b+i*wRow/4+j*16+ch%%16]", s),
		"\t\t\t\t}",
		"\t\t\t}",
		"\t\t\tout[p*c+ch] = min(max(sum, lo), hi)",
		"\t\t}",
		"\t}",
		"",
		"c counts floats; inRow, wRow and blk count bytes; nr ≥ 1; npix ≥ 0.",
	)
}

func signature(extra string) string {
	return fmt.Sprintf("func(out, in, w, bias *float32, c, npix, nr, inRow, wRow, blk int, lo, hi float32, %s)", extra)
}

// state holds the registers shared by a kernel's loops.
type state struct {
	name   string
	s      int // stride
	nc     int // taps per row
	groups []int
	in     reg.GPVirtual // first input pixel of the group, first valid row
	out    reg.GPVirtual // first output pixel of the group
	c4     reg.GPVirtual // pixel step in bytes
	c12    reg.GPVirtual // three pixel steps
	n      reg.GPVirtual // output pixels left
	coff   reg.GPVirtual // channel offset of the current block, in bytes
	wblk   reg.GPVirtual // first valid tap of the current block
	bblk   reg.GPVirtual // bias of the current block
	lo, hi reg.VecVirtual
	ymm    bool
	labels int
}

func newState(name string, s, nc int, ymm bool) *state {
	st := &state{name: name, s: s, nc: nc, ymm: ymm, groups: []int{8, 4, 2, 1}}
	if ymm {
		// 16 ymm registers: lo, hi, nc taps, the accumulators and one input.
		st.groups = []int{4, 2, 1}
		if nc <= 5 {
			st.groups = []int{6, 4, 2, 1}
		}
	}
	st.in = gen.LoadParam("in")
	st.out = gen.LoadParam("out")
	st.c4 = gen.LoadParam("c")
	SHLQ(U8(2), st.c4)
	st.c12 = GP64()
	LEAQ(Mem{Base: st.c4, Index: st.c4, Scale: 2}, st.c12)
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
// (plus disp, the half-block offset of the AVX2 kernels), looping over the
// nr input rows.
func (st *state) body(u int, msk mask, disp int) {
	st.labels++
	rowLoop := fmt.Sprintf("%s_row%d", st.name, st.labels)
	acc := make([]reg.VecVirtual, u)
	for p := range acc {
		acc[p] = st.vec()
		if p == 0 {
			VMOVUPS(Mem{Base: st.bblk, Disp: disp}, acc[p])
		} else {
			VMOVAPS(acc[0], acc[p])
		}
	}
	qin, qw, rows := GP64(), GP64(), GP64()
	LEAQ(Mem{Base: st.in, Index: st.coff, Scale: 1, Disp: disp}, qin)
	MOVQ(st.wblk, qw)
	Load(Param("nr"), rows)
	Label(rowLoop)
	w := make([]reg.VecVirtual, st.nc)
	for j := range w {
		w[j] = st.vec()
		VMOVUPS(Mem{Base: qw, Disp: disp + j*64}, w[j])
	}
	r := GP64()
	MOVQ(qin, r)
	cols := (u-1)*st.s + st.nc
	for t := 0; t < cols; t++ {
		if t > 0 && t%3 == 0 {
			ADDQ(st.c12, r)
		}
		x := st.vec()
		loadVec(scaled(r, st.c4, t%3), msk, x)
		for p := range acc {
			if j := t - p*st.s; j >= 0 && j < st.nc {
				VFMADD231PS(x, w[j], acc[p])
			}
		}
	}
	ADDQ(gen.ParamAddr("inRow"), qin)
	ADDQ(gen.ParamAddr("wRow"), qw)
	DECQ(rows)
	JNZ(LabelRef(rowLoop))
	LEAQ(Mem{Base: st.out, Index: st.coff, Scale: 1, Disp: disp}, qin)
	for p := range acc {
		VMAXPS(acc[p], st.lo, acc[p]) // a NaN sum stays NaN, as in Go
		VMINPS(acc[p], st.hi, acc[p])
		storeVec(acc[p], msk, Mem{Base: qin})
		if p+1 < len(acc) {
			ADDQ(st.c4, qin)
		}
	}
}

// pixels emits the loop over groups of output pixels for the channel
// block at coff; body emits one group of u pixels.
func (st *state) pixels(tag string, body func(u int)) {
	Load(Param("out"), st.out)
	Load(Param("in"), st.in)
	Load(Param("npix"), st.n)
	end := fmt.Sprintf("%s_%s_end", st.name, tag)
	for gi, u := range st.groups {
		l := fmt.Sprintf("%s_%s_g%d", st.name, tag, u)
		next := end
		if gi+1 < len(st.groups) {
			next = fmt.Sprintf("%s_%s_g%d", st.name, tag, st.groups[gi+1])
		}
		Label(l)
		CMPQ(st.n, U8(u))
		JB(LabelRef(next))
		body(u)
		// Advance to the next group of pixels.
		step := GP64()
		IMUL3Q(U8(u), st.c4, step)
		ADDQ(step, st.out)
		if st.s == 2 {
			SHLQ(U8(1), step)
		}
		ADDQ(step, st.in)
		SUBQ(U8(u), st.n)
		JMP(LabelRef(l))
	}
	Label(end)
}

func (st *state) nextBlock() {
	ADDQ(U8(64), st.coff)
	ADDQ(gen.ParamAddr("blk"), st.wblk)
	ADDQ(gen.ParamAddr("blk"), st.bblk)
}

// avx512Kernel emits a kernel over blocks of 16 channels in zmm registers;
// the last, partial block uses the K mask tail.
func avx512Kernel(s, nc int) {
	name := fmt.Sprintf("dwKxKF32AVX512S%dC%d", s, nc)
	TEXT(name, NOSPLIT, signature("fullBytes int, tail uint16"))
	Pragma("noescape")
	doc(name, s, nc)
	Comment("fullBytes = 64·(c/16) spans the full blocks; tail masks the lanes of the last block (0: none).")
	st := newState(name, s, nc, false)
	t := GP32()
	MOVWLZX(gen.ParamAddr("tail"), t)
	k := K()
	KMOVW(t, k)
	XORQ(st.coff, st.coff)
	Load(Param("w"), st.wblk)
	Load(Param("bias"), st.bblk)
	Label(name + "_blk")
	CMPQ(st.coff, gen.ParamAddr("fullBytes"))
	JAE(LabelRef(name + "_tail"))
	st.pixels("full", func(u int) { st.body(u, mask{}, 0) })
	st.nextBlock()
	JMP(LabelRef(name + "_blk"))
	Label(name + "_tail")
	KORTESTW(k, k)
	JZ(LabelRef(name + "_ret"))
	st.pixels("tail", func(u int) { st.body(u, mask{K: k}, 0) })
	Label(name + "_ret")
	VZEROUPPER()
	RET()
}

// avx2Kernel emits a kernel over halves of 8 channels of each packed block in
// ymm registers: full 16-channel blocks in pairs of halves, then (when half8
// is 1) an unmasked half, then (when tail is not zero) a half whose first
// tail lanes are loaded and stored through VMASKMOVPS.
func avx2Kernel(s, nc int) {
	name := fmt.Sprintf("dwKxKF32AVX2S%dC%d", s, nc)
	TEXT(name, NOSPLIT, signature("fullBytes, half8, tail int"))
	Pragma("noescape")
	doc(name, s, nc)
	Comment("fullBytes = 64·(c/16) spans the full blocks; half8 = c%16/8; tail = c%8.")
	st := newState(name, s, nc, true)
	ym := st.vec()
	nv := st.vec()
	VPBROADCASTD(gen.ParamAddr("tail"), nv)
	VPCMPGTD(lanes, nv, ym) // lane l is all ones when tail > l
	XORQ(st.coff, st.coff)
	Load(Param("w"), st.wblk)
	Load(Param("bias"), st.bblk)
	Label(name + "_blk")
	CMPQ(st.coff, gen.ParamAddr("fullBytes"))
	JAE(LabelRef(name + "_half"))
	st.pixels("full", func(u int) {
		st.body(u, mask{}, 0)
		st.body(u, mask{}, 32)
	})
	st.nextBlock()
	JMP(LabelRef(name + "_blk"))
	Label(name + "_half")
	CMPQ(gen.ParamAddr("half8"), U8(0))
	JE(LabelRef(name + "_tail0"))
	CMPQ(gen.ParamAddr("tail"), U8(0))
	JE(LabelRef(name + "_half8"))
	st.pixels("halftail", func(u int) {
		st.body(u, mask{}, 0)
		st.body(u, mask{Y: ym}, 32)
	})
	JMP(LabelRef(name + "_ret"))
	Label(name + "_half8")
	st.pixels("half", func(u int) { st.body(u, mask{}, 0) })
	JMP(LabelRef(name + "_ret"))
	Label(name + "_tail0")
	CMPQ(gen.ParamAddr("tail"), U8(0))
	JE(LabelRef(name + "_ret"))
	st.pixels("tail", func(u int) { st.body(u, mask{Y: ym}, 0) })
	Label(name + "_ret")
	VZEROUPPER()
	RET()
}

// lanes holds the int32 lane numbers 0..7.
var lanes Mem
