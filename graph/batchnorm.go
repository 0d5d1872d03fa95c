package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// BatchNorm normalises the channels of x with running statistics (inference mode). Inputs: x NHWC, then
// γ, β, moving mean and moving variance, each [C]. γ and β are trained parameters; the moving statistics
// are not.
type BatchNorm struct {
	Epsilon float32
}

// Type implements Op.
func (b *BatchNorm) Type() string { return "BatchNorm" }

// Shapes implements Op.
func (b *BatchNorm) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 5, 5); err != nil {
		return nil, err
	}
	c := in[0].Shape[len(in[0].Shape)-1]
	for i, name := range []string{"gamma", "beta", "mean", "variance"} {
		v := in[i+1]
		if err := constant(name, v); err != nil {
			return nil, err
		}
		if !v.Shape.Equal(tensor.Shape{c}) {
			return nil, fmt.Errorf("%s shape %v does not match %d channels", name, v.Shape, c)
		}
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (b *BatchNorm) Describe(in, out []*Value) Info {
	return Info{Type: TypeBatchNorm, Trainable: 2 * int64(in[1].Shape.Size())}
}

// Compile implements Op.
func (b *BatchNorm) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	c := in[1].Shape[0]
	gamma, beta, mean, variance := in[1].Data.F32, in[2].Data.F32, in[3].Data.F32, in[4].Data.F32
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		copy(y[0].F32, x[0].F32)
		ref.BatchNorm(y[0].F32, c, gamma, beta, mean, variance, b.Epsilon)
		return nil
	}), nil
}

// ParamKinds implements Differentiable: γ and β are trained; the moving statistics are updated by the
// forward pass, not trained.
func (b *BatchNorm) ParamKinds(in []*Value) []ParamKind {
	return []ParamKind{NotParam, ParamNorm, ParamNorm, NotParam, NotParam}[:len(in)]
}

// CompileTrain implements Differentiable. In a trained node the forward pass normalises with the batch's
// statistics and moves the moving statistics towards them; in a frozen node it uses the moving
// statistics. A following activation can be fused in (FuseAct).
func (b *BatchNorm) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	if !in[0].DType.Float() {
		return nil, errNotFloat(in[0])
	}
	c := in[1].Shape[0]
	if useReference(in[0].DType, &tc.Options) {
		if in[0].DType == tensor.Float64 {
			return newRefBNTrain[float64](c, b.Epsilon, tc), nil
		}
		return newRefBNTrain[float32](c, b.Epsilon, tc), nil
	}
	f := func() []float32 { return make([]float32, c) }
	d := func() []float64 { return make([]float64, c) }
	return &bnTrain{c: c, eps: b.Epsilon, batchStats: !tc.Frozen, momentum: tc.BNMomentum, threads: tc.threads(),
		mean: f(), inv: f(), scale: f(), shift: f(), a: f(), b: f(), cc: f(), s1: d(), s2: d(), center: d()}, nil
}

// bnTrain is the float32 training kernel of batch normalisation: statistics in float64 in one pass,
// the normalisation as a per-channel affine map, and the input gradient as another.
type bnTrain struct {
	c              int
	eps            float32
	batchStats     bool
	momentum       float64
	threads        int
	mean, inv      []float32 // the statistics of the last forward pass: μ and 1/√(σ²+ε)
	scale, shift   []float32 // γ·inv and β − μ·γ·inv
	a, b, cc       []float32 // the input gradient's per-channel coefficients
	s1, s2, center []float64
	act            Act // a fused activation: the output holds the activated values
}

// FuseAct implements ActFuser.
func (k *bnTrain) FuseAct(a Act) bool {
	if k.act != ActNone {
		return false
	}
	k.act = a
	return true
}

func (k *bnTrain) Forward(in, out []*tensor.Tensor) error {
	c := k.c
	x := in[0].F32
	rows := len(x) / c
	movMean, movVar := in[3].F32, in[4].F32
	if k.batchStats {
		parallelRange(k.threads, c, 8, func(c0, c1 int) { kernels.ChannelMoments(x, rows, c, c0, c1, k.center, k.s1, k.s2) })
		corr := 1.0
		if rows > 1 {
			corr = float64(rows) / float64(rows-1)
		}
		d, m := k.momentum, float64(rows)
		for j := 0; j < c; j++ {
			e := k.s1[j] / m
			mu, v := k.center[j]+e, max(k.s2[j]/m-e*e, 0)
			k.mean[j], k.inv[j] = float32(mu), kernels.InvStd(v, k.eps)
			movMean[j] = float32(d*float64(movMean[j]) + (1-d)*mu)
			movVar[j] = float32(d*float64(movVar[j]) + (1-d)*v*corr)
		}
	} else {
		for j := 0; j < c; j++ {
			k.mean[j], k.inv[j] = movMean[j], kernels.InvStd(float64(movVar[j]), k.eps)
		}
	}
	g, b := in[1].F32, in[2].F32
	for j := 0; j < c; j++ {
		k.scale[j] = g[j] * k.inv[j]
		k.shift[j] = b[j] - k.mean[j]*k.scale[j]
	}
	lo, hi := k.act.Range()
	y := out[0].F32
	parallelRange(k.threads, rows, 64, func(r0, r1 int) { kernels.Affine(y, x, c, k.scale, k.shift, k.act != ActNone, lo, hi, r0, r1) })
	return nil
}

