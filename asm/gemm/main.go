// Command gemm generates the float32 pointwise (1×1 convolution) GEMM
// micro-kernels of package kernels.
//
// Every kernel computes one tile of m output rows by 16·nv output columns:
//
//	for i := 0; i < m; i++ {
//		for j := 0; j < 16*nv; j++ {
//			s := bias[j]
//			for p := 0; p < k; p++ {
//				s += in[i*ldi+p] * w[panel(j)][p][j%16]
//			}
//			if mask has bit j {
//				out[i*ldo+j] = min(max(s, lo), hi)
//			}
//		}
//	}
//
// where the packed weights hold 16-column panels, each k rows of 16 floats,
// panel after panel, and bias holds 16 floats per panel.
//
// Usage (from package kernels, see its go:generate lines):
//
//	go run ./gemm -isa avx512 -out f32_gemm_14x32_avx512_amd64.s -stubs f32_gemm_14x32_avx512_stubs_amd64.go -pkg kernels
//	go run ./gemm -isa avx2 -out f32_gemm_6x16_avx2_amd64.s -stubs f32_gemm_6x16_avx2_stubs_amd64.go -pkg kernels
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

// Tile heights generated for each ISA: every height from 1 to the maximum is
// emitted so that row tails need no masking.
const (
	avx512Rows   = 14 // 14×32 tile: 28 accumulators + 2 weight + 1 broadcast registers.
	avx512Rows16 = 14 // 14×16 tile for a last panel of at most 16 columns.
	avx2Rows     = 6  // 6×16 tile: 12 accumulators + 2 weight + 1 broadcast registers.
	kUnroll      = 4  // k steps per loop iteration.
	prefetchK    = 16 // how many k steps ahead the weights are prefetched.
)

func main() {
	isa := flag.String("isa", "avx512", "instruction set: avx512 or avx2")
	flag.Parse()
	ConstraintExpr(gen.Constraint)
	switch *isa {
	case "avx512":
		for m := 1; m <= avx512Rows; m++ {
			avx512Kernel(m, 2)
		}
		for m := 1; m <= avx512Rows16; m++ {
			avx512Kernel(m, 1)
		}
	case "avx2":
		maskTab := GLOBL("gemmF32AVX2MaskTab", RODATA|NOPTR)
		for i := 0; i < 32; i++ {
			v := uint32(0)
			if i < 16 {
				v = 0xffffffff
			}
			DATA(4*i, U32(v))
		}
		for m := 1; m <= avx2Rows; m++ {
			avx2Kernel(m, maskTab)
		}
	default:
		log.Fatalf("gemm: unknown -isa %q", *isa)
	}
	Generate()
}

const signature = "func(out *float32, ldo int, in *float32, ldi int, ntiles int, w *float32, ps, k, nseg, segStride int, bias *float32, lo, hi float32, %s)"

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

func doc(name string, m, cols int, maskDoc string) {
	Doc(
		fmt.Sprintf("%s computes ntiles tiles of %d×%d of out = clamp(bias + in·W, lo, hi):", name, m, cols),
		"",
		fmt.Sprintf("\tfor i := 0; i < ntiles*%d; i++ {", m),
		fmt.Sprintf("\t\tfor j := 0; j < %d; j++ {", cols),
		"\t\t\ts := bias[j]",
		"\t\t\tfor g := 0; g < nseg; g++ {",
		"\t\t\t\tfor p := 0; p < k; p++ {",
		"\t\t\t\t\ts += in[i*ldi+g*segStride+p] * w[(j/16)*ps+(g*k+p)*16+j%16]",
		"\t\t\t\t}",
		"\t\t\t}",
		fmt.Sprintf("\t\t\tif %s {", maskDoc),
		"\t\t\t\tout[i*ldo+j] = min(max(s, lo), hi)",
		"\t\t\t}",
		"\t\t}",
		"\t}",
		"",
		"Each row's inputs are nseg runs of k floats, segStride apart (a convolution",
		"window's rows); ldo, ldi, ps (the panel stride) and segStride count floats;",
		"ntiles, k, nseg ≥ 1.",
	)
}

