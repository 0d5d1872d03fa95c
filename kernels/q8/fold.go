package q8

import (
	"unsafe"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// A convolution with few output channels (the stem of a narrow MobileNet:
// 8 channels from 1 or 3) fills only part of the GEMM kernels' 16-lane
// column vectors, and pays the per-row costs — the row sum, the
// requantization, the store — once for every few outputs. Folding f
// consecutive output pixels into one GEMM row fixes both: their im2col rows
// are already consecutive in the buffer, so f of them are one row of f·K
// bytes, and a block-diagonal weight matrix of f·N columns — column q·N+o
// holds channel o's weights against pixel q's K bytes and the weight zero
// point everywhere else — computes the f pixels' outputs, which are
// consecutive in NHWC too. The zero-point terms stay exact: a weight equal
// to its zero point adds nothing, and the row term and the folded bias are
// computed for the whole row and each column as always. With f·N ≤ 16 the
// kernels issue no more dot products per pixel than unfolded.

// foldFactor returns how many output pixels one row of the folded GEMM of
// a convolution with n outputs and k-byte im2col rows holds: ⌊16/n⌋, or 1
// (no folding) when n > 8 or f·k would not fit the im2col buffer.
func foldFactor(n, k int) int {
	f := 16 / n
	if f < 2 || f*k > convScratch {
		return 1
	}
	return f
}

// packFold packs c's folded GEMM from its weights w ([N][K] codes) with zero
// point wZP (0 for int8), when folding pays.
func (c *Conv) packFold(w []byte, wZP int32, bias []int32, inZP int32, rq *qmath.Requant, r qmath.Rounding) {
	n, k := c.N, c.g.K
	f := foldFactor(n, k)
	if f < 2 {
		return
	}
	wf := make([]byte, f*n*f*k)
	for i := range wf {
		wf[i] = byte(wZP)
	}
	bf := make([]int32, f*n)
	for q := 0; q < f; q++ {
		for o := 0; o < n; o++ {
			copy(wf[(q*n+o)*f*k+q*k:][:k], w[o*k:(o+1)*k])
			if bias != nil {
				bf[q*n+o] = bias[o]
			}
		}
	}
	if c.g.signed {
		c.gf = packGEMMI8(int8View(wf), bf, f*n, f*k, inZP, rq, r, n)
	} else {
		c.gf = packGEMMU8(wf, wZP, bf, f*n, f*k, inZP, rq, r, n)
	}
	c.fold = f
}

// gemm multiplies the rows im2col rows in buf (K bytes each, back to back)
// into rows of N outputs, with the folded GEMM where there is one and the
// level has kernels (the plain-Go twin gains nothing from folding).
func (c *Conv) gemm(out, buf []byte, rows int) {
	k := c.g.K
	if c.gf == nil || level() == Generic {
		c.g.run(out, c.N, buf, k, rows)
		return
	}
	m := rows / c.fold
	if m > 0 {
		c.gf.run(out, c.fold*c.N, buf, c.fold*k, m)
	}
	if done := m * c.fold; done < rows {
		c.g.run(out[done*c.N:], c.N, buf[done*k:], k, rows-done)
	}
}

// int8View views bytes as int8s.
func int8View(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}