func (k *bnTrain) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	c := k.c
	x, dy := in[0].F32, dOut[0].F32
	rows := len(x) / c
	var z []float32
	if k.act != ActNone {
		z = out[0].F32
	}
	lo, hi := k.act.Range()
	parallelRange(k.threads, c, 8, func(c0, c1 int) {
		kernels.NormGradSums(x, dy, z, lo, hi, rows, c, c0, c1, k.mean, k.inv, k.s1, k.s2)
	})
	if dg, db := optional[float32](dIn, 1), optional[float32](dIn, 2); dg != nil && db != nil {
		for j := 0; j < c; j++ {
			dg[j], db[j] = float32(k.s2[j]), float32(k.s1[j])
		}
	}
	dx := optional[float32](dIn, 0)
	if dx == nil {
		return nil
	}
	g := in[1].F32
	m := float64(rows)
	for j := 0; j < c; j++ {
		gi := float64(g[j]) * float64(k.inv[j])
		k.a[j], k.b[j], k.cc[j] = float32(gi), 0, 0
		if k.batchStats {
			// dx = γ·inv·dy − γ·inv·Σdy/M − γ·inv²·Σ(dy·x̂)/M·(x − μ)
			bj := -gi * float64(k.inv[j]) * k.s2[j] / m
			k.b[j] = float32(bj)
			k.cc[j] = float32(-gi*k.s1[j]/m - bj*float64(k.mean[j]))
		}
	}
	parallelRange(k.threads, rows, 64, func(r0, r1 int) { kernels.NormBackward(dx, dy, x, c, k.a, k.b, k.cc, r0, r1) })
	return nil
}

// refBNTrain is the reference training kernel of batch normalisation.
type refBNTrain[T ref.Float] struct {
	c          int
	eps        T
	batchStats bool
	momentum   T
	mean, vari []T
}

func newRefBNTrain[T ref.Float](c int, eps float32, tc *TrainContext) *refBNTrain[T] {
	return &refBNTrain[T]{c: c, eps: T(eps), batchStats: !tc.Frozen, momentum: T(tc.BNMomentum), mean: make([]T, c), vari: make([]T, c)}
}

func (k *refBNTrain[T]) Forward(in, out []*tensor.Tensor) error {
	x, g, b, y := floats[T](in[0]), floats[T](in[1]), floats[T](in[2]), floats[T](out[0])
	movMean, movVar := floats[T](in[3]), floats[T](in[4])
	if k.batchStats {
		ref.BatchNormTrainForward(x, k.c, g, b, k.eps, y, k.mean, k.vari)
		ref.BatchNormUpdateMoving(movMean, movVar, k.mean, k.vari, len(x)/k.c, k.momentum)
		return nil
	}
	copy(k.mean, movMean)
	copy(k.vari, movVar)
	copy(y, x)
	ref.BatchNorm(y, k.c, g, b, movMean, movVar, k.eps)
	return nil
}

func (k *refBNTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	x, g, dy := floats[T](in[0]), floats[T](in[1]), floats[T](dOut[0])
	dx, dg, db := optional[T](dIn, 0), optional[T](dIn, 1), optional[T](dIn, 2)
	if dg == nil {
		dg, db = make([]T, k.c), make([]T, k.c)
	}
	if k.batchStats {
		if dx == nil {
			dx = make([]T, len(x))
		}
		ref.BatchNormTrainBackward(x, k.c, g, k.mean, k.vari, k.eps, dy, dx, dg, db)
		return nil
	}
	ref.BatchNormBackward(x, k.c, g, k.mean, k.vari, k.eps, dy, dx, dg, db)
	return nil
}

// Refuses implements Refuser.
func (b *BatchNorm) Refuses() map[Column]string {
	return map[Column]string{ColQuantized: "8-bit graphs have no batch norm: Fold merges it into the convolution before quantization, as the TFLite converter does"}
}
