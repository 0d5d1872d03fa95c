package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

// gemmRows is the tile height of the GEMM kernel with nv column vectors:
// mr·nv int32 accumulators, nv weight vectors and a broadcast input fill at
// most 29 of the 32 zmm registers.
var gemmRows = [...]int{1: 16, 2: 12, 3: 8, 4: 6}

const gemmSignature = "func(out *byte, ldo int, in *byte, ldi int, rows int, k int, w *byte, rt *int32, rq *int32, mask uint64, lo, hi float32, zp, imin, imax int32, mode int)"

// gemmGen holds what the blocks of one GEMM kernel share.
type gemmGen struct {
	name   string
	signed bool // int8 activations and weights
	nv, mr int
	zero   reg.VecVirtual      // all zero
	kcol   []reg.OpmaskVirtual // valid columns of each vector
	ktail  reg.OpmaskVirtual   // the k%4 bytes of the last k step
	spill  Mem                 // accumulators of the Reference rounding
}

// gemmKernel emits the GEMM kernel of nv column vectors (16·nv columns) for
// uint8 or int8 operands. It computes all rows, in tiles of mr rows and one
// shorter tile for the rest.
//
// The weights of the 16·nv columns are packed in k steps of four: step t
// holds nv vectors of 16 columns × 4 bytes (w[col][4t..4t+3]), zero past k,
// with their top bit flipped: uint8 weights become int8 w − 128 against
// the uint8 inputs, int8 weights become uint8 w + 128 against the int8
// inputs, so that VPDPBUSD takes the inputs as they are. The caller folds
// the terms this adds into the bias and the row terms rt (a multiple of
// each row's sum).
func gemmKernel(signed bool, nv int) {
	g := &gemmGen{name: fmt.Sprintf("gemm%sVNNIx%d", typeName(signed), 16*nv), signed: signed, nv: nv, mr: gemmRows[nv]}
	TEXT(g.name, 0, gemmSignature) // not NOSPLIT: the spill area is larger than the nosplit limit
	Pragma("noescape")
	g.doc()
	g.spill = AllocLocal(g.mr * nv * 64)

	// VPXORD x, x, x reads x as far as avo's liveness is concerned: zero one
	// register here and copy it.
	g.zero = ZMM()
	VPXORD(g.zero, g.zero, g.zero)
	mk := gen.LoadParam("mask")
	for v := 0; v < nv; v++ {
		k := K()
		KMOVW(mk.As32(), k)
		if v+1 < nv {
			SHRQ(U8(16), mk)
		}
		g.kcol = append(g.kcol, k)
	}
	// ktail = 2^(k%4) − 1
	kr := gen.LoadParam("k")
	ANDQ(U8(3), kr)
	one := GP64()
	MOVQ(U32(1), one)
	SHLXQ(kr, one, one)
	DECQ(one)
	g.ktail = K()
	KMOVW(one.As32(), g.ktail)

	Label(g.name + "_tile")
	CMPQ(gen.ParamAddr("rows"), U32(g.mr))
	JB(LabelRef(g.name + "_rest"))
	g.block(g.mr)
	for _, p := range [][2]string{{"in", "ldi"}, {"out", "ldo"}} {
		ld := gen.LoadParam(p[1])
		IMUL3Q(U32(g.mr), ld, ld)
		ADDQ(ld, gen.ParamAddr(p[0]))
	}
	ADDQ(U32(4*g.mr), gen.ParamAddr("rt"))
	SUBQ(U32(g.mr), gen.ParamAddr("rows"))
	JMP(LabelRef(g.name + "_tile"))

	Label(g.name + "_rest")
	rows := gen.LoadParam("rows")
	for m := g.mr - 1; m >= 1; m-- {
		CMPQ(rows, U32(m))
		JEQ(LabelRef(fmt.Sprintf("%s_m%d", g.name, m)))
	}
	JMP(LabelRef(g.name + "_done"))
	for m := g.mr - 1; m >= 1; m-- {
		Label(fmt.Sprintf("%s_m%d", g.name, m))
		g.block(m)
		JMP(LabelRef(g.name + "_done"))
	}
	Label(g.name + "_done")
	VZEROUPPER()
	RET()
}

