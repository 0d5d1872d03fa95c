package kernels

//go:generate go run -C ../asm ./act -out ../kernels/f32_hswish_avx512_amd64.s -stubs ../kernels/f32_hswish_avx512_stubs_amd64.go -pkg kernels

// HardSwish computes MobileNet V3's h-swish of x into y (y may be x; it must hold len(x) values):
//
//	for i, v := range x {
//		r := min(max(v+3, 0), 6)
//		y[i] = v * r / 6
//	}
//
// in that order of operations: the results have the bits of the loop's (a NaN stays a NaN). AVX-512
// runs 16 values at a time; the rest of a slice and the other levels run the Go twin.
func HardSwish(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if hardSwishAsm(level(), y, x) {
		n = len(x) &^ 15
	}
	hardSwishGeneric(y[n:], x[n:])
}
