//go:build amd64 && !purego && !noasm && !race

package kernels

type (
	dwKxKAVX512Func = func(out, in, w, bias *float32, c, npix, nr, inRow, wRow, blk int, lo, hi float32, fullBytes int, tail uint16)
	dwKxKAVX2Func   = func(out, in, w, bias *float32, c, npix, nr, inRow, wRow, blk int, lo, hi float32, fullBytes, half8, tail int)
)

// Depthwise K×K kernels indexed by [stride-1][taps per row-1].
var (
	dwKxKAVX512 = [2][dwKxKMaxTaps]dwKxKAVX512Func{
		{dwKxKF32AVX512S1C1, dwKxKF32AVX512S1C2, dwKxKF32AVX512S1C3, dwKxKF32AVX512S1C4, dwKxKF32AVX512S1C5, dwKxKF32AVX512S1C6, dwKxKF32AVX512S1C7},
		{dwKxKF32AVX512S2C1, dwKxKF32AVX512S2C2, dwKxKF32AVX512S2C3, dwKxKF32AVX512S2C4, dwKxKF32AVX512S2C5, dwKxKF32AVX512S2C6, dwKxKF32AVX512S2C7},
	}
	dwKxKAVX2 = [2][dwKxKMaxTaps]dwKxKAVX2Func{
		{dwKxKF32AVX2S1C1, dwKxKF32AVX2S1C2, dwKxKF32AVX2S1C3, dwKxKF32AVX2S1C4, dwKxKF32AVX2S1C5, dwKxKF32AVX2S1C6, dwKxKF32AVX2S1C7},
		{dwKxKF32AVX2S2C1, dwKxKF32AVX2S2C2, dwKxKF32AVX2S2C3, dwKxKF32AVX2S2C4, dwKxKF32AVX2S2C5, dwKxKF32AVX2S2C6, dwKxKF32AVX2S2C7},
	}
)

// spanAsm computes a span with the assembly kernels of level l, the first
// pixel's first valid tap being in[off:]; s.nr and s.nc are at least 1. It
// reports false where level l has no kernel for the span.
func (d *DWKxK) spanAsm(l Level, out, in []float32, off int, s dwKxKSpan) bool {
	if s.nc > dwKxKMaxTaps || s.stride > 2 {
		return false
	}
	c := d.C
	w := &d.packed[(1+s.ky0*d.KW+s.kx0)*dwBlock]
	blk := (1 + d.KH*d.KW) * dwBlock * 4
	switch l {
	case AVX512:
		dwKxKAVX512[s.stride-1][s.nc-1](&out[0], &in[off], w, &d.packed[0], c, s.npix, s.nr, 4*s.inRow, 64*d.KW, blk,
			s.lo, s.hi, 64*(c/16), uint16(1)<<(c%16)-1)
	case AVX2:
		dwKxKAVX2[s.stride-1][s.nc-1](&out[0], &in[off], w, &d.packed[0], c, s.npix, s.nr, 4*s.inRow, 64*d.KW, blk,
			s.lo, s.hi, 64*(c/16), c%16/8, c%8)
	default:
		return false
	}
	return true
}
