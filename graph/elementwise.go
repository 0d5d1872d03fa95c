package graph

import (
	"fmt"
	"github.com/mobilenet-go/mobilenet/kernels"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Add adds two values elementwise with NumPy broadcasting (the residual connection of MobileNet V2), then
// applies Act.
type Add struct {
	Act Act
}

// Mul multiplies two values elementwise with NumPy broadcasting (squeeze-and-excite scales channels by
// a [N,1,1,C] gate), then applies Act.
type Mul struct {
	Act Act
}

// Type implements Op.
func (a *Add) Type() string { return "Add" }

// Type implements Op.
func (m *Mul) Type() string { return "Mul" }

// Shapes implements Op.
func (a *Add) Shapes(in []*Value) ([]tensor.Shape, error) { return broadcastShapes(in) }

// Shapes implements Op.
func (m *Mul) Shapes(in []*Value) ([]tensor.Shape, error) { return broadcastShapes(in) }

func broadcastShapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 2, 2); err != nil {
		return nil, err
	}
	s, err := ref.BroadcastShape(in[0].Shape, in[1].Shape)
	if err != nil {
		return nil, err
	}
	if len(s) == 0 || (len(in[0].Shape) > 0 && s[0] != in[0].Shape[0] && !in[0].Const()) {
		return nil, fmt.Errorf("shapes %v and %v: broadcasting must keep the batch dimension of input 0", in[0].Shape, in[1].Shape)
	}
	return []tensor.Shape{s}, nil
}

// Describe implements Op.
func (a *Add) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Describe implements Op.
func (m *Mul) Describe(in, out []*Value) Info {
	return Info{Type: TypeOther, MultAdds: int64(out[0].Shape[1:].Size())}
}

// Compile implements Op.
func (a *Add) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQAdd[uint8](a, in, out, opt) },
		func() (Kernel, error) { return compileQAdd[int8](a, in, out, opt) }); ok {
		return k, err
	}
	return compileElementwise(a.Act, in, out, false, opt)
}

// Compile implements Op.
func (m *Mul) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQMul[uint8](m, in, out, opt) },
		func() (Kernel, error) { return compileQMul[int8](m, in, out, opt) }); ok {
		return k, err
	}
	return compileElementwise(m.Act, in, out, true, opt)
}

// compileElementwise returns the float32 kernel of a broadcasting binary op (a·b when mul, else a + b):
// kernels.Binary, or with Options.Reference ref.Add / ref.Mul, then the activation's clamp.
func compileElementwise(act Act, in, out []*Value, mul bool, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 || in[1].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	as, bs, os := in[0].Shape, in[1].Shape, out[0].Shape
	lo, hi := act.Range()
	if !opt.Reference {
		k := kernels.NewBinary(mul, as, bs, os, act != ActNone, lo, hi)
		return namedKernel{KernelFunc(func(x, y []*tensor.Tensor) error {
			k.Run(x[0].F32, x[1].F32, y[0].F32)
			return nil
		}), "f32.Binary"}, nil
	}
	f := ref.Add[float32]
	if mul {
		f = ref.Mul[float32]
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		f(x[0].F32, as, x[1].F32, bs, y[0].F32, os)
		if act != ActNone {
			ref.Clamp(y[0].F32, lo, hi)
		}
		return nil
	}), nil
}

// ParamKinds implements Differentiable: a constant operand (a learned scale or offset) is trained as
// a bias.
func (a *Add) ParamKinds(in []*Value) []ParamKind { return constOperands(in) }

// ParamKinds implements Differentiable: a constant operand is trained as weights.
func (m *Mul) ParamKinds(in []*Value) []ParamKind {
	k := constOperands(in)
	for i := range k {
		if k[i] != NotParam {
			k[i] = ParamWeights
		}
	}
	return k
}

func constOperands(in []*Value) []ParamKind {
	k := make([]ParamKind, len(in))
	for i, v := range in {
		if v != nil && v.Const() {
			k[i] = ParamBias
		}
	}
	return k
}

// CompileTrain implements Differentiable: dA = Σ dy and dB = Σ dy over the axes each operand was
// broadcast along.
func (a *Add) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	return newBinaryTrain(in, out, a.Act, false, tc)
}

// CompileTrain implements Differentiable: dA = Σ dy·b and dB = Σ dy·a over the broadcast axes.
func (m *Mul) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	return newBinaryTrain(in, out, m.Act, true, tc)
}

func newBinaryTrain(in, out []*Value, act Act, mul bool, tc *TrainContext) (TrainKernel, error) {
	if in[0].DType != in[1].DType {
		return nil, fmt.Errorf("operands are %v and %v", in[0].DType, in[1].DType)
	}
	switch in[0].DType {
	case tensor.Float64:
		return &binaryTrain[float64]{act: act, mul: mul, as: in[0].Shape, bs: in[1].Shape, os: out[0].Shape}, nil
	case tensor.Float32:
		k := &binaryTrain[float32]{act: act, mul: mul, as: in[0].Shape, bs: in[1].Shape, os: out[0].Shape}
		if !tc.Reference {
			lo, hi := act.Range()
			k.fast = kernels.NewBinary(mul, k.as, k.bs, k.os, act != ActNone, lo, hi)
		}
		return k, nil
	}
	return nil, errNotFloat(in[0])
}

// binaryTrain is the training kernel of Add and Mul (the plain loops, in both precisions; float32's
// forward on kernels.Binary unless the program is the reference).
type binaryTrain[T ref.Float] struct {
	act        Act
	mul        bool
	as, bs, os []int
	fast       *kernels.Binary
}

func (k *binaryTrain[T]) Forward(in, out []*tensor.Tensor) error {
	if k.fast != nil {
		k.fast.Run(in[0].F32, in[1].F32, out[0].F32)
		return nil
	}
	a, b, y := floats[T](in[0]), floats[T](in[1]), floats[T](out[0])
	if k.mul {
		ref.Mul(a, k.as, b, k.bs, y, k.os)
	} else {
		ref.Add(a, k.as, b, k.bs, y, k.os)
	}
	refClamp(y, k.act)
	return nil
}

func (k *binaryTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	dy := floats[T](dOut[0])
	refMaskAct(dy, floats[T](out[0]), k.act)
	da, db := floats[T](dIn[0]), floats[T](dIn[1])
	if k.mul {
		ref.MulBackward(dy, k.os, floats[T](in[0]), k.as, floats[T](in[1]), k.bs, da, db)
		return nil
	}
	if da != nil {
		ref.SumToShape(dy, k.os, da, k.as)
	}
	if db != nil {
		ref.SumToShape(dy, k.os, db, k.bs)
	}
	return nil
}