func (g *gemmGen) doc() {
	x, w := "int32(in[i*ldi+p])", "int32(int8(wp))"
	if g.signed {
		x, w = "int32(int8(in[i*ldi+p]))", "int32(wp)"
	}
	Doc(
		fmt.Sprintf("%s computes rows×%d outputs of an 8-bit GEMM and requantizes them:", g.name, 16*g.nv),
		"",
		"\tfor i := 0; i < rows; i++ {",
		fmt.Sprintf("\t\tfor j := 0; j < %d; j++ {", 16*g.nv),
		"\t\t\tacc := bias[j] + rt[i]",
		"\t\t\tfor p := 0; p < k; p++ {",
		fmt.Sprintf("\t\t\t\twp := w[(p/4)*%d+(j/16)*64+(j%%16)*4+p%%4]", 64*g.nv),
		fmt.Sprintf("\t\t\t\tacc += %s * %s", x, w),
		"\t\t\t}",
		"\t\t\tif mask>>j&1 == 1 {",
		"\t\t\t\tout[i*ldo+j] = requant(acc, j)",
		"\t\t\t}",
		"\t\t}",
		"\t}",
		"",
		"The weights are packed in ⌈k/4⌉ steps of 16 columns × 4 bytes per vector,",
		"zero past k: int8 for uint8 inputs, uint8 for int8 inputs. bias is lane 0",
		"of the requantization blocks rq, one per 16 columns. "+requantDoc,
		"rows ≥ 0, k ≥ 1; ldo and ldi count bytes.",
	)
}

// block emits one tile of m rows: the k loop and the requantized stores.
func (g *gemmGen) block(m int) {
	pre := fmt.Sprintf("%s_b%d", g.name, m)
	ldi := gen.LoadParam("ldi")
	bases := rowBases(gen.LoadParam("in"), ldi, m)
	wp := gen.LoadParam("w")
	acc := make([][]reg.VecVirtual, m)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, g.nv)
		for v := range acc[i] {
			acc[i][v] = ZMM()
			VMOVDQA64(g.zero, acc[i][v])
		}
	}
	steps := gen.LoadParam("k")
	SHRQ(U8(3), steps) // pairs of k steps
	JZ(LabelRef(pre + "_single"))
	Label(pre + "_loop")
	g.step(bases, ldi, wp, acc, 0, false)
	g.step(bases, ldi, wp, acc, 1, false)
	for _, b := range bases {
		ADDQ(U8(8), b)
	}
	ADDQ(U32(2*g.nv*64), wp)
	DECQ(steps)
	JNZ(LabelRef(pre + "_loop"))

	Label(pre + "_single")
	k := gen.LoadParam("k")
	TESTQ(U32(4), k)
	JZ(LabelRef(pre + "_tail"))
	g.step(bases, ldi, wp, acc, 0, false)
	for _, b := range bases {
		ADDQ(U8(4), b)
	}
	ADDQ(U32(g.nv*64), wp)

	Label(pre + "_tail")
	TESTQ(U32(3), k)
	JZ(LabelRef(pre + "_requant"))
	g.step(bases, ldi, wp, acc, 0, true)

	Label(pre + "_requant")
	CMPQ(gen.ParamAddr("mode"), U8(0))
	JNE(LabelRef(pre + "_ref"))
	g.storeXNN(m, acc)
	JMP(LabelRef(pre + "_end"))
	Label(pre + "_ref")
	g.storeRef(m, acc, pre)
	Label(pre + "_end")
}

// step emits k step u (bytes 4u..4u+3 past the row bases): nv weight vectors
// times every row's broadcast four input bytes. The tail step loads only the
// k%4 valid bytes.
func (g *gemmGen) step(bases []reg.GPVirtual, ldi reg.GPVirtual, wp reg.GPVirtual, acc [][]reg.VecVirtual, u int, tail bool) {
	w := make([]reg.VecVirtual, g.nv)
	for v := range w {
		w[v] = ZMM()
		VMOVDQU64(Mem{Base: wp, Disp: (u*g.nv + v) * 64}, w[v])
	}
	for i := range acc {
		b := ZMM()
		addr := rowAddr(bases, ldi, i, 4*u)
		if tail {
			x := ZMM()
			VMOVDQU8_Z(addr, g.ktail, x)
			VPBROADCASTD(x.AsX(), b)
		} else {
			VPBROADCASTD(addr, b)
		}
		for v := range w {
			if g.signed {
				vpdpbusd(b, w[v], acc[i][v]) // w+128 unsigned, x signed
			} else {
				vpdpbusd(w[v], b, acc[i][v]) // x unsigned, w−128 signed
			}
		}
	}
}

// addBias adds the bias of vector v and the row term of row i.
func (g *gemmGen) addBias(a reg.VecVirtual, rq Mem, rt Mem) {
	VPADDD(rq.Offset(rqBias), a, a)
	VPADDD_BCST(rt, a, a)
}

// storeXNN requantizes the tile with the XNNPACK rounding and stores it.
func (g *gemmGen) storeXNN(m int, acc [][]reg.VecVirtual) {
	c := loadXNN()
	rq := gen.LoadParam("rq")
	rt := gen.LoadParam("rt")
	ldo := gen.LoadParam("ldo")
	obases := rowBases(gen.LoadParam("out"), ldo, m)
	for i := range acc {
		for v, a := range acc[i] {
			blk := Mem{Base: rq, Disp: v * rqBlock}
			g.addBias(a, blk, Mem{Base: rt, Disp: 4 * i})
			xnnRequant(a, blk, c)
			VPMOVDB(a, g.kcol[v], rowAddr(obases, ldo, i, 16*v))
		}
	}
}

