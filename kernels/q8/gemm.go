package q8

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

//go:generate go run -C ../../asm ./q8 -kernel gemm -out ../kernels/q8/gemm_vnni_amd64.s -stubs ../kernels/q8/gemm_vnni_stubs_amd64.go -pkg q8

// GEMM is a quantized pointwise layer (1×1 convolution or fully connected)
// with its weights packed for the kernels: rows of K input codes to rows of
// N output codes,
//
//	acc[r][n] = bias[n] + Σ_k (x[r][k] − zp_x)·(w[n][k] − zp_w)
//	out[r][n] = rq.Apply(acc[r][n], n)
//
// with TFLite's arithmetic, exactly (see package qref). It holds uint8
// activations with uint8 weights (one zero point each) or int8 activations
// with int8 weights (zero point 0, per-channel scales).
type GEMM struct {
	N, K   int
	signed bool

	// The generic twin's operands: w − zp_w in [N][K] order, the bias and
	// the requantization.
	wz   []int16
	bias []int32
	inZP int32
	rq   *qmath.Requant
	// period is the period of the requantization channels: column c takes
	// channel c % period (N, except in the folded GEMMs of fold.go).
	period int

	// The VNNI kernels' operands: column groups of 16 to 64 columns, their
	// packed weights, a requantization block per 16 columns (whose bias
	// lane holds the bias with the zero-point terms folded in), and the row
	// terms: rowMul·Σ_k (x[r][k] ^ flip).
	groups []gemmGroup
	w      []byte
	blocks []int32
	rowMul int32
	flip   uint8
	sc     rqScalars
}

// gemmGroup is a run of 16·nv columns computed by one kernel call.
type gemmGroup struct {
	col, nv int
	woff    int    // offset of the group's packed weights in GEMM.w
	mask    uint64 // the group's valid columns
}

