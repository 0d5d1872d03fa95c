package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Activation applies an elementwise activation (ReLU, ReLU6) on its own; Fold moves it into the
// preceding convolution.
type Activation struct {
	Act Act
}

// Type implements Op.
func (a *Activation) Type() string { return "Activation" }

// Shapes implements Op.
func (a *Activation) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (a *Activation) Describe(in, out []*Value) Info { return Info{Type: TypeActivation} }

// Compile implements Op.
func (a *Activation) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	lo, hi := a.Act.Range()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		copy(y[0].F32, x[0].F32)
		ref.Clamp(y[0].F32, lo, hi)
		return nil
	}), nil
}