// kLoop emits the loops over the segments and the k inputs of each,
// accumulating into acc (m rows × nv vectors of 16 floats with zmm, or of 8
// floats with ymm, where nv counts ymm vectors within one 16-wide panel).
func kLoop(name string, m, nv int, acc [][]reg.VecVirtual, zmm bool) {
	vec, vbytes := YMM, 32
	if zmm {
		vec, vbytes = ZMM, 64
	}
	ldi := gen.LoadParam("ldi")
	SHLQ(U8(2), ldi)
	wp := gen.LoadParam("w")
	ps := gen.LoadParam("ps") // panel stride in bytes
	SHLQ(U8(2), ps)
	sbase := gen.LoadParam("in") // first input of the current segment
	seg := gen.LoadParam("nseg")
	k := GP64()

	Label(name + "_seg")
	bases := rowBases(sbase, ldi, m)
	step := func(u int, prefetch bool) {
		w := make([]reg.VecVirtual, nv)
		for v := range w {
			w[v] = vec()
			addr := Mem{Base: wp, Disp: 64 * u}
			if zmm && v > 0 {
				addr.Index = ps
				addr.Scale = uint8(v)
			} else {
				addr.Disp += vbytes * v
			}
			VMOVUPS(addr, w[v])
			if prefetch && (zmm || v == 0) {
				// Each k step reads one line of each panel: fetch the
				// line prefetchK steps ahead.
				addr.Disp += 64 * prefetchK
				PREFETCHT0(addr)
			}
		}
		for i := 0; i < m; i++ {
			b := vec()
			VBROADCASTSS(rowAddr(bases, ldi, i, 4*u), b)
			for v := 0; v < nv; v++ {
				VFMADD231PS(w[v], b, acc[i][v])
			}
		}
	}
	advance := func(u int) {
		for _, b := range bases {
			ADDQ(U32(4*u), b)
		}
		ADDQ(U32(64*u), wp)
	}

	Load(Param("k"), k)
	SHRQ(U8(2), k)
	JZ(LabelRef(name + "_tail"))
	Label(name + "_loop")
	for u := 0; u < kUnroll; u++ {
		step(u, true)
	}
	advance(kUnroll)
	DECQ(k)
	JNZ(LabelRef(name + "_loop"))

	Label(name + "_tail")
	Load(Param("k"), k)
	ANDQ(U8(kUnroll-1), k)
	JZ(LabelRef(name + "_next"))
	Label(name + "_tailloop")
	step(0, false)
	advance(1)
	DECQ(k)
	JNZ(LabelRef(name + "_tailloop"))

	Label(name + "_next")
	segStride := gen.LoadParam("segStride")
	SHLQ(U8(2), segStride)
	ADDQ(segStride, sbase)
	DECQ(seg)
	JNZ(LabelRef(name + "_seg"))
}

// tileLoopEnd moves the in and out argument slots m rows down and loops
// while tiles remain.
func tileLoopEnd(name string, m int) {
	for _, p := range [][2]string{{"in", "ldi"}, {"out", "ldo"}} {
		ld := gen.LoadParam(p[1])
		IMUL3Q(U32(4*m), ld, ld)
		ADDQ(ld, gen.ParamAddr(p[0]))
	}
	DECQ(gen.ParamAddr("ntiles"))
	JNZ(LabelRef(name + "_tile"))
}

