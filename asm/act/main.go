// Command act generates the float32 h-swish kernel of package kernels (AVX-512;
// other levels use the Go twin):
//
//	for i := 0; i < 16*n; i++ {
//		r := min(max(x[i]+3, 0), 6)
//		y[i] = x[i] * r / 6
//	}
//
// in that order of operations, so that every result has the bits of the Go
// loop's (NaN results aside, whose payload is not specified).
//
// Usage (from package kernels, see its go:generate line):
//
//	go run ./act -out f32_hswish_avx512_amd64.s -stubs f32_hswish_avx512_stubs_amd64.go -pkg kernels
package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

func main() {
	ConstraintExpr(gen.Constraint)
	TEXT("hardSwishF32AVX512", NOSPLIT, "func(y, x *float32, n int)")
	Pragma("noescape")
	Doc(
		"hardSwishF32AVX512 computes 16·n values of h-swish:",
		"",
		"\tfor i := 0; i < 16*n; i++ {",
		"\t\tr := min(max(x[i]+3, 0), 6)",
		"\t\ty[i] = x[i] * r / 6",
		"\t}",
	)
	y, x, n := gen.LoadParam("y"), gen.LoadParam("x"), gen.LoadParam("n")
	broadcast := func(v float32) reg.VecVirtual {
		r, z := GP32(), ZMM()
		MOVL(U32(math.Float32bits(v)), r)
		VPBROADCASTD(r, z)
		return z
	}
	three, six := broadcast(3), broadcast(6)
	zero := ZMM()
	VPXORD(zero, zero, zero)
	Label("loop")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	v, t := ZMM(), ZMM()
	VMOVUPS(Mem{Base: x}, v)
	VADDPS(three, v, t) // t = x + 3
	VMAXPS(zero, t, t)  // max(t, 0)
	VMINPS(six, t, t)   // min(t, 6)
	VMULPS(t, v, t)     // x·r
	VDIVPS(six, t, t)   // (x·r)/6
	VMOVUPS(t, Mem{Base: y})
	ADDQ(U32(64), x)
	ADDQ(U32(64), y)
	DECQ(n)
	JMP(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
	Generate()
}
