package graph

import (
	"fmt"
	"slices"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Mean averages its input over Axes (TFLite's MEAN; MobileNet V2's global pooling in TF2 files).
// Negative axes count from the end; the batch axis 0 is never reduced. KeepDims keeps each reduced axis
// with size 1; otherwise it is dropped. An optional second input (TFLite's constant axes tensor) is
// ignored: the importer has read it into Axes.
type Mean struct {
	Axes     []int
	KeepDims bool
}

// Type implements Op.
func (m *Mean) Type() string { return "Mean" }

// reduced returns, for an input of rank r, which axes are reduced.
func (m *Mean) reduced(r int) ([]bool, error) {
	if len(m.Axes) == 0 {
		return nil, fmt.Errorf("no axes to reduce")
	}
	red := make([]bool, r)
	for _, a := range m.Axes {
		ax := a
		if ax < 0 {
			ax += r
		}
		if ax < 1 || ax >= r {
			return nil, fmt.Errorf("axis %d of a rank-%d input: want 1 to %d (or negative from the end; the batch axis 0 is not reduced)", a, r, r-1)
		}
		red[ax] = true // a repeated axis is reduced once, as TFLite does
	}
	return red, nil
}

// Shapes implements Op.
func (m *Mean) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 2); err != nil {
		return nil, err
	}
	x := in[0].Shape
	red, err := m.reduced(len(x))
	if err != nil {
		return nil, err
	}
	var out tensor.Shape
	for ax, d := range x {
		switch {
		case !red[ax]:
			out = append(out, d)
		case m.KeepDims:
			out = append(out, 1)
		}
	}
	return []tensor.Shape{out}, nil
}

// Describe implements Op.
func (m *Mean) Describe(in, out []*Value) Info { return Info{Type: TypeAvgPool} }

// count returns the number of input elements averaged into each output.
func (m *Mean) count(x tensor.Shape, red []bool) int {
	n := 1
	for ax, d := range x {
		if red[ax] {
			n *= d
		}
	}
	return n
}

// Compile implements Op.
func (m *Mean) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	x := in[0]
	red, err := m.reduced(len(x.Shape))
	if err != nil {
		return nil, err
	}
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQMean[uint8](m, red, in, out, opt) },
		func() (Kernel, error) { return compileQMean[int8](m, red, in, out, opt) }); ok {
		return k, err
	}
	if x.DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", x.DType)
	}
	return KernelFunc(func(a, b []*tensor.Tensor) error {
		meanFloat(a[0].F32, a[0].Shape, red, b[0].F32)
		return nil
	}), nil
}

func compileQMean[T uint8 | int8](m *Mean, red []bool, in, out []*Value, opt *Options) (Kernel, error) {
	x, y := in[0], out[0]
	if err := sameTypes(x, y); err != nil {
		return nil, err
	}
	sx, zx, err := perTensor("input", x)
	if err != nil {
		return nil, err
	}
	sy, zy, err := perTensor("output", y)
	if err != nil {
		return nil, err
	}
	n := m.count(x.Shape, red)
	if err := qref.CheckMean(sx, sy, n); err != nil {
		return nil, err
	}
	spatial := m.KeepDims && slices.Equal(red, []bool{false, true, true, false})
	p := qref.NewMeanParams(sx, zx, sy, zy, n, spatial, x.DType == tensor.Int8, opt.Rounding)
	return KernelFunc(func(a, b []*tensor.Tensor) error {
		qref.Mean(&p, elems[T](a[0]), a[0].Shape, red, elems[T](b[0]))
		return nil
	}), nil
}

// meanFloat is the float reference: each output is the sum of its inputs (accumulated in T, in input
// order) divided by their count.
func meanFloat[T ref.Float](in []T, shape []int, red []bool, out []T) {
	clear(out)
	o, ostride, idx := 0, outStrides(shape, red), make([]int, len(shape))
	n := 1
	for ax, d := range shape {
		if red[ax] {
			n *= d
		}
	}
	for _, v := range in {
		out[o] += v
		o = nextIndex(idx, shape, ostride, o)
	}
	for i := range out {
		out[i] /= T(n)
	}
}

// meanBackward spreads each output's gradient equally over its inputs: dx = dy/n.
func meanBackward[T ref.Float](dy []T, shape []int, red []bool, dx []T) {
	o, ostride, idx := 0, outStrides(shape, red), make([]int, len(shape))
	n := 1
	for ax, d := range shape {
		if red[ax] {
			n *= d
		}
	}
	for i := range dx {
		dx[i] = dy[o] / T(n)
		o = nextIndex(idx, shape, ostride, o)
	}
}

// outStrides returns how far one step along each input axis moves in the output: 0 on reduced axes.
func outStrides(shape []int, red []bool) []int {
	st := make([]int, len(shape))
	step := 1
	for ax := len(shape) - 1; ax >= 0; ax-- {
		if !red[ax] {
			st[ax] = step
			step *= shape[ax]
		}
	}
	return st
}

// nextIndex advances the row-major input index idx by one and returns the output offset o moved with it.
func nextIndex(idx, shape, ostride []int, o int) int {
	for ax := len(shape) - 1; ax >= 0; ax-- {
		idx[ax]++
		o += ostride[ax]
		if idx[ax] < shape[ax] {
			return o
		}
		o -= ostride[ax] * shape[ax]
		idx[ax] = 0
	}
	return o
}

// ParamKinds implements Differentiable: nothing is trained.
func (m *Mean) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: forward the float reference, backward dx = dy/n.
func (m *Mean) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	red, err := m.reduced(len(in[0].Shape))
	if err != nil {
		return nil, err
	}
	switch in[0].DType {
	case tensor.Float64:
		return &meanTrain[float64]{red: red}, nil
	case tensor.Float32:
		return &meanTrain[float32]{red: red}, nil
	}
	return nil, errNotFloat(in[0])
}

type meanTrain[T ref.Float] struct{ red []bool }

func (k *meanTrain[T]) Forward(in, out []*tensor.Tensor) error {
	meanFloat(floats[T](in[0]), in[0].Shape, k.red, floats[T](out[0]))
	return nil
}

func (k *meanTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		meanBackward(floats[T](dOut[0]), in[0].Shape, k.red, dx)
	}
	return nil
}
