//go:build amd64 && !purego && !noasm && !race

package kernels

import "math"

type (
	gemmAVX512Func = func(out *float32, ldo int, in *float32, ldi int, ntiles int, w *float32, ps, k, nseg, segStride int, bias *float32, lo, hi float32, mask uint64)
	gemmAVX2Func   = func(out *float32, ldo int, in *float32, ldi int, ntiles int, w *float32, ps, k, nseg, segStride int, bias *float32, lo, hi float32, valid int)
)

// The micro-kernels by tile height m, at index m-1: AVX-512 tiles of 1..14
// rows by 32 and by 16 columns, AVX2 tiles of 1..6 rows by 16 columns.
var (
	gemmAVX512x32 = [...]gemmAVX512Func{
		gemmF32AVX512x1x32, gemmF32AVX512x2x32, gemmF32AVX512x3x32, gemmF32AVX512x4x32,
		gemmF32AVX512x5x32, gemmF32AVX512x6x32, gemmF32AVX512x7x32, gemmF32AVX512x8x32,
		gemmF32AVX512x9x32, gemmF32AVX512x10x32, gemmF32AVX512x11x32, gemmF32AVX512x12x32,
		gemmF32AVX512x13x32, gemmF32AVX512x14x32,
	}
	gemmAVX512x16 = [...]gemmAVX512Func{
		gemmF32AVX512x1x16, gemmF32AVX512x2x16, gemmF32AVX512x3x16, gemmF32AVX512x4x16,
		gemmF32AVX512x5x16, gemmF32AVX512x6x16, gemmF32AVX512x7x16, gemmF32AVX512x8x16,
		gemmF32AVX512x9x16, gemmF32AVX512x10x16, gemmF32AVX512x11x16, gemmF32AVX512x12x16,
		gemmF32AVX512x13x16, gemmF32AVX512x14x16,
	}
	gemmAVX2x16 = [...]gemmAVX2Func{
		gemmF32AVX2x1x16, gemmF32AVX2x2x16, gemmF32AVX2x3x16,
		gemmF32AVX2x4x16, gemmF32AVX2x5x16, gemmF32AVX2x6x16,
	}
)

// gemmRowBlockBytes bounds the input rows one pass over the weight panels
// reads, so that they stay in L2 while every panel streams past them.
const gemmRowBlockBytes = 256 << 10

// gemmL1WeightBytes is the largest weight matrix worth keeping in L1 while
// each tile of rows sweeps all of its panels.
const gemmL1WeightBytes = 32 << 10

// runAsm runs the layer with the assembly tiles of level l.
func (g *GEMM) runAsm(l Level, a gemmArgs) bool {
	switch l {
	case AVX512:
		g.runAVX512(a)
	case AVX2:
		g.runAVX2(a)
	default:
		return false
	}
	return true
}

// rowBlock returns how many rows of k floats (of a GEMM with n columns, in
// passes of width columns) make one cache block, a multiple of the tile
// height mr. With a single pass every input row is read once whatever the
// block; small weights stay in L1 while a tile of rows sweeps every pass.
func rowBlock(k, n, width, mr int) int {
	switch {
	case n <= width:
		return math.MaxInt
	case 4*k*n <= gemmL1WeightBytes:
		return mr
	}
	rb := gemmRowBlockBytes / (4 * k)
	return max(mr, rb/mr*mr)
}

// tiles splits rows into tiles of at most mr rows: full tiles of mr rows
// (ntiles of them, computed in one call), then at most two tiles of m1 and
// m2 rows that share the remainder evenly, so that no tile is much shorter
// than the others.
func tiles(rows, mr int) (ntiles, m1, m2 int) {
	if rows%mr == 0 {
		return rows / mr, 0, 0
	}
	if rows < mr {
		return 0, rows, 0
	}
	ntiles = rows/mr - 1
	rem := rows - ntiles*mr
	return ntiles, (rem + 1) / 2, rem / 2
}

// blocks calls f for blocks of a's sets and rows: sets [s0, s1) × rows
// [b0, b1), each block's inputs small enough to stay in L2 while the weight
// panels, in passes of width columns, stream past them.
func blocks(a gemmArgs, n, width, mr int, f func(s0, s1, b0, b1 int)) {
	rb := rowBlock(a.k*a.nseg, n, width, mr)
	sb := a.sets // sets per block
	switch {
	case rb < a.rows:
		sb = 1
	case a.sets > 1 && n > width:
		// Consecutive sets read inSet new floats each (a convolution's
		// window rows overlap).
		sb = max(1, gemmRowBlockBytes/(4*max(a.inSet, a.rows*a.ldi)))
	}
	for s0 := 0; s0 < a.sets; s0 += sb {
		for b0 := 0; b0 < a.rows; b0 += rb {
			f(s0, min(s0+sb, a.sets), b0, min(b0+rb, a.rows))
		}
	}
}

// forTiles calls f for the tiles covering rows [b0, b1): count tiles of m
// rows from row r.
func forTiles(b0, b1, mr int, f func(r, m, count int)) {
	nt, m1, m2 := tiles(b1-b0, mr)
	r := b0
	for _, t := range [3][2]int{{mr, nt}, {m1, 1}, {m2, 1}} {
		if t[0] > 0 && t[1] > 0 {
			f(r, t[0], t[1])
			r += t[0] * t[1]
		}
	}
}

// runAVX512 computes a with zmm tiles, two panels (32 columns) at a time
// and a single one for a last panel of at most 16 columns.
func (g *GEMM) runAVX512(a gemmArgs) {
	const mr = len(gemmAVX512x32)
	n, kk := g.N, g.K
	blocks(a, n, 2*panel, mr, func(s0, s1, b0, b1 int) {
		for j := 0; j < n; j += 2 * panel {
			w := &g.w[j*kk+a.w0*panel]
			bias := &g.bias[j]
			cols := min(2*panel, n-j)
			mask := uint64(1)<<cols - 1
			kern := &gemmAVX512x32
			if cols <= panel {
				kern = &gemmAVX512x16
			}
			for t := s0; t < s1; t++ {
				out, in := a.out[t*a.outSet:], a.in[t*a.inSet:]
				forTiles(b0, b1, mr, func(r, m, count int) {
					kern[m-1](&out[r*a.ldo+j], a.ldo, &in[r*a.ldi], a.ldi, count, w, kk*panel, a.k, a.nseg, a.segStride,
						bias, a.lo, a.hi, mask)
				})
			}
		}
	})
}

// runAVX2 computes a with ymm tiles, one panel (16 columns) at a time.
func (g *GEMM) runAVX2(a gemmArgs) {
	const mr = len(gemmAVX2x16)
	n, kk := g.N, g.K
	blocks(a, n, panel, mr, func(s0, s1, b0, b1 int) {
		for j := 0; j < n; j += panel {
			w := &g.w[j*kk+a.w0*panel]
			bias := &g.bias[j]
			cols := min(panel, n-j)
			for t := s0; t < s1; t++ {
				out, in := a.out[t*a.outSet:], a.in[t*a.inSet:]
				forTiles(b0, b1, mr, func(r, m, count int) {
					gemmAVX2x16[m-1](&out[r*a.ldo+j], a.ldo, &in[r*a.ldi], a.ldi, count, w, kk*panel, a.k, a.nseg, a.segStride,
						bias, a.lo, a.hi, cols)
				})
			}
		}
	})
}
