package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels"
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

// ParamKinds implements Differentiable: nothing is trained.
func (a *Activation) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: dx = dy where the input was not clamped, 0 elsewhere. After a
// batch norm the program fuses it into the batch norm's kernel instead.
func (a *Activation) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	switch {
	case in[0].DType == tensor.Float64:
		return &refActTrain[float64]{act: a.Act}, nil
	case in[0].DType == tensor.Float32 && tc.Reference:
		return &refActTrain[float32]{act: a.Act}, nil
	case in[0].DType == tensor.Float32:
		return &actTrain{act: a.Act, threads: tc.threads()}, nil
	}
	return nil, errNotFloat(in[0])
}

// actTrain is the float32 training kernel of a clamp.
type actTrain struct {
	act     Act
	threads int
}

func (k *actTrain) Forward(in, out []*tensor.Tensor) error {
	lo, hi := k.act.Range()
	x, y := in[0].F32, out[0].F32
	parallelRange(k.threads, len(x), 4096, func(i0, i1 int) { kernels.ClampForward(y, x, lo, hi, i0, i1) })
	return nil
}

func (k *actTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dIn[0] == nil {
		return nil
	}
	lo, hi := k.act.Range()
	dx, dy, y := dIn[0].F32, dOut[0].F32, out[0].F32
	parallelRange(k.threads, len(dx), 4096, func(i0, i1 int) { kernels.ClampBackward(dx, dy, y, lo, hi, i0, i1) })
	return nil
}

// refActTrain is the reference training kernel of a clamp.
type refActTrain[T ref.Float] struct{ act Act }

func (k *refActTrain[T]) Forward(in, out []*tensor.Tensor) error {
	y := floats[T](out[0])
	copy(y, floats[T](in[0]))
	refClamp(y, k.act)
	return nil
}

func (k *refActTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		lo, hi := k.act.Range()
		ref.ClampBackward(floats[T](out[0]), T(lo), T(hi), floats[T](dOut[0]), dx)
	}
	return nil
}

// Refuses implements Refuser.
func (a *Activation) Refuses() map[Column]string {
	return map[Column]string{ColQuantized: "8-bit graphs fuse activations into the op before them (its Act), as TFLite files do; a standalone 8-bit RELU comes with the V2 issue"}
}