// avx512Kernel emits an m×(16·nv) tile kernel using zmm registers, K-masked
// stores and broadcasts of the input values.
func avx512Kernel(m, nv int) {
	name := fmt.Sprintf("gemmF32AVX512x%dx%d", m, 16*nv)
	TEXT(name, NOSPLIT, fmt.Sprintf(signature, "mask uint64"))
	Pragma("noescape")
	doc(name, m, 16*nv, "mask>>j&1 == 1")

	// Column masks, 16 bits per zmm.
	mk := gen.LoadParam("mask")
	kmask := make([]reg.Register, nv)
	for v := 0; v < nv; v++ {
		kmask[v] = K()
		KMOVW(mk.As32(), kmask[v])
		if v+1 < nv {
			SHRQ(U8(16), mk)
		}
	}

	// Accumulators start at the bias.
	Label(name + "_tile") // the loop over ntiles tiles of m rows
	bias := gen.LoadParam("bias")
	acc := make([][]reg.VecVirtual, m)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, nv)
		for v := range acc[i] {
			acc[i][v] = ZMM()
			if i == 0 {
				VMOVUPS(Mem{Base: bias, Disp: 64 * v}, acc[i][v])
			} else {
				VMOVAPS(acc[0][v], acc[i][v])
			}
		}
	}

	kLoop(name, m, nv, acc, true)

	lo, hi := ZMM(), ZMM()
	VBROADCASTSS(gen.ParamAddr("lo"), lo)
	VBROADCASTSS(gen.ParamAddr("hi"), hi)
	out := gen.LoadParam("out")
	ldo := gen.LoadParam("ldo")
	SHLQ(U8(2), ldo)
	obases := rowBases(out, ldo, m)
	for i := 0; i < m; i++ {
		for v := 0; v < nv; v++ {
			VMAXPS(lo, acc[i][v], acc[i][v])
			VMINPS(hi, acc[i][v], acc[i][v])
			VMOVUPS(acc[i][v], kmask[v], rowAddr(obases, ldo, i, 64*v))
		}
	}
	tileLoopEnd(name, m)
	VZEROUPPER()
	RET()
}

// avx2Kernel emits an m×16 tile kernel using ymm registers; a last panel
// narrower than 16 columns is stored with VMASKMOVPS.
func avx2Kernel(m int, maskTab Mem) {
	const nv = 2
	name := fmt.Sprintf("gemmF32AVX2x%dx16", m)
	TEXT(name, NOSPLIT, fmt.Sprintf(signature, "valid int"))
	Pragma("noescape")
	doc(name, m, 16, "j < valid")

	Label(name + "_tile") // the loop over ntiles tiles of m rows
	bias := gen.LoadParam("bias")
	acc := make([][]reg.VecVirtual, m)
	for i := range acc {
		acc[i] = make([]reg.VecVirtual, nv)
		for v := range acc[i] {
			acc[i][v] = YMM()
			if i == 0 {
				VMOVUPS(Mem{Base: bias, Disp: 32 * v}, acc[i][v])
			} else {
				VMOVAPS(acc[0][v], acc[i][v])
			}
		}
	}

	kLoop(name, m, nv, acc, false)

	lo, hi := YMM(), YMM()
	VBROADCASTSS(gen.ParamAddr("lo"), lo)
	VBROADCASTSS(gen.ParamAddr("hi"), hi)
	for i := 0; i < m; i++ {
		for v := 0; v < nv; v++ {
			VMAXPS(lo, acc[i][v], acc[i][v])
			VMINPS(hi, acc[i][v], acc[i][v])
		}
	}
	out := gen.LoadParam("out")
	ldo := gen.LoadParam("ldo")
	SHLQ(U8(2), ldo)
	obases := rowBases(out, ldo, m)
	valid := gen.LoadParam("valid")
	CMPQ(valid, U8(16))
	JL(LabelRef(name + "_masked"))
	for i := 0; i < m; i++ {
		for v := 0; v < nv; v++ {
			VMOVUPS(acc[i][v], rowAddr(obases, ldo, i, 32*v))
		}
	}
	JMP(LabelRef(name + "_stored"))

	Label(name + "_masked")
	// Masks for the first valid columns start at maskTab[16-valid].
	tab := GP64()
	LEAQ(maskTab, tab)
	NEGQ(valid)
	masks := make([]reg.VecVirtual, nv)
	for v := range masks {
		masks[v] = YMM()
		VMOVUPS(Mem{Base: tab, Index: valid, Scale: 4, Disp: 64 + 32*v}, masks[v])
	}
	for i := 0; i < m; i++ {
		for v := 0; v < nv; v++ {
			VMASKMOVPS(acc[i][v], masks[v], rowAddr(obases, ldo, i, 32*v))
		}
	}
	Label(name + "_stored")
	tileLoopEnd(name, m)
	VZEROUPPER()
	RET()
}
