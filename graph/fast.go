package graph

import (
	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file chooses the fast float32 kernels (package kernels: packed weights, SIMD, split across the
// worker pool) for the shapes MobileNet spends its time on. Compile falls back to the reference
// kernels for every other shape, and for all shapes with Options.Reference.

// gemmKernel runs a pointwise convolution or a fully connected layer: rows of K inputs to rows of N
// outputs. Many rows are split across the workers by rows; a few rows (the classifier at batch 1, the
// 7×7 layers) by output channels, each part with its own packed slice of the weights.
type gemmKernel struct {
	g        []*kernels.GEMM // one per column part, or a single one for row parts
	cols     []int           // first output channel of each column part
	n, k     int
	lo, hi   float32
	rows     int
	parts    int
	w, bias  []float32 // the weights packed, for repack
	in, out  []float32
	pending  partGroup
	partFunc func(int)
}

// minRowsPerPart is the fewest rows a row part should have: about two micro-kernel tiles.
const minRowsPerPart = 28

func newGEMMKernel(w, bias []float32, n, k, rows int, act Act, threads int) *gemmKernel {
	lo, hi := act.Range()
	g := &gemmKernel{n: n, k: k, lo: lo, hi: hi, rows: rows, parts: split(rows, int64(n)*int64(k), threads), w: w, bias: bias}
	if colParts := split(n/32, int64(rows)*32*int64(k), threads); rows < minRowsPerPart*threads && colParts > g.parts {
		g.parts = colParts
		for p := 0; p < colParts; p++ {
			c0, c1 := bounds(n/32, colParts, p)
			c0, c1 = 32*c0, 32*c1
			if p == colParts-1 {
				c1 = n
			}
			var b []float32
			if bias != nil {
				b = bias[c0:c1]
			}
			g.g = append(g.g, kernels.PackGEMM(w[c0*k:c1*k], b, c1-c0, k))
			g.cols = append(g.cols, c0)
		}
	} else {
		g.g = []*kernels.GEMM{kernels.PackGEMM(w, bias, n, k)}
	}
	g.partFunc = g.part
	return g
}

// repack packs the current contents of the weights and bias again (training updates them in place).
func (g *gemmKernel) repack() {
	for p, gp := range g.g {
		c0 := 0
		if g.cols != nil {
			c0 = g.cols[p]
		}
		var b []float32
		if g.bias != nil {
			b = g.bias[c0 : c0+gp.N]
		}
		gp.Repack(g.w[c0*g.k:(c0+gp.N)*g.k], b)
	}
}

func (g *gemmKernel) part(p int) {
	if g.cols == nil {
		r0, r1 := bounds(g.rows, g.parts, p)
		g.g[0].Run(g.out, g.in, r0, r1, g.lo, g.hi)
		return
	}
	// Column part p computes output channels [cols[p], cols[p]+N_p) of every row.
	gp, c0 := g.g[p], g.cols[p]
	for r := 0; r < g.rows; r++ {
		gp.Run(g.out[r*g.n+c0:], g.in[r*g.k:(r+1)*g.k], 0, 1, g.lo, g.hi)
	}
}

func (g *gemmKernel) Run(in, out []*tensor.Tensor) error {
	g.in, g.out = in[0].F32, out[0].F32
	parallel(&g.pending, g.parts, g.partFunc)
	return nil
}

// rowKernel runs a per-image spatial kernel (depthwise 3×3, general convolution) over every output
// row of every image of the batch, rows split across the workers.
type rowKernel struct {
	batch, outH  int
	inLen, outLn int // floats per image
	parts        int
	in, out      []float32
	run          func(out, in []float32, oy0, oy1, part int)
	repackFn     func() // packs the weights again
	pending      partGroup
	partFunc     func(int)
}

func newRowKernel(is, os tensor.Shape, rowCost int64, threads int, run func(out, in []float32, oy0, oy1, part int)) *rowKernel {
	k := &rowKernel{batch: is[0], outH: os[1], inLen: is[1] * is[2] * is[3], outLn: os[1] * os[2] * os[3], run: run}
	k.parts = split(k.batch*k.outH, rowCost, threads)
	k.partFunc = k.part
	return k
}

func (k *rowKernel) part(p int) {
	a, b := bounds(k.batch*k.outH, k.parts, p)
	for a < b {
		img, oy := a/k.outH, a%k.outH
		end := min(b-img*k.outH, k.outH)
		k.run(k.out[img*k.outLn:(img+1)*k.outLn], k.in[img*k.inLen:(img+1)*k.inLen], oy, end, p)
		a = img*k.outH + end
	}
}

func (k *rowKernel) repack() { k.repackFn() }

func (k *rowKernel) Run(in, out []*tensor.Tensor) error {
	k.in, k.out = in[0].F32, out[0].F32
	parallel(&k.pending, k.parts, k.partFunc)
	return nil
}

// repacker is a fast kernel whose weights are packed at compile time and can be packed again: the
// training form of an op runs the inference kernel, repacked before each forward pass.
type repacker interface {
	Kernel
	repack()
}

// fastConv returns a fast kernel for a float convolution, or nil when none fits.
func fastConv(c *Conv2D, in, out []*Value, opt *Options) repacker {
	if opt.Reference || c.groups() != 1 || max(c.DilationH, 1) != 1 || max(c.DilationW, 1) != 1 {
		return nil
	}
	w := in[1].Data.F32
	bias := floatBias(in)
	cout, kh, kw, cin := in[1].Shape.NHWC()
	is, os := in[0].Shape, out[0].Shape
	if kh == 1 && kw == 1 && c.StrideH == 1 && c.StrideW == 1 && c.Pads == (Pads{}) {
		return newGEMMKernel(w, bias, cout, cin, is[0]*is[1]*is[2], c.Act, opt.threads())
	}
	pc := kernels.PackConv(w, bias, kh, kw, cin, cout)
	lo, hi := c.Act.Range()
	parts := opt.threads()
	scratch := make([][]float32, parts)
	for i := range scratch {
		scratch[i] = make([]float32, pc.ScratchSize(os[2]))
	}
	rowCost := int64(os[2]) * int64(cout) * int64(kh*kw*cin)
	k := newRowKernel(is, os, rowCost, parts, func(o, x []float32, oy0, oy1, part int) {
		pc.Run(o, x, is[1], is[2], c.StrideH, c.StrideW, c.Pads.Top, c.Pads.Left, os[1], os[2], oy0, oy1, lo, hi, scratch[part])
	})
	k.repackFn = func() { pc.Repack(w, bias) }
	return k
}

// fastDepthwise returns a fast kernel for a float depthwise convolution, or nil when none fits.
func fastDepthwise(d *DepthwiseConv2D, in, out []*Value, opt *Options) repacker {
	_, kh, kw, c := in[1].Shape.NHWC()
	if kh != 3 || kw != 3 {
		return fastDepthwiseKxK(d, in, out, opt)
	}
	if opt.Reference || d.mult() != 1 || d.StrideH != d.StrideW || d.StrideH > 2 ||
		max(d.DilationH, 1) != 1 || max(d.DilationW, 1) != 1 {
		return nil
	}
	bias := floatBias(in)
	dw := kernels.PackDW3x3(in[1].Data.F32, bias, c)
	lo, hi := d.Act.Range()
	is, os := in[0].Shape, out[0].Shape
	k := newRowKernel(is, os, int64(os[2])*int64(c)*9, opt.threads(), func(o, x []float32, oy0, oy1, _ int) {
		dw.Run(o, x, is[1], is[2], d.StrideH, d.Pads.Top, d.Pads.Left, os[1], os[2], oy0, oy1, lo, hi)
	})
	w := in[1].Data.F32
	k.repackFn = func() { dw.Repack(w, bias) }
	return k
}

// fastGlobalAvgPool returns the fast global average pooling kernel.
func fastGlobalAvgPool(in []*Value, opt *Options) Kernel {
	if opt.Reference {
		return nil
	}
	n, h, w, c := in[0].Shape.NHWC()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		for b := 0; b < n; b++ {
			kernels.GlobalAvgPool(y[0].F32[b*c:(b+1)*c], x[0].F32[b*h*w*c:(b+1)*h*w*c], h*w, c)
		}
		return nil
	})
}

// fastFullyConnected returns the fast kernel of a float fully connected layer.
func fastFullyConnected(f *FullyConnected, in []*Value, opt *Options) repacker {
	if opt.Reference {
		return nil
	}
	bias := floatBias(in)
	o, depth := in[1].Shape[0], in[1].Shape[1]
	return newGEMMKernel(in[1].Data.F32, bias, o, depth, in[0].Shape[0], f.Act, opt.threads())
}
