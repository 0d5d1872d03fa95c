package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels"
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

// ParamKinds implements Differentiable: the weights and the bias are trained.
func (f *FullyConnected) ParamKinds(in []*Value) []ParamKind {
	return []ParamKind{NotParam, ParamWeights, ParamBias}[:len(in)]
}

// CompileTrain implements Differentiable: a 1×1 convolution over 1×1 images (see Conv2D.CompileTrain).
func (f *FullyConnected) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	if !in[0].DType.Float() {
		return nil, errNotFloat(in[0])
	}
	o, depth := in[1].Shape[0], in[1].Shape[1]
	if useReference(in[0].DType, &tc.Options) {
		if in[0].DType == tensor.Float64 {
			return &refFCTrain[float64]{act: f.Act, depth: depth, outs: o}, nil
		}
		return &refFCTrain[float32]{act: f.Act, depth: depth, outs: o}, nil
	}
	g := kernels.ConvGeom{H: 1, W: 1, Cin: depth, OH: 1, OW: 1, Cout: o, KH: 1, KW: 1, SH: 1, SW: 1, DH: 1, DW: 1}
	return &gemmTrain{fwd: fastFullyConnected(f, in, &tc.Options), geom: g, point: true, batch: in[0].Shape[0], act: f.Act, threads: tc.threads()}, nil
}

// refFCTrain is the reference training kernel of a fully connected layer.
type refFCTrain[T ref.Float] struct {
	act         Act
	depth, outs int
}

func (k *refFCTrain[T]) Forward(in, out []*tensor.Tensor) error {
	x, y := floats[T](in[0]), floats[T](out[0])
	ref.FullyConnected(x, len(x)/k.depth, k.depth, floats[T](in[1]), k.outs, optional[T](in, 2), y)
	refClamp(y, k.act)
	return nil
}

func (k *refFCTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	x, dy := floats[T](in[0]), floats[T](dOut[0])
	rows := len(x) / k.depth
	refMaskAct(dy, floats[T](out[0]), k.act)
	if db := optional[T](dIn, 2); db != nil {
		ref.BiasBackward(dy, k.outs, db)
	}
	if dw := optional[T](dIn, 1); dw != nil {
		ref.PointwiseBackwardFilter(x, rows, k.depth, dy, k.outs, dw)
	}
	if dx := optional[T](dIn, 0); dx != nil {
		ref.PointwiseBackwardInput(dy, rows, k.outs, floats[T](in[1]), k.depth, dx)
	}
	return nil
}

// ParamKinds implements Differentiable: nothing is trained.
func (r *Reshape) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: the data is copied forward and the gradient back.
func (r *Reshape) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	if !in[0].DType.Float() {
		return nil, errNotFloat(in[0])
	}
	return copyTrain{}, nil
}

// copyTrain moves data unchanged: forward from input 0 to output 0, backward the other way.
type copyTrain struct{}

func (copyTrain) Forward(in, out []*tensor.Tensor) error { return out[0].CopyData(in[0]) }

func (copyTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dIn[0] != nil {
		return dIn[0].CopyData(dOut[0])
	}
	return nil
}

// ParamKinds implements Differentiable: nothing is trained.
func (s *Softmax) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: dx = β·y⊙(dy − Σ dy·y) per row. (A classifier's loss reads
// the logits, the softmax's input, with SoftmaxCrossEntropy: more accurate than through this.)
func (s *Softmax) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	beta := s.Beta
	if beta == 0 {
		beta = 1
	}
	depth := in[0].Shape[len(in[0].Shape)-1]
	switch in[0].DType {
	case tensor.Float64:
		return &softmaxTrain[float64]{depth: depth, beta: float64(beta)}, nil
	case tensor.Float32:
		return &softmaxTrain[float32]{depth: depth, beta: beta}, nil
	}
	return nil, errNotFloat(in[0])
}

// softmaxTrain is the training kernel of Softmax (reference kernels in both precisions).
type softmaxTrain[T ref.Float] struct {
	depth int
	beta  T
}

func (k *softmaxTrain[T]) Forward(in, out []*tensor.Tensor) error {
	ref.Softmax(floats[T](in[0]), k.depth, k.beta, floats[T](out[0]))
	return nil
}

func (k *softmaxTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		ref.SoftmaxBackward(floats[T](out[0]), floats[T](dOut[0]), k.depth, k.beta, dx)
	}
	return nil
}
