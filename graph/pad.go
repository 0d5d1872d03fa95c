package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MaxPad bounds the padding of one side of one axis.
const MaxPad = 1 << 16

// Pad surrounds its input with zeros: Before[ax] elements before and After[ax] after along each axis
// (TFLite's PAD; an 8-bit tensor is padded with its zero point, real 0). The batch axis 0 is never
// padded. An optional second input (TFLite's constant paddings tensor) is ignored: the importer has
// read it into Before and After.
type Pad struct {
	Before, After []int
}

// Type implements Op.
func (p *Pad) Type() string { return "Pad" }

// Shapes implements Op.
func (p *Pad) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 2); err != nil {
		return nil, err
	}
	x := in[0].Shape
	if len(p.Before) != len(x) || len(p.After) != len(x) {
		return nil, fmt.Errorf("%d and %d paddings for a rank-%d input", len(p.Before), len(p.After), len(x))
	}
	out := make(tensor.Shape, len(x))
	for ax, d := range x {
		b, a := p.Before[ax], p.After[ax]
		if b < 0 || a < 0 || b > MaxPad || a > MaxPad || (ax == 0 && b+a != 0) {
			return nil, fmt.Errorf("padding %d, %d of axis %d: want 0 to %d (0 on the batch axis)", b, a, ax, MaxPad)
		}
		out[ax] = b + d + a
	}
	if _, err := out.Elems(); err != nil {
		return nil, err
	}
	return []tensor.Shape{out}, nil
}

// Describe implements Op.
func (p *Pad) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Compile implements Op.
func (p *Pad) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	x, y := in[0], out[0]
	switch x.DType {
	case tensor.Uint8, tensor.Int8:
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
		if sx != sy || zx != zy {
			return nil, fmt.Errorf("8-bit padding needs the same quantization in and out, got scale %v zp %d and scale %v zp %d", sx, zx, sy, zy)
		}
		if x.DType == tensor.Uint8 {
			return KernelFunc(func(a, b []*tensor.Tensor) error {
				qref.Pad(a[0].U8, a[0].Shape, p.Before, p.After, uint8(zx), b[0].U8)
				return nil
			}), nil
		}
		return KernelFunc(func(a, b []*tensor.Tensor) error {
			qref.Pad(a[0].I8, a[0].Shape, p.Before, p.After, int8(zx), b[0].I8)
			return nil
		}), nil
	case tensor.Float32:
		return KernelFunc(func(a, b []*tensor.Tensor) error {
			qref.Pad(a[0].F32, a[0].Shape, p.Before, p.After, 0, b[0].F32)
			return nil
		}), nil
	}
	return nil, fmt.Errorf("no %v kernel", x.DType)
}

// ParamKinds implements Differentiable: nothing is trained.
func (p *Pad) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: forward pads, backward takes the gradient's interior.
func (p *Pad) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	switch in[0].DType {
	case tensor.Float64:
		return padTrain[float64]{p}, nil
	case tensor.Float32:
		return padTrain[float32]{p}, nil
	}
	return nil, errNotFloat(in[0])
}

type padTrain[T ref.Float] struct{ p *Pad }

func (k padTrain[T]) Forward(in, out []*tensor.Tensor) error {
	qref.Pad(floats[T](in[0]), in[0].Shape, k.p.Before, k.p.After, 0, floats[T](out[0]))
	return nil
}

func (k padTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	dx := floats[T](dIn[0])
	if dx == nil {
		return nil
	}
	// dx[i] = dy at i's place in the padded tensor: walk dx in order, moving an offset into dy.
	dy, shape, os := floats[T](dOut[0]), in[0].Shape, out[0].Shape
	idx := make([]int, len(shape))
	for i := range dx {
		o := 0
		for ax := range shape {
			o = o*os[ax] + idx[ax] + k.p.Before[ax]
		}
		dx[i] = dy[o]
		for ax := len(shape) - 1; ax >= 0; ax-- {
			idx[ax]++
			if idx[ax] < shape[ax] {
				break
			}
			idx[ax] = 0
		}
	}
	return nil
}