// PackGEMMU8 packs a uint8 layer: weights w in [n][k] order (OHWI with
// H = W = 1) with zero point wZP, int32 bias (nil means zero), input zero
// point inZP and requantization rq (one channel, or n), computed in rounding
// r, which must be the rounding rq was built with (qmath.Requant does not
// report it). It panics if the lengths do not match n and k.
func PackGEMMU8(w []uint8, wZP int32, bias []int32, n, k int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *GEMM {
	return packGEMMU8(w, wZP, bias, n, k, inZP, rq, r, n)
}

// packGEMMU8 is PackGEMMU8 with requantization channels of the given
// period (see GEMM.period).
func packGEMMU8(w []uint8, wZP int32, bias []int32, n, k int, inZP int32, rq *qmath.Requant, r qmath.Rounding, period int) *GEMM {
	checkPack("PackGEMMU8", len(w), len(bias), n, k)
	g := newGEMM(n, k, false, bias, inZP, rq, r, period)
	for i, v := range w {
		g.wz[i] = int16(int32(v) - wZP)
	}
	// Σ(x−zx)(w−zw) = Σ x·(w−128) + (128−zw)·Σx − zx·Σ(w−zw): the kernel
	// adds the first term (the weights flipped to int8) and the row term.
	g.pack(w, func(o int) int32 { return -inZP * g.wsum(o) })
	g.rowMul = 128 - wZP
	return g
}

// PackGEMMI8 packs an int8 layer: weights w in [n][k] order with zero point
// 0 (per-channel scales live in rq), int32 bias (nil means zero), input zero
// point inZP, requantization rq and its rounding r, as PackGEMMU8.
func PackGEMMI8(w []int8, bias []int32, n, k int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *GEMM {
	return packGEMMI8(w, bias, n, k, inZP, rq, r, n)
}

// packGEMMI8 is PackGEMMI8 with requantization channels of the given period
// (see GEMM.period).
func packGEMMI8(w []int8, bias []int32, n, k int, inZP int32, rq *qmath.Requant, r qmath.Rounding, period int) *GEMM {
	checkPack("PackGEMMI8", len(w), len(bias), n, k)
	g := newGEMM(n, k, true, bias, inZP, rq, r, period)
	for i, v := range w {
		g.wz[i] = int16(v)
	}
	// Σ(x−zx)·w = Σ x·(w+128) − 128·Σx − zx·Σw, and Σx = Σ(x^0x80) − 128·k
	// over the input bytes: the kernel adds the first term (the weights
	// flipped to uint8) and the row term −128·Σ(x^0x80).
	g.pack(bytesOf(w), func(o int) int32 { return 128*128*int32(k) - inZP*g.wsum(o) })
	g.rowMul, g.flip = -128, 0x80
	return g
}

func checkPack(op string, nw, nb, n, k int) {
	if n < 1 || k < 1 || nw != n*k || (nb != 0 && nb != n) {
		panic(fmt.Sprintf("q8: %s: n=%d k=%d with %d weights and %d biases", op, n, k, nw, nb))
	}
}

func newGEMM(n, k int, signed bool, bias []int32, inZP int32, rq *qmath.Requant, r qmath.Rounding, period int) *GEMM {
	g := &GEMM{N: n, K: k, signed: signed, wz: make([]int16, n*k), bias: make([]int32, n), inZP: inZP, rq: rq,
		period: period, sc: newScalars(rq, r)}
	copy(g.bias, bias)
	return g
}

// gemmGroups splits n columns into groups of 64 columns (48 when that
// divides n and 64 does not) and one narrower group for the rest.
func gemmGroups(n int) []gemmGroup {
	width := 64
	if n%64 != 0 && n%48 == 0 {
		width = 48
	}
	var gs []gemmGroup
	for col := 0; col < n; col += width {
		cols := min(width, n-col)
		gs = append(gs, gemmGroup{col: col, nv: (cols + 15) / 16, mask: uint64(1)<<cols - 1}) // 1<<64 is 0
	}
	return gs
}

// wsum returns Σ_k (w[o][k] − zp_w).
func (g *GEMM) wsum(o int) int32 {
	s := int32(0)
	for _, v := range g.wz[o*g.K : (o+1)*g.K] {
		s += int32(v)
	}
	return s
}

// pack fills the kernels' weights (the codes with their top bit flipped, in
// k steps of four per column) and requantization blocks, whose bias lanes
// get bias + fold(n).
func (g *GEMM) pack(w []byte, fold func(o int) int32) {
	n, k := g.N, g.K
	k4 := (k + 3) / 4
	g.groups = gemmGroups(n)
	size := 0
	for i := range g.groups {
		g.groups[i].woff = size
		size += k4 * g.groups[i].nv * 64
	}
	g.w = alignedBytes(size)
	for _, gr := range g.groups {
		for t := 0; t < k4; t++ {
			for j := 0; j < 16*gr.nv; j++ {
				o := gr.col + j
				if o >= n {
					continue
				}
				dst := g.w[gr.woff+(t*gr.nv+j/16)*64+(j%16)*4:]
				for b := 0; b < 4 && 4*t+b < k; b++ {
					dst[b] = w[o*k+4*t+b] ^ 0x80
				}
			}
		}
	}
	folded := make([]int32, n)
	for o := range folded {
		folded[o] = g.bias[o] + fold(o)
	}
	g.blocks = alignedInt32s((n + 15) / 16 * rqInts)
	packRequantPeriod(g.blocks, 0, rqInts, g.rq, folded, n, g.period)
}

// RunU8 computes rows [r0, r1) of a uint8 layer:
//
//	for r := r0; r < r1; r++ {
//		for n := 0; n < N; n++ {
//			acc := bias[n]
//			for k := 0; k < K; k++ {
//				acc += (int32(in[r*K+k]) − zp_x) * (int32(w[n][k]) − zp_w)
//			}
//			out[r*N+n] = uint8(rq.Apply(acc, n))
//		}
//	}
//
// Rows outside [r0, r1) are neither read nor written. RunU8 panics on an
// int8 layer or if in or out is too short for row r1-1.
func (g *GEMM) RunU8(out, in []uint8, r0, r1 int) {
	if g.signed {
		panic("q8: GEMM.RunU8 on an int8 layer")
	}
	g.runRows(out, in, r0, r1)
}

// RunI8 is RunU8 for an int8 layer.
func (g *GEMM) RunI8(out, in []int8, r0, r1 int) {
	if !g.signed {
		panic("q8: GEMM.RunI8 on a uint8 layer")
	}
	g.runRows(bytesOf(out), bytesOf(in), r0, r1)
}

func (g *GEMM) runRows(out, in []byte, r0, r1 int) {
	if r0 < 0 || r1 < r0 || len(in) < r1*g.K || len(out) < r1*g.N {
		panic(fmt.Sprintf("q8: GEMM.Run: rows [%d,%d) with N=%d K=%d: len(out)=%d len(in)=%d",
			r0, r1, g.N, g.K, len(out), len(in)))
	}
	if r0 == r1 {
		return
	}
	g.run(out[r0*g.N:r1*g.N], g.N, in[r0*g.K:r1*g.K], g.K, r1-r0)
}

// run computes rows rows of K inputs, ldi bytes apart, into rows of N
// outputs, ldo bytes apart, at the current level. The caller has checked
// the slices.
func (g *GEMM) run(out []byte, ldo int, in []byte, ldi, rows int) {
	if level() == Generic || !g.runAsm(out, ldo, in, ldi, rows) {
		g.runGeneric(out, ldo, in, ldi, rows)
	}
}

// runGeneric is the plain-Go twin of the kernels.
func (g *GEMM) runGeneric(out []byte, ldo int, in []byte, ldi, rows int) {
	n, k := g.N, g.K
	for r := 0; r < rows; r++ {
		row := in[r*ldi : r*ldi+k]
		o := out[r*ldo : r*ldo+n]
		for c := range o {
			acc := g.bias[c]
			for i, wv := range g.wz[c*k : (c+1)*k] {
				acc += int32(wv) * (code(row[i], g.signed) - g.inZP)
			}
			o[c] = byte(g.rq.Apply(acc, c%g.period))
		}
	}
}

// code returns the value of a uint8 or (signed) int8 code.
func code(b byte, signed bool) int32 {
	if signed {
		return int32(int8(b))
	}
	return int32(b)
}
