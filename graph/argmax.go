package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// ArgMax returns, along one axis, the index of the largest value (TFLite ARG_MAX): the output has the
// input's shape without that axis and holds int64 indices (int32 where the output value says so, as
// TFLite's output_type allows). Equal values give the first index, as TFLite's kernel does. Axis counts
// from 0 (the batch dimension, which cannot be reduced) or from the end when negative; −1 is the
// channels of an NHWC tensor. The optional second input is TFLite's axis tensor: an int32 constant of
// one element, which must agree. 8-bit inputs compare their codes (a positive scale keeps the order).
type ArgMax struct {
	Axis int
}

// Type implements Op.
func (a *ArgMax) Type() string { return "ArgMax" }

// axis returns the axis as a dimension index of a rank-r input, or an error.
func (a *ArgMax) axis(r int) (int, error) {
	ax := a.Axis
	if ax < 0 {
		ax += r
	}
	if ax < 1 || ax >= r {
		return 0, fmt.Errorf("axis %d of a rank-%d input: want one of dimensions 1 to %d (the batch cannot be reduced)", a.Axis, r, r-1)
	}
	return ax, nil
}

// Shapes implements Op.
func (a *ArgMax) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 2); err != nil {
		return nil, err
	}
	x := in[0].Shape
	ax, err := a.axis(len(x))
	if err != nil {
		return nil, err
	}
	if x[ax] < 1 {
		return nil, fmt.Errorf("axis %d of input %v is empty", ax, x)
	}
	if len(in) == 2 && in[1] != nil {
		v := in[1]
		if !v.Const() || v.DType != tensor.Int32 || len(v.Data.I32) != 1 {
			return nil, fmt.Errorf("axis input %q must be an int32 constant of one element, got %v %v", v.Name, v.DType, v.Shape)
		}
		got := int(v.Data.I32[0])
		if got < 0 {
			got += len(x)
		}
		if got != ax {
			return nil, fmt.Errorf("axis input %d disagrees with the op's axis %d", v.Data.I32[0], a.Axis)
		}
	}
	out := append(x[:ax:ax].Clone(), x[ax+1:]...)
	return []tensor.Shape{out}, nil
}

// Describe implements Op.
func (a *ArgMax) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Compile implements Op.
func (a *ArgMax) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	x := in[0].Shape
	ax, err := a.axis(len(x))
	if err != nil {
		return nil, err
	}
	if dt := out[0].DType; dt != tensor.Int64 && dt != tensor.Int32 {
		return nil, fmt.Errorf("output %q is %v, want int64 or int32 indices", out[0].Name, dt)
	}
	inner := x[ax+1:].Size()
	axis := x[ax]
	outer := x[:ax].Size()
	switch in[0].DType {
	case tensor.Float32:
		return argMaxKernel(func(t *tensor.Tensor) []float32 { return t.F32 }, outer, axis, inner), nil
	case tensor.Uint8:
		return argMaxKernel(func(t *tensor.Tensor) []uint8 { return t.U8 }, outer, axis, inner), nil
	case tensor.Int8:
		return argMaxKernel(func(t *tensor.Tensor) []int8 { return t.I8 }, outer, axis, inner), nil
	case tensor.Int32:
		return argMaxKernel(func(t *tensor.Tensor) []int32 { return t.I32 }, outer, axis, inner), nil
	}
	return nil, fmt.Errorf("no %v kernel", in[0].DType)
}

func argMaxKernel[T float32 | uint8 | int8 | int32](data func(*tensor.Tensor) []T, outer, axis, inner int) Kernel {
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		// The batch may differ from the one compiled for (lanes): recompute outer from the length.
		o := len(data(x[0])) / (axis * inner)
		if y[0].DType == tensor.Int32 {
			ref.ArgMax(data(x[0]), o, axis, inner, y[0].I32)
		} else {
			ref.ArgMax(data(x[0]), o, axis, inner, y[0].I64)
		}
		return nil
	})
}

// Refuses implements Refuser.
func (a *ArgMax) Refuses() map[Column]string {
	return map[Column]string{
		ColBackward: "ArgMax is not differentiable: its output is an index, piecewise constant in the input",
		ColReference: "float64 graphs run the ops' training kernels and ArgMax has none (it is not differentiable); " +
			"its float32 kernel only compares values, so a float64 form would pick the same indices",
	}
}

// AddArgMax appends an ArgMax node over axis of value x to g and returns its output value, typed int64
// (Graph.Add would give it x's type).
func AddArgMax(g *Graph, name string, axis, x int) (int, error) {
	out, err := g.Add1(name, &ArgMax{Axis: axis}, x)
	if err != nil {
		return 0, err
	}
	g.Values[out].DType = tensor.Int64
	return out, nil
}
