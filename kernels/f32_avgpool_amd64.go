//go:build amd64 && !purego && !noasm && !race

package kernels

// avgPoolAsm pools with the assembly kernel of level l.
func avgPoolAsm(l Level, out, in []float32, pixels, c int) bool {
	scale := 1 / float32(pixels)
	switch l {
	case AVX512:
		avgPoolF32AVX512(&out[0], &in[0], pixels, c, scale, uint16(1)<<(c%16)-1)
	case AVX2:
		avgPoolF32AVX2(&out[0], &in[0], pixels, c, scale)
	default:
		return false
	}
	return true
}
