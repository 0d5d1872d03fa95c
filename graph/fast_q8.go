package graph

import (
	"github.com/mobilenet-go/mobilenet/kernels/q8"
	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file chooses the fast 8-bit kernels (package kernels/q8: packed weights, VNNI, split across the
// worker pool) for the shapes MobileNet spends its time on; they compute exactly what the reference
// kernels (kernels/qref) compute, in either rounding. The compile functions of quant.go fall back to
// the reference kernels for every other shape, and for all shapes with Options.Reference.

// q8Cost is the work of one 8-bit multiply-add relative to a float32 one, for split: VNNI does four
// times as many per instruction.
const q8Cost = 4

// q8GEMMKernel runs an 8-bit pointwise convolution or fully connected layer: rows of K input codes to
// rows of N output codes, rows split across the workers.
type q8GEMMKernel[T uint8 | int8] struct {
	run      func(out, in []T, r0, r1 int)
	rows     int
	parts    int
	in, out  []T
	pending  partGroup
	partFunc func(int)
}

func newQ8GEMMKernel[T uint8 | int8](w []T, zw int32, bias []int32, n, k, rows int, zx int32, rq *qmath.Requant,
	opt *Options) *q8GEMMKernel[T] {
	g := &q8GEMMKernel[T]{rows: rows, parts: split(rows, int64(n)*int64(k)/q8Cost, opt.threads())}
	switch w := any(w).(type) {
	case []uint8:
		g.run = any(q8.PackGEMMU8(w, zw, bias, n, k, zx, rq, opt.Rounding).RunU8).(func(out, in []T, r0, r1 int))
	case []int8:
		g.run = any(q8.PackGEMMI8(w, bias, n, k, zx, rq, opt.Rounding).RunI8).(func(out, in []T, r0, r1 int))
	}
	g.partFunc = g.part
	return g
}

func (g *q8GEMMKernel[T]) part(p int) {
	r0, r1 := bounds(g.rows, g.parts, p)
	g.run(g.out, g.in, r0, r1)
}

func (g *q8GEMMKernel[T]) Run(in, out []*tensor.Tensor) error {
	g.in, g.out = elems[T](in[0]), elems[T](out[0])
	parallel(&g.pending, g.parts, g.partFunc)
	return nil
}

// q8RowKernel runs an 8-bit per-image spatial kernel (depthwise 3×3, general convolution) over every
// output row of every image of the batch, rows split across the workers.
type q8RowKernel[T uint8 | int8] struct {
	batch, outH  int
	inLen, outLn int // codes per image
	parts        int
	in, out      []T
	run          func(out, in []T, oy0, oy1 int)
	name         string // the q8 kernel, for profiles
	pending      partGroup
	partFunc     func(int)
}

func newQ8RowKernel[T uint8 | int8](is, os tensor.Shape, rowCost int64, threads int, run func(out, in []T, oy0, oy1 int)) *q8RowKernel[T] {
	k := &q8RowKernel[T]{batch: is[0], outH: os[1], inLen: is[1] * is[2] * is[3], outLn: os[1] * os[2] * os[3], run: run}
	k.parts = split(k.batch*k.outH, rowCost/q8Cost, threads)
	k.partFunc = k.part
	return k
}

func (k *q8RowKernel[T]) part(p int) {
	a, b := bounds(k.batch*k.outH, k.parts, p)
	for a < b {
		img, oy := a/k.outH, a%k.outH
		end := min(b-img*k.outH, k.outH)
		k.run(k.out[img*k.outLn:(img+1)*k.outLn], k.in[img*k.inLen:(img+1)*k.inLen], oy, end)
		a = img*k.outH + end
	}
}

func (k *q8RowKernel[T]) Run(in, out []*tensor.Tensor) error {
	k.in, k.out = elems[T](in[0]), elems[T](out[0])
	parallel(&k.pending, k.parts, k.partFunc)
	return nil
}

// fastQConv returns a fast kernel for an 8-bit convolution, or nil when none fits: a GEMM for a 1×1
// stride-1 unpadded convolution, im2col and a GEMM for any other undilated one.
func fastQConv[T uint8 | int8](c *Conv2D, in, out []*Value, rq *qmath.Requant, zx, zw int32, bias []int32, opt *Options) Kernel {
	if opt.Reference || c.groups() != 1 || max(c.DilationH, 1) != 1 || max(c.DilationW, 1) != 1 {
		return nil
	}
	w := elems[T](in[1].Data)
	cout, kh, kw, cin := in[1].Shape.NHWC()
	is := in[0].Shape
	if kh == 1 && kw == 1 && c.StrideH == 1 && c.StrideW == 1 && c.Pads == (Pads{}) {
		return newQ8GEMMKernel(w, zw, bias, cout, cin, is[0]*is[1]*is[2], zx, rq, opt)
	}
	return newQ8ConvKernel(w, zw, bias, cout, kh, kw, cin, max(c.StrideH, 1), max(c.StrideW, 1), c.Pads, in, out, rq, zx, opt)
}

// newQ8ConvKernel returns the im2col-and-GEMM kernel of an undilated convolution with weights w in OHWI
// order [cout][kh][kw][cin].
func newQ8ConvKernel[T uint8 | int8](w []T, zw int32, bias []int32, cout, kh, kw, cin, sh, sw int, pads Pads, in, out []*Value,
	rq *qmath.Requant, zx int32, opt *Options) Kernel {
	is, os := in[0].Shape, out[0].Shape
	var run func(out, in []T, oy0, oy1 int)
	pt, pl := pads.Top, pads.Left
	switch w := any(w).(type) {
	case []uint8:
		pc := q8.PackConvU8(w, zw, bias, cout, kh, kw, cin, zx, rq, opt.Rounding)
		run = any(func(o, x []uint8, oy0, oy1 int) {
			pc.RunU8(o, x, is[1], is[2], sh, sw, pt, pl, os[1], os[2], oy0, oy1)
		}).(func(out, in []T, oy0, oy1 int))
	case []int8:
		pc := q8.PackConvI8(w, bias, cout, kh, kw, cin, zx, rq, opt.Rounding)
		run = any(func(o, x []int8, oy0, oy1 int) {
			pc.RunI8(o, x, is[1], is[2], sh, sw, pt, pl, os[1], os[2], oy0, oy1)
		}).(func(out, in []T, oy0, oy1 int))
	}
	k := newQ8RowKernel(is, os, int64(os[2])*int64(cout)*int64(kh*kw*cin), opt.threads(), run)
	k.name = "q8.Conv"
	return k
}

// fastQDepthwise returns a fast kernel for an 8-bit depthwise convolution, or nil when none fits: 3×3,
// depth multiplier 1, the same stride 1 or 2 along both axes, no dilation.
func fastQDepthwise[T uint8 | int8](d *DepthwiseConv2D, in, out []*Value, rq *qmath.Requant, zx, zw int32, bias []int32, opt *Options) Kernel {
	_, kh, kw, c := in[1].Shape.NHWC()
	if !opt.Reference && in[0].Shape[3] == 1 && max(d.DilationH, 1) == 1 && max(d.DilationW, 1) == 1 {
		// One input channel: the layer is an ordinary convolution with c = Multiplier outputs (the
		// stem of the person detector), whose OHWI weights are the depthwise [1][kh][kw][c] ones
		// transposed.
		wd := elems[T](in[1].Data)
		wc := make([]T, len(wd))
		for t := 0; t < kh*kw; t++ {
			for o := 0; o < c; o++ {
				wc[o*kh*kw+t] = wd[t*c+o]
			}
		}
		return newQ8ConvKernel(wc, zw, bias, c, kh, kw, 1, max(d.StrideH, 1), max(d.StrideW, 1), d.Pads, in, out, rq, zx, opt)
	}
	if opt.Reference || kh != 3 || kw != 3 || d.mult() != 1 || d.StrideH != d.StrideW || d.StrideH < 1 || d.StrideH > 2 ||
		max(d.DilationH, 1) != 1 || max(d.DilationW, 1) != 1 {
		return nil
	}
	is, os := in[0].Shape, out[0].Shape
	s, pt, pl := d.StrideH, d.Pads.Top, d.Pads.Left
	var run func(out, in []T, oy0, oy1 int)
	switch w := any(elems[T](in[1].Data)).(type) {
	case []uint8:
		dw := q8.PackDW3x3U8(w, zw, bias, c, zx, rq, opt.Rounding)
		run = any(func(o, x []uint8, oy0, oy1 int) {
			dw.RunU8(o, x, is[1], is[2], s, pt, pl, os[1], os[2], oy0, oy1)
		}).(func(out, in []T, oy0, oy1 int))
	case []int8:
		dw := q8.PackDW3x3I8(w, bias, c, zx, rq, opt.Rounding)
		run = any(func(o, x []int8, oy0, oy1 int) {
			dw.RunI8(o, x, is[1], is[2], s, pt, pl, os[1], os[2], oy0, oy1)
		}).(func(out, in []T, oy0, oy1 int))
	}
	k := newQ8RowKernel(is, os, int64(os[2])*int64(c)*9, opt.threads(), run)
	k.name = "q8.DW3x3"
	return k
}

// fastQFullyConnected returns the fast kernel of an 8-bit fully connected layer, or nil when its
// input is not [batch, depth] rows.
func fastQFullyConnected[T uint8 | int8](in []*Value, rq *qmath.Requant, zx, zw int32, bias []int32, opt *Options) Kernel {
	o, depth := in[1].Shape[0], in[1].Shape[1]
	if opt.Reference || len(in[0].Shape) == 0 || in[0].Shape.Size() != in[0].Shape[0]*depth {
		return nil
	}
	return newQ8GEMMKernel(elems[T](in[1].Data), zw, bias, o, depth, in[0].Shape[0], zx, rq, opt)
}

func (g *q8GEMMKernel[T]) kernelName() string { return "q8.GEMM" }
func (k *q8RowKernel[T]) kernelName() string  { return k.name }
func (g *gemmKernel) kernelName() string      { return "f32.GEMM" }
func (k *rowKernel) kernelName() string       { return "f32.rows" }
func (k namedKernel) kernelName() string      { return k.name }

// namedKernel is a kernel function with the name KernelName reports (a fast kernel outside the GEMM
// and row-kernel families, such as f32.Binary).
type namedKernel struct {
	KernelFunc
	name string
}

// KernelName names the kernel node ni of the program runs, for profiles: "q8.GEMM", "q8.DW3x3" or
// "q8.Conv" (im2col rows into the GEMM) followed by the level of package q8 (as "q8.GEMM/vnni") for
// the fast 8-bit kernels, "f32.GEMM" or "f32.rows" for the fast float32 ones, "reference" for a
// layer that multiplies (convolution, fully connected) on a reference kernel, "go" for any other.
func (p *Program) KernelName(ni int) string {
	if p.lanes != nil {
		return p.lanes.progs[0].KernelName(ni)
	}
	k := p.kernels[ni]
	if k, ok := k.(interface{ kernelName() string }); ok {
		name := k.kernelName()
		if len(name) > 3 && name[:3] == "q8." {
			name += "/" + q8.Active().String()
		}
		return name
	}
	n := p.g.Nodes[ni]
	if n.Op.Describe(p.Values(n.Inputs), p.Values(n.Outputs)).MultAdds > 0 {
		return "reference"
	}
	return "go"
}

// fastQAvgPool returns the fast kernel of an 8-bit average pooling whose input and output share their
// quantization (compileQAvgPool has checked it), with activation range [lo, hi], or nil with
// Options.Reference. compileQAvgPool calls it before falling back to qref.AveragePool2D.
func fastQAvgPool[T uint8 | int8](p *AvgPool2D, in, out []*Value, lo, hi int32, opt *Options) Kernel {
	if opt.Reference {
		return nil
	}
	is, os := in[0].Shape, out[0].Shape
	ap := &q8.AvgPool{C: is[3], KH: p.KH, KW: p.KW, StrideH: max(p.StrideH, 1), StrideW: max(p.StrideW, 1),
		PadTop: p.Pads.Top, PadLeft: p.Pads.Left, ActMin: lo, ActMax: hi}
	var run func(out, in []T, oy0, oy1 int)
	switch any(run).(type) {
	case func(out, in []uint8, oy0, oy1 int):
		run = any(func(o, x []uint8, oy0, oy1 int) { ap.RunU8(o, x, is[1], is[2], os[1], os[2], oy0, oy1) }).(func(out, in []T, oy0, oy1 int))
	default:
		run = any(func(o, x []int8, oy0, oy1 int) { ap.RunI8(o, x, is[1], is[2], os[1], os[2], oy0, oy1) }).(func(out, in []T, oy0, oy1 int))
	}
	k := newQ8RowKernel(is, os, int64(os[2])*int64(is[3])*int64(p.KH*p.KW), opt.threads(), run)
	k.name = "q8.AvgPool"
	return k
}
