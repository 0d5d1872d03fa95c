package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
)

// bnStep is batch normalisation: with batch statistics (and a moving-statistics update) when training
// its parameters, with the moving statistics otherwise.
type bnStep struct {
	x, y            *slot
	gamma, beta     *Param
	movMean, movVar []float32
	eps             float32
	c               int
	batchStats      bool      // whether the last forward pass used the batch's statistics
	mean, inv       []float32 // the statistics the last forward pass used: μ and 1/√(σ²+ε)
	scale, shift    []float32 // γ·inv and β − μ·γ·inv
	a, b, cc        []float32 // the input gradient's per-channel coefficients
	s1, s2, center  []float64
	act             bool // a following clamp (ReLU6) is fused in: y holds the clamped values
	lo, hi          float32
}

func newBatchNorm(t *tape, n *graph.Node, op *graph.BatchNorm, train bool) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	gamma, err := t.param(n, 1, KindNorm, train)
	if err != nil {
		return nil, err
	}
	beta, err := t.param(n, 2, KindNorm, train)
	if err != nil {
		return nil, err
	}
	mean, err := t.constant(n, 3)
	if err != nil {
		return nil, err
	}
	variance, err := t.constant(n, 4)
	if err != nil {
		return nil, err
	}
	c := x.shape[len(x.shape)-1]
	if gamma == nil || beta == nil || len(gamma.Data()) != c || len(beta.Data()) != c || len(mean) != c || len(variance) != c {
		return nil, fmt.Errorf("train: node %s: batch norm parameters do not match %d channels", n.Name, c)
	}
	f := func() []float32 { return make([]float32, c) }
	d := func() []float64 { return make([]float64, c) }
	return &bnStep{x: x, y: t.output(n, train), gamma: gamma, beta: beta, movMean: mean, movVar: variance,
		eps: op.Epsilon, c: c, mean: f(), inv: f(), scale: f(), shift: f(), a: f(), b: f(), cc: f(),
		s1: d(), s2: d(), center: d()}, nil
}

func (s *bnStep) forward(t *tape, train bool) {
	c := s.c
	rows := t.rows(s.x)
	x := s.x.act[:rows*c]
	s.batchStats = train && s.gamma.Trainable
	if s.batchStats {
		t.w.run(c, func(c0, c1 int) { channelMoments(x, rows, c, c0, c1, s.center, s.s1, s.s2) })
		corr := 1.0
		if rows > 1 {
			corr = float64(rows) / float64(rows-1)
		}
		d := float64(t.bnMomentum)
		m := float64(rows)
		for k := 0; k < c; k++ {
			e := s.s1[k] / m
			mu, v := s.center[k]+e, max(s.s2[k]/m-e*e, 0)
			s.mean[k], s.inv[k] = float32(mu), invStd(v, s.eps)
			s.movMean[k] = float32(d*float64(s.movMean[k]) + (1-d)*mu)
			s.movVar[k] = float32(d*float64(s.movVar[k]) + (1-d)*v*corr)
		}
	} else {
		for k := 0; k < c; k++ {
			s.mean[k], s.inv[k] = s.movMean[k], invStd(float64(s.movVar[k]), s.eps)
		}
	}
	g, b := s.gamma.Data(), s.beta.Data()
	for k := 0; k < c; k++ {
		s.scale[k] = g[k] * s.inv[k]
		s.shift[k] = b[k] - s.mean[k]*s.scale[k]
	}
	t.w.run(rows, func(r0, r1 int) { affine(s.y.act, x, c, s.scale, s.shift, s.act, s.lo, s.hi, r0, r1) })
}

func (s *bnStep) backward(t *tape) {
	c := s.c
	rows := t.rows(s.x)
	x, dy := s.x.act[:rows*c], s.y.grad[:rows*c]
	var z []float32
	if s.act {
		z = s.y.act[:rows*c]
	}
	t.w.run(c, func(c0, c1 int) { normGradSums(x, dy, z, s.lo, s.hi, rows, c, c0, c1, s.mean, s.inv, s.s1, s.s2) })
	if s.gamma.Trainable {
		for k := 0; k < c; k++ {
			s.gamma.Grad[k], s.beta.Grad[k] = float32(s.s2[k]), float32(s.s1[k])
		}
	}
	if !s.x.needGrad {
		return
	}
	g := s.gamma.Data()
	m := float64(rows)
	for k := 0; k < c; k++ {
		gi := float64(g[k]) * float64(s.inv[k])
		s.a[k], s.b[k], s.cc[k] = float32(gi), 0, 0
		if s.batchStats {
			// dx = γ·inv·dy − γ·inv·Σdy/M − γ·inv²·Σ(dy·x̂)/M·(x − μ)
			bk := -gi * float64(s.inv[k]) * s.s2[k] / m
			s.b[k] = float32(bk)
			s.cc[k] = float32(-gi*s.s1[k]/m - bk*float64(s.mean[k]))
		}
	}
	t.w.run(rows, func(r0, r1 int) { normBackward(s.x.grad, dy, x, c, s.a, s.b, s.cc, r0, r1) })
}

// actStep is an elementwise clamp (ReLU, ReLU6).
type actStep struct {
	x, y   *slot
	lo, hi float32
}

func newActivation(t *tape, n *graph.Node, a graph.Act) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	lo, hi := a.Range()
	if bn, ok := t.producer[x].(*bnStep); ok && !bn.act {
		// Fuse into the batch norm: it writes the clamped values and masks its gradient; this node's
		// output shares its storage.
		bn.act, bn.lo, bn.hi = true, lo, hi
		t.slots[n.Outputs[0]] = &slot{shape: x.shape, per: x.per, act: x.act, grad: x.grad, needGrad: x.needGrad}
		return reshapeStep{}, nil
	}
	return &actStep{x: x, y: t.output(n, false), lo: lo, hi: hi}, nil
}

func (s *actStep) forward(t *tape, train bool) {
	n := t.n * s.x.per
	t.w.run(n, func(i0, i1 int) { clampForward(s.y.act, s.x.act, s.lo, s.hi, i0, i1) })
}

func (s *actStep) backward(t *tape) {
	if !s.x.needGrad {
		return
	}
	n := t.n * s.x.per
	t.w.run(n, func(i0, i1 int) { clampBackward(s.x.grad, s.y.grad, s.y.act, s.lo, s.hi, i0, i1) })
}
