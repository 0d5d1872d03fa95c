// Command q8 generates the 8-bit (uint8 and int8) kernels of package
// kernels/q8 for AVX-512 with VNNI (VPDPBUSD, VPDPWSSD).
//
// It writes one of two files, chosen by -kernel:
//
//   - gemm: the pointwise GEMM tiles (u8 activations × u8 weights and i8 ×
//     i8, 16 to 64 columns wide), the row sums they need and the im2col
//     gather of the general convolution;
//   - dw3x3: the depthwise 3×3 spans.
//
// Every kernel ends in a fused requantization in either of TFLite's
// roundings, chosen at run time (see requant.go).
//
// Usage (from package kernels/q8, see its go:generate lines):
//
//	go run ./q8 -kernel gemm -out ../kernels/q8/gemm_vnni_amd64.s -stubs ../kernels/q8/gemm_vnni_stubs_amd64.go -pkg q8
//	go run ./q8 -kernel dw3x3 -out ../kernels/q8/dw3x3_vnni_amd64.s -stubs ../kernels/q8/dw3x3_vnni_stubs_amd64.go -pkg q8
package main

import (
	"flag"
	"log"

	. "github.com/mmcloughlin/avo/build"

	"github.com/mobilenet-go/mobilenet/asm/internal/gen"
)

func main() {
	kernel := flag.String("kernel", "gemm", "which kernels: gemm or dw3x3")
	flag.Parse()
	ConstraintExpr(gen.Constraint)
	switch *kernel {
	case "gemm":
		for _, signed := range []bool{false, true} {
			for nv := 1; nv <= 4; nv++ {
				gemmKernel(signed, nv)
			}
		}
		rowSums()
		gather()
	case "dw3x3":
		for _, signed := range []bool{false, true} {
			for s := 1; s <= 2; s++ {
				for nr := 1; nr <= 3; nr++ {
					for nc := 1; nc <= 3; nc++ {
						dwKernel(signed, s, nr, nc)
					}
				}
			}
		}
	default:
		log.Fatalf("q8: unknown -kernel %q", *kernel)
	}
	Generate()
}

// typeName names the element type of a kernel.
func typeName(signed bool) string {
	if signed {
		return "I8"
	}
	return "U8"
}
