package train

import (
	"math"

	"github.com/mobilenet-go/mobilenet/kernels"
)

// kBlock is the length of the blocks the inner dimension of a product is summed in: two rows of A and
// four of B at this length stay in the first-level cache.
const kBlock = 256

// matmul computes C = A·Bᵀ, c[i·n+j] = Σ_p a[i·k+p]·b[j·k+p] for i < m, j < n, overwriting c, where A
// is m×k and B is n×k, both row-major. Every matrix product of training goes through this one
// function: the pointwise forward pass (Y = X·Wᵀ), the input gradient (dX = dY·W, with W transposed)
// and the filter gradient (dW = dYᵀ·X, with both transposed). It uses the project's SIMD GEMM
// (package kernels) where the CPU has one, and matmulGo otherwise or when the workers ask for pure Go.
func matmul(c, a, b []float32, m, n, k int, w *workers) {
	if w.pureGo || kernels.Detected() == kernels.Generic {
		matmulGo(c, a, b, m, n, k, w)
		return
	}
	matmulSIMD(c, a, b, m, n, k, w)
}

// matmulSIMD computes the product with kernels.GEMM: B packed once per call (its rows are the
// "weights"), the rows of A split among the workers.
func matmulSIMD(c, a, b []float32, m, n, k int, w *workers) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:m*n])
		return
	}
	g := kernels.PackGEMM(b[:n*k], nil, n, k)
	inf := float32(math.Inf(1))
	w.run(m, func(r0, r1 int) { g.Run(c, a, r0, r1, -inf, inf) })
}

// matmulGo is the plain-Go product: register tiles of 2 rows of A by 4 rows of B, the inner dimension
// in blocks of kBlock, rows (or, for short wide products, columns) split among the workers. Each
// element is the sum, over the blocks in order, of the block's products summed left to right from
// zero: the same arithmetic whatever the tile that computes it and whatever the split.
func matmulGo(c, a, b []float32, m, n, k int, w *workers) {
	c = c[:m*n]
	clear(c)
	if m == 0 || n == 0 || k == 0 {
		return
	}
	a, b = a[:m*k], b[:n*k]
	if m >= n {
		w.run((m+1)/2, func(lo, hi int) { gemmRange(c, a, b, 2*lo, min(2*hi, m), 0, n, n, k) })
	} else {
		w.run((n+3)/4, func(lo, hi int) { gemmRange(c, a, b, 0, m, 4*lo, min(4*hi, n), n, k) })
	}
}

// gemmRange adds to C its rows [i0, i1) and columns [j0, j1) of A·Bᵀ.
func gemmRange(c, a, b []float32, i0, i1, j0, j1, n, k int) {
	for p0 := 0; p0 < k; p0 += kBlock {
		kk := min(kBlock, k-p0)
		i := i0
		for ; i+2 <= i1; i += 2 {
			a0 := a[i*k+p0 : i*k+p0+kk]
			a1 := a[(i+1)*k+p0 : (i+1)*k+p0+kk]
			j := j0
			for ; j+4 <= j1; j += 4 {
				tile2x4(c[i*n+j:], n, a0, a1, b[j*k+p0:], k)
			}
			for ; j < j1; j++ {
				bj := b[j*k+p0 : j*k+p0+kk]
				c[i*n+j] += dot(a0, bj)
				c[(i+1)*n+j] += dot(a1, bj)
			}
		}
		if i < i1 {
			a0 := a[i*k+p0 : i*k+p0+kk]
			for j := j0; j < j1; j++ {
				c[i*n+j] += dot(a0, b[j*k+p0:j*k+p0+kk])
			}
		}
	}
}

// tile2x4 adds to the 2×4 block of C at c (row stride ldc) the products of rows a0, a1 with the four
// rows of B at b (row stride ldb), over len(a0) terms.
func tile2x4(c []float32, ldc int, a0, a1, b []float32, ldb int) {
	k := len(a0)
	a1 = a1[:k]
	b0, b1, b2, b3 := b[:k], b[ldb:ldb+k], b[2*ldb:2*ldb+k], b[3*ldb:3*ldb+k]
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	for p, x0 := range a0 {
		x1 := a1[p]
		y := b0[p]
		c00 += x0 * y
		c10 += x1 * y
		y = b1[p]
		c01 += x0 * y
		c11 += x1 * y
		y = b2[p]
		c02 += x0 * y
		c12 += x1 * y
		y = b3[p]
		c03 += x0 * y
		c13 += x1 * y
	}
	c[0] += c00
	c[1] += c01
	c[2] += c02
	c[3] += c03
	c[ldc] += c10
	c[ldc+1] += c11
	c[ldc+2] += c12
	c[ldc+3] += c13
}

// dot returns Σ a[p]·b[p] summed left to right from zero.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for p, x := range a {
		s += x * b[p]
	}
	return s
}

// transpose writes the cols×rows transpose of the rows×cols row-major matrix src into dst. It goes in
// blocks of 64 rows by 8 columns: the 8 rows of dst a block writes lie a power-of-two stride apart in
// training (rows = batch·pixels), and more than 8 of them would contend for the same cache sets.
func transpose(dst, src []float32, rows, cols int, w *workers) {
	const bh, bw = 64, 8
	src, dst = src[:rows*cols], dst[:rows*cols]
	w.run((rows+bh-1)/bh, func(lo, hi int) {
		for r0 := lo * bh; r0 < min(hi*bh, rows); r0 += bh {
			r1 := min(r0+bh, rows)
			for c0 := 0; c0 < cols; c0 += bw {
				c1 := min(c0+bw, cols)
				for r := r0; r < r1; r++ {
					row := src[r*cols : r*cols+c1]
					for cc := c0; cc < c1; cc++ {
						dst[cc*rows+r] = row[cc]
					}
				}
			}
		}
	})
}
