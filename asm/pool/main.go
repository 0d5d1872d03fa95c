// Command pool generates the float32 global average pooling kernels of
// package kernels:
//
//	for ch := 0; ch < c; ch++ {
//		s := 0
//		for p := 0; p < pixels; p++ {
//			s += in[p*c+ch]
//		}
//		out[ch] = s * scale
//	}
//
// The kernels sum chunks of eight vectors of channels pixel by pixel, so that
// each pixel's chunk is read in order, then the remaining vectors one at a
// time and a masked tail.
//
// Usage (from package kernels, see its go:generate lines):
//
//	go run ./pool -isa avx512 -out f32_avgpool_avx512_amd64.s -stubs f32_avgpool_avx512_stubs_amd64.go -pkg kernels
//	go run ./pool -isa avx2 -out f32_avgpool_avx2_amd64.s -stubs f32_avgpool_avx2_stubs_amd64.go -pkg kernels
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

// chunk is how many vectors of channels one pass over the pixels sums.
const chunk = 8

func main() {
	isa := flag.String("isa", "avx512", "instruction set: avx512 or avx2")
	flag.Parse()
	ConstraintExpr(gen.Constraint)
	switch *isa {
	case "avx512":
		kernel("avgPoolF32AVX512", false)
	case "avx2":
		lanes := GLOBL("avgPoolF32Lanes", RODATA|NOPTR)
		for l := 0; l < 8; l++ {
			DATA(4*l, U32(uint32(l)))
		}
		laneTab = lanes
		kernel("avgPoolF32AVX2", true)
	default:
		log.Fatalf("pool: unknown -isa %q", *isa)
	}
	Generate()
}

// laneTab holds the int32 lane numbers 0..7 (AVX2).
var laneTab Mem

// kernel emits the pooling kernel for zmm (16 lanes) or ymm (8 lanes).
func kernel(name string, ymm bool) {
	lanes, vec := 16, ZMM
	if ymm {
		lanes, vec = 8, YMM
	}
	vbytes := 4 * lanes
	sig := "func(out, in *float32, pixels, c int, scale float32)"
	if !ymm {
		sig = "func(out, in *float32, pixels, c int, scale float32, tail uint16)"
	}
	TEXT(name, NOSPLIT, sig)
	Pragma("noescape")
	Doc(
		fmt.Sprintf("%s sums pixels rows of c floats and scales the sums:", name),
		"",
		"\tfor ch := 0; ch < c; ch++ {",
		"\t\ts := 0",
		"\t\tfor p := 0; p < pixels; p++ {",
		"\t\t\ts += in[p*c+ch]",
		"\t\t}",
		"\t\tout[ch] = s * scale",
		"\t}",
		"",
		"pixels ≥ 1.",
	)
	if !ymm {
		Comment("tail masks the lanes of the last vector: (1 << (c % 16)) - 1.")
	}
	out, in := gen.LoadParam("out"), gen.LoadParam("in")
	c4 := gen.LoadParam("c")
	SHLQ(U8(2), c4)
	sc := vec()
	VBROADCASTSS(gen.ParamAddr("scale"), sc)
	left := gen.LoadParam("c") // channels still to sum

	// pass sums nv vectors (masked when tail) starting at channel byte
	// offset in - in0, out.
	pass := func(nv int, tail bool, maskK reg.Register, maskY reg.VecVirtual) {
		acc := make([]reg.VecVirtual, nv)
		for v := range acc {
			acc[v] = vec()
			VXORPS(acc[v], acc[v], acc[v])
		}
		p, n := GP64(), gen.LoadParam("pixels")
		MOVQ(in, p)
		l := fmt.Sprintf("%s_px%d_%t", name, nv, tail)
		Label(l)
		for v := range acc {
			m := Mem{Base: p, Disp: vbytes * v}
			switch {
			case tail && !ymm:
				VADDPS(m, acc[v], maskK, acc[v])
			case tail:
				x := vec()
				VMASKMOVPS(m, maskY, x)
				VADDPS(x, acc[v], acc[v])
			default:
				VADDPS(m, acc[v], acc[v])
			}
		}
		ADDQ(c4, p)
		DECQ(n)
		JNZ(LabelRef(l))
		for v := range acc {
			VMULPS(sc, acc[v], acc[v])
			m := Mem{Base: out, Disp: vbytes * v}
			switch {
			case tail && !ymm:
				VMOVUPS(acc[v], maskK, m)
			case tail:
				VMASKMOVPS(acc[v], maskY, m)
			default:
				VMOVUPS(acc[v], m)
			}
		}
		ADDQ(U32(vbytes*nv), in)
		ADDQ(U32(vbytes*nv), out)
		SUBQ(U32(lanes*nv), left)
	}

	for _, nv := range []int{chunk, 1} {
		l := fmt.Sprintf("%s_chunk%d", name, nv)
		next := fmt.Sprintf("%s_chunk%d_done", name, nv)
		Label(l)
		CMPQ(left, U32(lanes*nv))
		JL(LabelRef(next))
		pass(nv, false, nil, nil)
		JMP(LabelRef(l))
		Label(next)
	}
	TESTQ(left, left)
	JZ(LabelRef(name + "_ret"))
	if ymm {
		m := vec()
		VMOVQ(left, m.AsX())
		VPBROADCASTD(m.AsX(), m)
		VPCMPGTD(laneTab, m, m) // lane l is all ones when left > l
		pass(1, true, nil, m)
	} else {
		k, t := K(), GP32()
		MOVWLZX(gen.ParamAddr("tail"), t)
		KMOVW(t, k)
		pass(1, true, k, nil)
	}
	Label(name + "_ret")
	VZEROUPPER()
	RET()
}
