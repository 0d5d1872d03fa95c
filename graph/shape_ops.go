package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// FullyConnected computes out[b, o] = bias[o] + Σ_i x[b, i]·w[o, i], where x is flattened after its batch
// dimension. Inputs: x, weights [O, I], optional bias [O].
type FullyConnected struct {
	Act Act
}

// Type implements Op.
func (f *FullyConnected) Type() string { return "FullyConnected" }

// Shapes implements Op.
func (f *FullyConnected) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 2, 3); err != nil {
		return nil, err
	}
	if err := constant("weights", in[1]); err != nil {
		return nil, err
	}
	w := in[1].Shape
	depth := 1
	for _, d := range in[0].Shape[1:] {
		depth *= d
	}
	if len(w) != 2 || w[1] != depth {
		return nil, fmt.Errorf("weights %v do not fit input %v", w, in[0].Shape)
	}
	if len(in) == 3 && in[2] != nil && !in[2].Shape.Equal(tensor.Shape{w[0]}) {
		return nil, fmt.Errorf("bias shape %v does not match %d outputs", in[2].Shape, w[0])
	}
	return []tensor.Shape{{in[0].Shape[0], w[0]}}, nil
}

// Describe implements Op.
func (f *FullyConnected) Describe(in, out []*Value) Info {
	weights := int64(in[1].Shape.Size())
	info := Info{Type: TypeFullyConnected, MultAdds: weights, Params: weights, Trainable: weights}
	if len(in) == 3 && in[2] != nil {
		info.Trainable += int64(in[2].Shape.Size())
	}
	return info
}

// Compile implements Op.
func (f *FullyConnected) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQFullyConnected[uint8](f, in, out, opt) },
		func() (Kernel, error) { return compileQFullyConnected[int8](f, in, out, opt) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	if k := fastFullyConnected(f, in, opt); k != nil {
		return k, nil
	}
	w := in[1].Data.F32
	bias := floatBias(in)
	o, depth := in[1].Shape[0], in[1].Shape[1]
	lo, hi := f.Act.Range()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.FullyConnected(x[0].F32, x[0].Shape[0], depth, w, o, bias, y[0].F32)
		if f.Act != ActNone {
			ref.Clamp(y[0].F32, lo, hi)
		}
		return nil
	}), nil
}

// Reshape gives the data a new shape without moving it. Shape lists the dimensions after the batch
// dimension, which is kept; one of them may be −1, inferred from the element count.
type Reshape struct {
	Shape []int
}

// Type implements Op.
func (r *Reshape) Type() string { return "Reshape" }

// Shapes implements Op.
func (r *Reshape) Shapes(in []*Value) ([]tensor.Shape, error) {
	if len(in) < 1 || in[0] == nil {
		return nil, fmt.Errorf("input 0 is missing")
	}
	x := in[0].Shape
	if len(x) == 0 {
		return nil, fmt.Errorf("cannot reshape a scalar")
	}
	per := x[1:].Size()
	out := tensor.Shape{x[0]}
	known, infer := 1, -1
	for i, d := range r.Shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d <= 0:
			return nil, fmt.Errorf("bad target dimension %d in %v", d, r.Shape)
		default:
			if known > tensor.MaxElems/d {
				return nil, fmt.Errorf("target shape %v is too large", r.Shape)
			}
			known *= d
		}
		out = append(out, d)
	}
	if infer >= 0 {
		if per%known != 0 {
			return nil, fmt.Errorf("cannot reshape %v to [N %v]", x, r.Shape)
		}
		out[infer+1] = per / known
	} else if known != per {
		return nil, fmt.Errorf("cannot reshape %v (%d per image) to %v per image", x, per, r.Shape)
	}
	return []tensor.Shape{out}, nil
}

// Describe implements Op.
func (r *Reshape) Describe(in, out []*Value) Info { return Info{Type: TypeReshape} }

// Compile implements Op.
func (r *Reshape) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		copy(y[0].F32, x[0].F32)
		copy(y[0].U8, x[0].U8)
		copy(y[0].I8, x[0].I8)
		copy(y[0].I32, x[0].I32)
		return nil
	}), nil
}

// Softmax normalises the last axis into probabilities: exp(β·x) / Σ exp(β·x).
type Softmax struct {
	Beta float32
}

// Type implements Op.
func (s *Softmax) Type() string { return "Softmax" }

// Shapes implements Op.
func (s *Softmax) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (s *Softmax) Describe(in, out []*Value) Info { return Info{Type: TypeSoftmax} }

// Compile implements Op.
func (s *Softmax) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQSoftmax[uint8](s, in, out) },
		func() (Kernel, error) { return compileQSoftmax[int8](s, in, out) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	depth := in[0].Shape[len(in[0].Shape)-1]
	beta := s.Beta
	if beta == 0 {
		beta = 1
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.Softmax(x[0].F32, depth, beta, y[0].F32)
		return nil
	}), nil
}