// storeRef requantizes the tile with the Reference rounding, row by row
// from a spill of the accumulators, and stores it.
func (g *gemmGen) storeRef(m int, acc [][]reg.VecVirtual, pre string) {
	for i := range acc {
		for v, a := range acc[i] {
			VMOVDQU32(a, g.spill.Offset((i*g.nv+v)*64))
		}
	}
	c := loadRef()
	rq := gen.LoadParam("rq")
	rt := gen.LoadParam("rt")
	ldo := gen.LoadParam("ldo")
	out := gen.LoadParam("out")
	sp := GP64()
	LEAQ(g.spill, sp)
	n := GP64()
	MOVQ(U32(m), n)
	Label(pre + "_refrow")
	for v := 0; v < g.nv; v++ {
		a := ZMM()
		VMOVDQU32(Mem{Base: sp, Disp: 64 * v}, a)
		blk := Mem{Base: rq, Disp: v * rqBlock}
		g.addBias(a, blk, Mem{Base: rt})
		refRequant(a, blk, c)
		VPMOVDB(a, g.kcol[v], Mem{Base: out, Disp: 16 * v})
	}
	ADDQ(U32(g.nv*64), sp)
	ADDQ(U8(4), rt)
	ADDQ(ldo, out)
	DECQ(n)
	JNZ(LabelRef(pre + "_refrow"))
}

// rowAddr addresses row i of a matrix whose rows are ld bytes apart, given
// base registers for rows 0, 3, 6, ... (row 3t+s is bases[t] + s·ld).
func rowAddr(bases []reg.GPVirtual, ld reg.GPVirtual, i, disp int) Mem {
	m := Mem{Base: bases[i/3], Disp: disp}
	if s := i % 3; s > 0 {
		m.Index = ld
		m.Scale = uint8(s)
	}
	return m
}

// rowBases returns new registers holding p + 3t·ld for t = 0 .. (rows-1)/3.
func rowBases(p reg.GPVirtual, ld reg.GPVirtual, rows int) []reg.GPVirtual {
	b0 := GP64()
	MOVQ(p, b0)
	bases := []reg.GPVirtual{b0}
	if rows > 3 {
		ld3 := GP64()
		LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
		for t := 1; t*3 < rows; t++ {
			b := GP64()
			LEAQ(Mem{Base: bases[t-1], Index: ld3, Scale: 1}, b)
			bases = append(bases, b)
		}
	}
	return bases
}

