//go:build amd64 && !purego && !noasm && !race

package q8

import "fmt"

// gemmRowBlock is the most rows one pass over the column groups computes:
// their row terms live in a stack array.
const gemmRowBlock = 256

// gemmBlockBytes bounds the input rows of one pass, so that they stay in L2
// while every column group streams past them.
const gemmBlockBytes = 128 << 10

// runAsm computes the rows with the VNNI kernels, in blocks of rows whose
// row terms are computed first.
func (g *GEMM) runAsm(out []byte, ldo int, in []byte, ldi, rows int) bool {
	var rt [gemmRowBlock]int32
	rb := max(1, min(gemmRowBlock, gemmBlockBytes/g.K))
	for b0 := 0; b0 < rows; b0 += rb {
		n := min(rb, rows-b0)
		o, x := out[b0*ldo:], in[b0*ldi:]
		rowSumsVNNI(&rt[0], &x[0], ldi, g.K, n, g.flip, g.rowMul)
		for _, gr := range g.groups {
			g.call(gr, &o[gr.col], ldo, &x[0], ldi, n, &rt[0])
		}
	}
	return true
}

// call runs the kernel of group gr.
func (g *GEMM) call(gr gemmGroup, out *byte, ldo int, in *byte, ldi, rows int, rt *int32) {
	w, rq, s := &g.w[gr.woff], &g.blocks[gr.col/16*rqInts], &g.sc
	switch {
	case !g.signed && gr.nv == 4:
		gemmU8VNNIx64(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case !g.signed && gr.nv == 3:
		gemmU8VNNIx48(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case !g.signed && gr.nv == 2:
		gemmU8VNNIx32(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case !g.signed:
		gemmU8VNNIx16(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case gr.nv == 4:
		gemmI8VNNIx64(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case gr.nv == 3:
		gemmI8VNNIx48(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	case gr.nv == 2:
		gemmI8VNNIx32(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	default:
		gemmI8VNNIx16(out, ldo, in, ldi, rows, g.K, w, rt, rq, gr.mask, s.lo, s.hi, s.zp, s.imin, s.imax, s.mode)
	}
}

// gatherAsm copies the im2col rows of npix interior pixels (see
// gatherVNNI); dst has 64 bytes of room past the last row.
func gatherAsm(dst, src []byte, npix, ldd, pixStride, nrun, runLen, runStride int) bool {
	last := (npix-1)*pixStride + (nrun-1)*runStride + runLen
	if npix < 1 || len(src) < last || len(dst) < (npix-1)*ldd+nrun*runLen+64 {
		panic(fmt.Sprintf("q8: gather: %d pixels of %d runs of %d bytes: len(src)=%d len(dst)=%d",
			npix, nrun, runLen, len(src), len(dst)))
	}
	gatherVNNI(&dst[0], ldd, &src[0], npix, pixStride, nrun, runLen, runStride)
	return true
}
