package graph

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/kernels"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// This file holds what the training kernels of several ops share: typed access to float tensors, the
// matrix product of the gradients, and the batch dimension's bookkeeping.

// floats returns the float data of t as []T (nil for a nil tensor).
func floats[T ref.Float](t *tensor.Tensor) []T {
	if t == nil {
		return nil
	}
	var z T
	if _, ok := any(z).(float64); ok {
		return any(t.F64).([]T)
	}
	return any(t.F32).([]T)
}

// optional returns the float data of the i-th tensor of ts, nil when absent.
func optional[T ref.Float](ts []*tensor.Tensor, i int) []T {
	if i >= len(ts) {
		return nil
	}
	return floats[T](ts[i])
}

// useReference reports whether a training kernel for values of type dt runs the reference kernels:
// float64 always, float32 when the options ask.
func useReference(dt tensor.DType, opt *Options) bool { return dt == tensor.Float64 || opt.Reference }

// matmul computes C = A·Bᵀ (c[i·n+j] = Σ_p a[i·k+p]·b[j·k+p], A m×k, B n×k, row-major) with the packed
// GEMM kernel of inference: B is packed (into *cache, reused when the shape allows) as the "weights",
// the rows of A split among the workers. Every matrix product of training goes through it.
func matmul(cache **kernels.GEMM, c, a, b []float32, m, n, k, threads int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		clear(c[:m*n])
		return
	}
	if g := *cache; g != nil && g.N == n && g.K == k {
		g.Repack(b[:n*k], nil)
	} else {
		*cache = kernels.PackGEMM(b[:n*k], nil, n, k)
	}
	g := *cache
	inf := float32(math.Inf(1))
	parallelRange(threads, m, 1, func(r0, r1 int) { g.Run(c, a, r0, r1, -inf, inf) })
}

// transpose writes the cols×rows transpose of the rows×cols matrix src into dst, on the workers.
func transpose(dst, src []float32, rows, cols, threads int) {
	blocks := (rows + kernels.TransposeBlock - 1) / kernels.TransposeBlock
	parallelRange(threads, blocks, 1, func(b0, b1 int) {
		kernels.Transpose(dst, src, rows, cols, b0*kernels.TransposeBlock, min(b1*kernels.TransposeBlock, rows))
	})
}

// grow returns buf with at least n elements, reallocating when it is shorter.
func grow(buf []float32, n int) []float32 {
	if len(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}

// biasGrad sets db[o] = Σ_r dy[r, o] over the rows of dy (c channels), summing in float64 on the workers.
func biasGrad(db, dy []float32, c int, sums []float64, threads int) {
	rows := len(dy) / c
	parallelRange(threads, c, 8, func(c0, c1 int) { kernels.ChannelSums(dy, rows, c, c0, c1, sums) })
	for o, v := range sums {
		db[o] = float32(v)
	}
}

// maskAct zeroes dy where the activation act clamped its output y, on the workers.
func maskAct(dy, y []float32, act Act, threads int) {
	if act == ActNone {
		return
	}
	lo, hi := act.Range()
	parallelRange(threads, len(dy), 4096, func(i0, i1 int) { kernels.MaskClamped(dy[i0:i1], y[i0:i1], lo, hi) })
}

// refMaskAct is maskAct's reference twin.
func refMaskAct[T ref.Float](dy, y []T, act Act) {
	if act == ActNone {
		return
	}
	lo, hi := act.Range()
	ref.ClampBackward(y, T(lo), T(hi), dy, dy)
}

// refClamp applies act to y with the reference kernel.
func refClamp[T ref.Float](y []T, act Act) {
	if act == ActNone {
		return
	}
	lo, hi := act.Range()
	ref.Clamp(y, T(lo), T(hi))
}

// errNotFloat is the error of a training kernel asked for a value that is not float32 or float64.
func errNotFloat(v *Value) error {
	return fmt.Errorf("training needs float32 or float64 values, %q is %v", v.Name, v.DType)
}
