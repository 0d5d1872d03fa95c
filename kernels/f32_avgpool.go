package kernels

import "fmt"

//go:generate go run -C ../asm ./pool -isa avx512 -out ../kernels/f32_avgpool_avx512_amd64.s -stubs ../kernels/f32_avgpool_avx512_stubs_amd64.go -pkg kernels
//go:generate go run -C ../asm ./pool -isa avx2 -out ../kernels/f32_avgpool_avx2_amd64.s -stubs ../kernels/f32_avgpool_avx2_stubs_amd64.go -pkg kernels

// GlobalAvgPool averages an NHWC image of pixels × c values over its pixels:
//
//	for ch := 0; ch < c; ch++ {
//		s := 0
//		for p := 0; p < pixels; p++ {
//			s += in[p*c+ch]
//		}
//		out[ch] = s / pixels
//	}
//
// It panics if in holds fewer than pixels·c values, out fewer than c, or
// pixels is not positive.
func GlobalAvgPool(out, in []float32, pixels, c int) {
	if pixels < 1 || c < 0 || len(in) < pixels*c || len(out) < c {
		panic(fmt.Sprintf("kernels: GlobalAvgPool: %d pixels × %d channels: len(in)=%d len(out)=%d", pixels, c, len(in), len(out)))
	}
	if c == 0 {
		return
	}
	if l := level(); l == Generic || !avgPoolAsm(l, out, in, pixels, c) {
		avgPoolGeneric(out, in, pixels, c)
	}
}
