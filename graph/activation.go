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
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQActivation[uint8](a, in, out, opt) },
		func() (Kernel, error) { return compileQActivation[int8](a, in, out, opt) }); ok {
		return k, err
	}
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

// HardSwish is MobileNet V3's h-swish on its own: y = x·ReLU6(x + 3)/6 (TFLite HARD_SWISH, ONNX
// HardSwish). Fold leaves it a node of its own: convolutions fuse only clamps.
type HardSwish struct{}

// HardSigmoid is MobileNet V3's h-sigmoid, the gate of squeeze-and-excite: y = ReLU6(x + 3)/6 (ONNX
// HardSigmoid with α 1/6, β 1/2, computed in this order, as PyTorch does).
type HardSigmoid struct{}

// Type implements Op.
func (h *HardSwish) Type() string { return "HardSwish" }

// Type implements Op.
func (h *HardSigmoid) Type() string { return "HardSigmoid" }

// Shapes implements Op.
func (h *HardSwish) Shapes(in []*Value) ([]tensor.Shape, error) { return (&Activation{}).Shapes(in) }

// Shapes implements Op.
func (h *HardSigmoid) Shapes(in []*Value) ([]tensor.Shape, error) { return (&Activation{}).Shapes(in) }

// Describe implements Op: an activation, part of the layer before it in the cost report.
func (h *HardSwish) Describe(in, out []*Value) Info { return Info{Type: TypeActivation} }

// Describe implements Op: an activation, part of the layer before it in the cost report.
func (h *HardSigmoid) Describe(in, out []*Value) Info { return Info{Type: TypeActivation} }

// Compile implements Op.
func (h *HardSwish) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	return compileHard(true, in, opt)
}

// Compile implements Op.
func (h *HardSigmoid) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	return compileHard(false, in, opt)
}

// ParamKinds implements Differentiable: nothing is trained.
func (h *HardSwish) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// ParamKinds implements Differentiable: nothing is trained.
func (h *HardSigmoid) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: dx = dy·(2x + 3)/6 for −3 < x < 3, dy above, 0 below.
func (h *HardSwish) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	return compileHardTrain(true, in, tc)
}

// CompileTrain implements Differentiable: dx = dy/6 for −3 < x < 3, 0 elsewhere.
func (h *HardSigmoid) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	return compileHardTrain(false, in, tc)
}

// hardRefusal is the reason the 8-bit column is refused.
const hardRefusal = "8-bit HARD_SWISH (TFLite's fixed-point formula on int16 intermediates) is not written yet; " +
	"8-bit V3 graphs are not imported"

// Refuses implements Refuser.
func (h *HardSwish) Refuses() map[Column]string { return map[Column]string{ColQuantized: hardRefusal} }

// Refuses implements Refuser.
func (h *HardSigmoid) Refuses() map[Column]string {
	return map[Column]string{ColQuantized: "TFLite has no HARD_SIGMOID operator: converters write it as ADD, RELU6 and MUL, and 8-bit graphs fuse those"}
}

func compileHard(swish bool, in []*Value, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 {
		if in[0].DType.Float() {
			return nil, fmt.Errorf("no %v kernel", in[0].DType)
		}
		if swish {
			return nil, fmt.Errorf("%s", hardRefusal)
		}
		return nil, fmt.Errorf("%s", (&HardSigmoid{}).Refuses()[ColQuantized])
	}
	if opt.Reference {
		return KernelFunc(func(x, y []*tensor.Tensor) error {
			RefHard(swish, y[0].F32, x[0].F32)
			return nil
		}), nil
	}
	threads := opt.threads()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		xs, ys := x[0].F32, y[0].F32
		parallelRange(threads, len(xs), 16384, func(i0, i1 int) { hardF32(swish, ys[i0:i1], xs[i0:i1]) })
		return nil
	}), nil
}

func compileHardTrain(swish bool, in []*Value, tc *TrainContext) (TrainKernel, error) {
	switch {
	case in[0].DType == tensor.Float64:
		return &refHardTrain[float64]{swish: swish}, nil
	case in[0].DType == tensor.Float32 && tc.Reference:
		return &refHardTrain[float32]{swish: swish}, nil
	case in[0].DType == tensor.Float32:
		return &hardTrain{swish: swish, threads: tc.threads()}, nil
	}
	return nil, errNotFloat(in[0])
}

// RefHard is the reference of h-swish (swish) and h-sigmoid: y[i] = x[i]·r/6 or r/6 with
// r = min(max(x[i] + 3, 0), 6), in T's arithmetic and in this order (PyTorch's).
func RefHard[T ref.Float](swish bool, y, x []T) {
	for i, v := range x {
		r := v + 3
		if r < 0 {
			r = 0
		}
		if r > 6 {
			r = 6
		}
		if swish {
			y[i] = v * r / 6
		} else {
			y[i] = r / 6
		}
	}
}

// RefHardBackward is the reference gradient: dx[i] = dy[i]·f′(x[i]) (f′ 0 at and beyond the kinks
// −3 and 3 for h-sigmoid; h-swish takes 1 at and above 3, 0 at and below −3).
func RefHardBackward[T ref.Float](swish bool, dx, dy, x []T) {
	for i, v := range x {
		var d T
		switch {
		case swish && v >= 3:
			d = 1
		case v <= -3 || v >= 3:
			d = 0
		case swish:
			d = (2*v + 3) / 6
		default:
			d = T(1) / 6
		}
		dx[i] = dy[i] * d
	}
}

// hardF32 is the fast float32 kernel: h-swish on kernels.HardSwish (AVX-512, or its Go twin), h-sigmoid
// a loop with the clamp written as comparisons (Go's min and max order ±0 and NaN, which costs
// branches); both have RefHard's arithmetic (the differential test requires equal bits).
func hardF32(swish bool, y, x []float32) {
	y = y[:len(x)]
	if swish {
		kernels.HardSwish(y, x)
		return
	}
	for i, v := range x {
		r := v + 3
		if r < 0 {
			r = 0
		}
		if r > 6 {
			r = 6
		}
		y[i] = r / 6
	}
}

// hardTrain is the float32 training kernel of h-swish and h-sigmoid.
type hardTrain struct {
	swish   bool
	threads int
}

func (k *hardTrain) Forward(in, out []*tensor.Tensor) error {
	x, y := in[0].F32, out[0].F32
	parallelRange(k.threads, len(x), 16384, func(i0, i1 int) { hardF32(k.swish, y[i0:i1], x[i0:i1]) })
	return nil
}

func (k *hardTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dIn[0] == nil {
		return nil
	}
	dx, dy, x := dIn[0].F32, dOut[0].F32, in[0].F32
	parallelRange(k.threads, len(dx), 16384, func(i0, i1 int) { RefHardBackward(k.swish, dx[i0:i1], dy[i0:i1], x[i0:i1]) })
	return nil
}

// refHardTrain is the reference training kernel of h-swish and h-sigmoid.
type refHardTrain[T ref.Float] struct{ swish bool }

func (k *refHardTrain[T]) Forward(in, out []*tensor.Tensor) error {
	RefHard(k.swish, floats[T](out[0]), floats[T](in[0]))
	return nil
}

func (k *refHardTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		RefHardBackward(k.swish, dx, floats[T](dOut[0]), floats[T](in[0]))
	}
	return nil
}
