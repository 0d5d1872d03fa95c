//go:build amd64 && !purego && !noasm && !race

package q8

type dwFunc = func(out, in0, in1, in2 *byte, w *int32, tap, c, npix int, zx int32, lo, hi float32, zp, imin, imax int32, mode int, tail uint16)

// dwKernels holds the depthwise kernels by [signed][stride-1][rows-1][taps per row-1].
var dwKernels = [2][2][3][3]dwFunc{{{
	{dw3x3U8VNNIS1R1C1, dw3x3U8VNNIS1R1C2, dw3x3U8VNNIS1R1C3},
	{dw3x3U8VNNIS1R2C1, dw3x3U8VNNIS1R2C2, dw3x3U8VNNIS1R2C3},
	{dw3x3U8VNNIS1R3C1, dw3x3U8VNNIS1R3C2, dw3x3U8VNNIS1R3C3},
}, {
	{dw3x3U8VNNIS2R1C1, dw3x3U8VNNIS2R1C2, dw3x3U8VNNIS2R1C3},
	{dw3x3U8VNNIS2R2C1, dw3x3U8VNNIS2R2C2, dw3x3U8VNNIS2R2C3},
	{dw3x3U8VNNIS2R3C1, dw3x3U8VNNIS2R3C2, dw3x3U8VNNIS2R3C3},
}}, {{
	{dw3x3I8VNNIS1R1C1, dw3x3I8VNNIS1R1C2, dw3x3I8VNNIS1R1C3},
	{dw3x3I8VNNIS1R2C1, dw3x3I8VNNIS1R2C2, dw3x3I8VNNIS1R2C3},
	{dw3x3I8VNNIS1R3C1, dw3x3I8VNNIS1R3C2, dw3x3I8VNNIS1R3C3},
}, {
	{dw3x3I8VNNIS2R1C1, dw3x3I8VNNIS2R1C2, dw3x3I8VNNIS2R1C3},
	{dw3x3I8VNNIS2R2C1, dw3x3I8VNNIS2R2C2, dw3x3I8VNNIS2R2C3},
	{dw3x3I8VNNIS2R3C1, dw3x3I8VNNIS2R3C2, dw3x3I8VNNIS2R3C3},
}}}

// spanAsm computes a span with the VNNI kernels; s.nr and s.nc are at least 1.
func (d *DW3x3) spanAsm(out, in []byte, rowOff [3]int, s dwSpan) bool {
	c := d.C
	// Rows past s.nr are not read: point them at the first row.
	var p [3]*byte
	for i := range p {
		p[i] = &in[rowOff[min(i, s.nr-1)]]
	}
	signed := 0
	if d.signed {
		signed = 1
	}
	sc := &d.sc
	dwKernels[signed][s.stride-1][s.nr-1][s.nc-1](&out[0], p[0], p[1], p[2], &d.packed[0], s.ky0*3+s.kx0, c, s.npix,
		d.inZP, sc.lo, sc.hi, sc.zp, sc.imin, sc.imax, sc.mode, uint16(1)<<(c%16)-1)
	return true
}
