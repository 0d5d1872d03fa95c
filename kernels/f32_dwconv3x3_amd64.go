//go:build amd64 && !purego && !noasm && !race

package kernels

type (
	dw3x3AVX512Func = func(out, in0, in1, in2, w, bias *float32, c, npix int, lo, hi float32, fullBytes int, tail uint16)
	dw3x3AVX2Func   = func(out, in0, in1, in2, w, bias *float32, c, npix int, lo, hi float32, fullBytes, half8, tail int)
)

// Depthwise kernels indexed by [stride-1][rows-1][taps per row-1].
var (
	dw3x3AVX512 = [2][3][3]dw3x3AVX512Func{{
		{dw3x3F32AVX512S1R1C1, dw3x3F32AVX512S1R1C2, dw3x3F32AVX512S1R1C3},
		{dw3x3F32AVX512S1R2C1, dw3x3F32AVX512S1R2C2, dw3x3F32AVX512S1R2C3},
		{dw3x3F32AVX512S1R3C1, dw3x3F32AVX512S1R3C2, dw3x3F32AVX512S1R3C3},
	}, {
		{dw3x3F32AVX512S2R1C1, dw3x3F32AVX512S2R1C2, dw3x3F32AVX512S2R1C3},
		{dw3x3F32AVX512S2R2C1, dw3x3F32AVX512S2R2C2, dw3x3F32AVX512S2R2C3},
		{dw3x3F32AVX512S2R3C1, dw3x3F32AVX512S2R3C2, dw3x3F32AVX512S2R3C3},
	}}
	dw3x3AVX2 = [2][3][3]dw3x3AVX2Func{{
		{dw3x3F32AVX2S1R1C1, dw3x3F32AVX2S1R1C2, dw3x3F32AVX2S1R1C3},
		{dw3x3F32AVX2S1R2C1, dw3x3F32AVX2S1R2C2, dw3x3F32AVX2S1R2C3},
		{dw3x3F32AVX2S1R3C1, dw3x3F32AVX2S1R3C2, dw3x3F32AVX2S1R3C3},
	}, {
		{dw3x3F32AVX2S2R1C1, dw3x3F32AVX2S2R1C2, dw3x3F32AVX2S2R1C3},
		{dw3x3F32AVX2S2R2C1, dw3x3F32AVX2S2R2C2, dw3x3F32AVX2S2R2C3},
		{dw3x3F32AVX2S2R3C1, dw3x3F32AVX2S2R3C2, dw3x3F32AVX2S2R3C3},
	}}
)

// spanAsm computes a span with the assembly kernels of level l; s.nr and
// s.nc are at least 1.
func (d *DW3x3) spanAsm(l Level, out, in []float32, rowOff [3]int, s dwSpan) bool {
	c := d.C
	// Rows past s.nr are not read: point them at the first row.
	var p [3]*float32
	for i := range p {
		p[i] = &in[rowOff[min(i, s.nr-1)]]
	}
	w := &d.packed[(s.ky0*3+s.kx0)*dwBlock]
	switch l {
	case AVX512:
		dw3x3AVX512[s.stride-1][s.nr-1][s.nc-1](&out[0], p[0], p[1], p[2], w, &d.packed[0], c, s.npix, s.lo, s.hi,
			64*(c/16), uint16(1)<<(c%16)-1)
	case AVX2:
		dw3x3AVX2[s.stride-1][s.nr-1][s.nc-1](&out[0], p[0], p[1], p[2], w, &d.packed[0], c, s.npix, s.lo, s.hi,
			64*(c/16), c%16/8, c%8)
	default:
		return false
	}
	return true
}

// dw3x3AVX512Pair holds the two-row kernels by stride-1.
var dw3x3AVX512Pair = [2]func(out0, out1, in, w *float32, c, inRow, npix int, lo, hi float32, fullBytes int, tail uint16){
	dw3x3F32AVX512S1Pair, dw3x3F32AVX512S2Pair,
}

// pairAsm computes the interior pixels [oxA, oxB) of output rows oy and
// oy+1, all of whose taps lie inside the input, with a two-row kernel; it
// reports false where level l has none.
func (d *DW3x3) pairAsm(l Level, out, in []float32, inW, stride, padTop, padLeft, outW, oy, oxA, oxB int, lo, hi float32) bool {
	if l != AVX512 {
		return false
	}
	c := d.C
	dw3x3AVX512Pair[stride-1](&out[(oy*outW+oxA)*c], &out[((oy+1)*outW+oxA)*c],
		&in[((oy*stride-padTop)*inW+oxA*stride-padLeft)*c], &d.packed[0], c, inW*c, oxB-oxA, lo, hi,
		64*(c/16), uint16(1)<<(c%16)-1)
	return true
}