// rowSums emits the row terms of a GEMM: dst[i] = mul·Σ_p (in[i*ldi+p] ^ flip).
func rowSums() {
	const name = "rowSumsVNNI"
	TEXT(name, NOSPLIT, "func(dst *int32, in *byte, ldi, k, rows int, flip uint8, mul int32)")
	Pragma("noescape")
	Doc(
		name+" computes the row terms of a GEMM:",
		"",
		"\tfor i := 0; i < rows; i++ {",
		"\t\tvar s int32",
		"\t\tfor p := 0; p < k; p++ {",
		"\t\t\ts += int32(in[i*ldi+p] ^ flip)",
		"\t\t}",
		"\t\tdst[i] = mul * s",
		"\t}",
		"",
		"flip is 0 or 0x80; rows ≥ 0, k ≥ 1.",
	)
	dst := gen.LoadParam("dst")
	in := gen.LoadParam("in")
	rows := gen.LoadParam("rows")
	mul := GP32()
	Load(Param("mul"), mul)
	kt := K()
	kr := gen.LoadParam("k")
	ANDQ(U8(63), kr)
	one := GP64()
	MOVQ(U32(1), one)
	SHLXQ(kr, one, one)
	DECQ(one)
	KMOVQ(one, kt)
	zero := ZMM()
	VPXORD(zero, zero, zero) // live from the entry, which is harmless here
	flip := ZMM()
	fb := GP32()
	MOVBLZX(gen.ParamAddr("flip"), fb)
	VPBROADCASTB(fb, flip)
	TESTQ(rows, rows)
	JZ(LabelRef(name + "_done"))
	Label(name + "_row")
	p := GP64()
	MOVQ(in, p)
	acc := ZMM()
	VMOVDQA64(zero, acc)
	n := gen.LoadParam("k")
	SHRQ(U8(6), n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_chunk")
	t := ZMM()
	VPXORD(Mem{Base: p}, flip, t)
	VPSADBW(t, zero, t)
	VPADDQ(t, acc, acc)
	ADDQ(U8(64), p)
	DECQ(n)
	JNZ(LabelRef(name + "_chunk"))
	Label(name + "_tail")
	x := ZMM()
	VMOVDQU8_Z(Mem{Base: p}, kt, x)
	VPXORD(flip, x, x)
	VMOVDQU8_Z(x, kt, x) // the bytes past k back to zero
	VPSADBW(x, zero, x)
	VPADDQ(x, acc, acc)
	y := YMM()
	VEXTRACTI64X4(U8(1), acc, y)
	VPADDQ(y, acc.AsY(), y)
	h := XMM()
	VEXTRACTI128(U8(1), y, h)
	VPADDQ(h, y.AsX(), h)
	s := XMM()
	VPSHUFD(U8(0x4E), h, s)
	VPADDQ(s, h, h)
	r := GP32()
	VMOVD(h, r)
	IMULL(mul, r)
	MOVL(r, Mem{Base: dst})
	ADDQ(U8(4), dst)
	ADDQ(gen.ParamAddr("ldi"), in)
	DECQ(rows)
	JNZ(LabelRef(name + "_row"))
	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// gather emits the im2col copy of a convolution's interior pixels. Runs of
// at most 16 bytes (the first layer's 3 pixels × 3 channels) take a path of
// masked 16-byte loads and plain 16-byte stores.
func gather() {
	const name = "gatherVNNI"
	TEXT(name, NOSPLIT, "func(dst *byte, ldd int, src *byte, npix, pixStride, nrun, runLen, runStride int)")
	Pragma("noescape")
	Doc(
		name+" copies the windows of npix output pixels into rows of dst:",
		"",
		"\tfor p := 0; p < npix; p++ {",
		"\t\tfor r := 0; r < nrun; r++ {",
		"\t\t\tcopy(dst[p*ldd+r*runLen:][:runLen], src[p*pixStride+r*runStride:][:runLen])",
		"\t\t}",
		"\t}",
		"",
		"It reads only the runs, but stores whole vectors: dst must have 64",
		"bytes of room past the last run, and each pixel's bytes past its",
		"nrun·runLen may be overwritten. npix ≥ 0, nrun, runLen ≥ 1.",
	)
	kt := K()
	kr := gen.LoadParam("runLen")
	ANDQ(U8(63), kr)
	one := GP64()
	MOVQ(U32(1), one)
	SHLXQ(kr, one, one)
	DECQ(one)
	KMOVQ(one, kt)
	tailBytes := gen.LoadParam("runLen")
	ANDQ(U8(63), tailBytes)
	src := gen.LoadParam("src")
	dst := gen.LoadParam("dst")
	np := gen.LoadParam("npix")
	TESTQ(np, np)
	JZ(LabelRef(name + "_done"))
	CMPQ(gen.ParamAddr("runLen"), U8(16))
	JBE(LabelRef(name + "_short"))

	Label(name + "_pix")
	s, d := GP64(), GP64()
	MOVQ(src, s)
	MOVQ(dst, d)
	runs := gen.LoadParam("nrun")
	Label(name + "_run")
	q := GP64()
	MOVQ(s, q)
	n := gen.LoadParam("runLen")
	SHRQ(U8(6), n)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_chunk")
	x := ZMM()
	VMOVDQU8(Mem{Base: q}, x)
	VMOVDQU8(x, Mem{Base: d})
	ADDQ(U8(64), q)
	ADDQ(U8(64), d)
	DECQ(n)
	JNZ(LabelRef(name + "_chunk"))
	Label(name + "_tail")
	y := ZMM()
	VMOVDQU8_Z(Mem{Base: q}, kt, y)
	VMOVDQU8(y, Mem{Base: d})
	ADDQ(tailBytes, d)
	ADDQ(gen.ParamAddr("runStride"), s)
	DECQ(runs)
	JNZ(LabelRef(name + "_run"))
	ADDQ(gen.ParamAddr("pixStride"), src)
	ADDQ(gen.ParamAddr("ldd"), dst)
	DECQ(np)
	JNZ(LabelRef(name + "_pix"))
	JMP(LabelRef(name + "_done"))

	Label(name + "_short")
	ss, sd := GP64(), GP64()
	MOVQ(src, ss)
	MOVQ(dst, sd)
	sruns := gen.LoadParam("nrun")
	Label(name + "_srun")
	z := XMM()
	VMOVDQU8_Z(Mem{Base: ss}, kt, z)
	VMOVDQU(z, Mem{Base: sd})
	ADDQ(tailBytes, sd)
	ADDQ(gen.ParamAddr("runStride"), ss)
	DECQ(sruns)
	JNZ(LabelRef(name + "_srun"))
	ADDQ(gen.ParamAddr("pixStride"), src)
	ADDQ(gen.ParamAddr("ldd"), dst)
	DECQ(np)
	JNZ(LabelRef(name + "_short"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}
