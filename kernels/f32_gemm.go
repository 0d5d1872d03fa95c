package kernels

import "fmt"

//go:generate go run -C ../asm ./gemm -isa avx512 -out ../kernels/f32_gemm_14x32_avx512_amd64.s -stubs ../kernels/f32_gemm_14x32_avx512_stubs_amd64.go -pkg kernels
//go:generate go run -C ../asm ./gemm -isa avx2 -out ../kernels/f32_gemm_6x16_avx2_amd64.s -stubs ../kernels/f32_gemm_6x16_avx2_stubs_amd64.go -pkg kernels

// panel is the width, in output channels, of one packed weight panel.
const panel = 16

// GEMM is a pointwise (1×1 convolution or fully connected) layer with its
// weights packed for the micro-kernels: out = clamp(bias + in·Wᵀ, lo, hi)
// over rows of N outputs and K inputs.
type GEMM struct {
	N, K int // output and input channels

	// w holds ⌈N/16⌉ panels of K rows of 16 floats: w[p*K*16+k*16+j] is
	// the weight from input k to output 16p+j, zero past N.
	w []float32
	// bias holds ⌈N/16⌉·16 floats, zero past N.
	bias []float32
}

// PackGEMM packs weights w, in [N][K] order (OHWI with H = W = 1), and bias
// (nil means zero) for Run. It panics if the lengths do not match n and k.
func PackGEMM(w []float32, bias []float32, n, k int) *GEMM {
	if n < 1 || k < 1 || len(w) != n*k || (bias != nil && len(bias) != n) {
		panic(fmt.Sprintf("kernels: PackGEMM: n=%d k=%d with %d weights and %d biases", n, k, len(w), len(bias)))
	}
	np := (n + panel - 1) / panel
	g := &GEMM{N: n, K: k, w: alignedFloats(np * k * panel), bias: alignedFloats(np * panel)}
	g.Repack(w, bias)
	return g
}

// Repack packs new weights and bias of g's shape into g's storage (training changes the weights every
// step). It panics if the lengths do not match.
func (g *GEMM) Repack(w []float32, bias []float32) {
	n, k := g.N, g.K
	if len(w) != n*k || (bias != nil && len(bias) != n) {
		panic(fmt.Sprintf("kernels: GEMM.Repack: n=%d k=%d with %d weights and %d biases", n, k, len(w), len(bias)))
	}
	for o := 0; o < n; o++ {
		p, j := o/panel, o%panel
		dst := g.w[p*k*panel+j:]
		for i, v := range w[o*k : (o+1)*k] {
			dst[i*panel] = v
		}
	}
	clear(g.bias)
	copy(g.bias, bias)
}

// Run computes rows [r0, r1) of the layer:
//
//	for r := r0; r < r1; r++ {
//		for n := 0; n < N; n++ {
//			s := bias[n]
//			for k := 0; k < K; k++ {
//				s += in[r*K+k] * W[n][k]
//			}
//			out[r*N+n] = min(max(s, lo), hi)
//		}
//	}
//
// Rows outside [r0, r1) are neither read nor written. Run panics if in or
// out is too short for row r1-1.
func (g *GEMM) Run(out, in []float32, r0, r1 int, lo, hi float32) {
	if r0 < 0 || r1 < r0 || len(in) < r1*g.K || len(out) < r1*g.N {
		panic(fmt.Sprintf("kernels: GEMM.Run: rows [%d,%d) with N=%d K=%d: len(out)=%d len(in)=%d",
			r0, r1, g.N, g.K, len(out), len(in)))
	}
	if r0 == r1 {
		return
	}
	g.run(gemmArgs{out: out[r0*g.N:], ldo: g.N, in: in[r0*g.K:], ldi: g.K, rows: r1 - r0, sets: 1,
		k: g.K, nseg: 1, lo: lo, hi: hi})
}

// gemmArgs describes rows of a GEMM whose inputs are not necessarily one
// contiguous row each. There are sets of rows: row i of set t reads nseg runs
// of k floats starting at in[t*inSet + i*ldi + s*segStride] (s < nseg),
// against weight rows w0 .. w0+nseg·k-1, and writes N floats at
// out[t*outSet + i*ldo:]. For a convolution a run is one row of the window
// and a set one row of output pixels; every set shares each weight panel
// while it is in cache.
type gemmArgs struct {
	out           []float32
	ldo           int
	in            []float32
	ldi           int
	rows          int
	sets          int
	outSet, inSet int
	k, nseg       int
	segStride     int
	w0            int
	lo, hi        float32
}

// run checks that a's slices hold every value it addresses and computes it
// at the current level.
func (g *GEMM) run(a gemmArgs) {
	if a.rows < 1 || a.sets < 1 || a.k < 1 || a.nseg < 1 || a.w0 < 0 || a.w0+a.nseg*a.k > g.K ||
		len(a.out) < (a.sets-1)*a.outSet+(a.rows-1)*a.ldo+g.N ||
		len(a.in) < (a.sets-1)*a.inSet+(a.rows-1)*a.ldi+(a.nseg-1)*a.segStride+a.k {
		panic(fmt.Sprintf("kernels: GEMM: bad internal call %d×%d rows ldo %d ldi %d k %d×%d stride %d w0 %d: len(out)=%d len(in)=%d",
			a.sets, a.rows, a.ldo, a.ldi, a.nseg, a.k, a.segStride, a.w0, len(a.out), len(a.in)))
	}
	if l := level(); l == Generic || !g.runAsm(l, a) {
		g.runGeneric(a)
	}
}
