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
	is, os := in[0].Shape, out[0].Shape
	if kh == 1 && kw == 1 && c.StrideH == 1 && c.StrideW == 1 && c.Pads == (Pads{}) {
		return newQ8GEMMKernel(w, zw, bias, cout, cin, is[0]*is[1]*is[2], zx, rq, opt)
	}
	var run func(out, in []T, oy0, oy1 int)
	sh, sw, pt, pl := max(c.StrideH, 1), max(c.StrideW, 1), c.Pads.Top, c.Pads.Left
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
	return newQ8RowKernel(is, os, int64(os[2])*int64(cout)*int64(kh*kw*cin), opt.threads(), run)
}

// fastQDepthwise returns a fast kernel for an 8-bit depthwise convolution, or nil when none fits: 3×3,
// depth multiplier 1, the same stride 1 or 2 along both axes, no dilation.
func fastQDepthwise[T uint8 | int8](d *DepthwiseConv2D, in, out []*Value, rq *qmath.Requant, zx, zw int32, bias []int32, opt *Options) Kernel {
	_, kh, kw, c := in[1].Shape.NHWC()
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
	return newQ8RowKernel(is, os, int64(os[2])*int64(c)*9, opt.threads(), run)
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
