package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// LossKind is the function a loss applies to a value and its target.
type LossKind int

// The losses.
const (
	// SoftmaxCrossEntropy reads logits: rows along the last axis, one class label per row (−1 ignores
	// the row), with label smoothing; weights are per row.
	SoftmaxCrossEntropy LossKind = iota + 1
	// SigmoidCrossEntropy reads logits elementwise against targets in [0, 1]; weights per element.
	SigmoidCrossEntropy
	// SmoothL1 is Huber's loss of the difference to the targets with threshold Delta (1 by default);
	// weights per element.
	SmoothL1
	// L2 is ½(x − t)²; weights per element.
	L2
)

// String names the loss.
func (k LossKind) String() string {
	switch k {
	case SoftmaxCrossEntropy:
		return "softmax_cross_entropy"
	case SigmoidCrossEntropy:
		return "sigmoid_cross_entropy"
	case SmoothL1:
		return "smooth_l1"
	case L2:
		return "l2"
	}
	return fmt.Sprintf("loss(%d)", int(k))
}

// Loss attaches a loss function to a value of the graph. The total loss of a step is Σ Weight·(Σ_i
// w_i·l_i)/Norm over the losses, w_i the target's per-element (or per-row) weights and Norm the
// target's normaliser.
type Loss struct {
	Value     int // the value the loss reads (any activation, not only a graph output)
	Kind      LossKind
	Weight    float64 // 0 means 1
	Smoothing float64 // label smoothing of SoftmaxCrossEntropy, in [0, 1)
	Delta     float64 // SmoothL1's threshold; 0 means 1
}

// Target is what a loss compares its value with in one step.
type Target struct {
	Labels  []int     // SoftmaxCrossEntropy: one class per row; −1 ignores the row
	Values  []float32 // the other losses: one target per element
	Weights []float32 // per row (SoftmaxCrossEntropy) or per element; nil means 1 everywhere, 0 masks
	Norm    float64   // the weighted sum is divided by Norm; 0 means the batch size
}

// lossSlot is a loss of a compiled program with its buffers.
type lossSlot struct {
	Loss
	x, dx    *tensor.Tensor // the value and its gradient (nil when no gradient is needed)
	depth    int            // row length of SoftmaxCrossEntropy
	rows     int
	target   Target
	t64, w64 []float64      // float64 programs: the target and weights converted
	add      *tensor.Tensor // another loss reads the same value first: this one's gradient, added to it
}

func (p *TrainProgram) newLoss(l Loss) (*lossSlot, error) {
	v := p.vals[l.Value]
	if !v.DType.Float() {
		return nil, fmt.Errorf("graph: loss on %q: the value is %v, want float", v.Name, v.DType)
	}
	if l.Weight == 0 {
		l.Weight = 1
	}
	if l.Delta == 0 {
		l.Delta = 1
	}
	switch {
	case l.Kind < SoftmaxCrossEntropy || l.Kind > L2:
		return nil, fmt.Errorf("graph: loss on %q: unknown kind %d", v.Name, int(l.Kind))
	case !(l.Smoothing >= 0 && l.Smoothing < 1):
		return nil, fmt.Errorf("graph: loss on %q: label smoothing %g out of range [0, 1)", v.Name, l.Smoothing)
	case !(l.Delta > 0):
		return nil, fmt.Errorf("graph: loss on %q: threshold %g must be positive", v.Name, l.Delta)
	case !(l.Weight > 0 && l.Weight < 1e30):
		return nil, fmt.Errorf("graph: loss on %q: weight %g must be positive and finite", v.Name, l.Weight)
	}
	s := &lossSlot{Loss: l, x: p.acts[l.Value], dx: p.grads[l.Value], depth: v.Shape[len(v.Shape)-1]}
	if s.depth < 1 {
		return nil, fmt.Errorf("graph: loss on %q: empty last axis", v.Name)
	}
	s.rows = s.x.Len() / s.depth
	for _, o := range p.losses {
		if o.Value == l.Value && s.dx != nil {
			t, err := tensor.New(v.DType, v.Shape)
			if err != nil {
				return nil, err
			}
			s.add = t
			break
		}
	}
	return s, nil
}

// SetTarget sets the target of loss i (in the order of TrainOptions.Losses) for the next Loss call.
// The slices are read, not copied, until then.
func (p *TrainProgram) SetTarget(i int, t Target) error {
	if i < 0 || i >= len(p.losses) {
		return fmt.Errorf("graph: loss %d out of range (%d losses)", i, len(p.losses))
	}
	s := p.losses[i]
	name := p.g.Values[s.Value].Name
	n := s.x.Len()
	if s.Kind == SoftmaxCrossEntropy {
		if len(t.Labels) != s.rows {
			return fmt.Errorf("graph: loss on %q: %d labels for %d rows", name, len(t.Labels), s.rows)
		}
		for r, c := range t.Labels {
			if c >= s.depth || c < -1 {
				return fmt.Errorf("graph: loss on %q: label %d of row %d out of range [−1, %d)", name, c, r, s.depth)
			}
		}
		n = s.rows
	} else if len(t.Values) != n {
		return fmt.Errorf("graph: loss on %q: %d targets for %d elements", name, len(t.Values), n)
	}
	if t.Weights != nil && len(t.Weights) != n {
		return fmt.Errorf("graph: loss on %q: %d weights for %d", name, len(t.Weights), n)
	}
	if t.Norm < 0 {
		return fmt.Errorf("graph: loss on %q: negative normaliser %g", name, t.Norm)
	}
	s.target = t
	return nil
}

// Loss evaluates every loss on the values of the last Forward and, with grad, sets the gradients
// Backward starts from. It returns the total and each loss's share (weighted and normalised).
func (p *TrainProgram) Loss(grad bool) (total float64, each []float64, err error) {
	each = make([]float64, len(p.losses))
	for i, s := range p.losses {
		if s.target.Labels == nil && s.target.Values == nil {
			return 0, nil, fmt.Errorf("graph: loss %d on %q has no target", i, p.g.Values[s.Value].Name)
		}
		norm := s.target.Norm
		if norm == 0 {
			norm = float64(p.batch)
		}
		scale := s.Weight / norm
		var dx *tensor.Tensor
		if grad {
			dx = s.dx
			if s.add != nil {
				dx = s.add
			}
		}
		var sum float64
		if s.x.DType == tensor.Float64 {
			sum = lossKernel(s, s.x.F64, grads64(dx), toF64(&s.t64, s.target.Values), toF64(&s.w64, s.target.Weights), scale)
		} else {
			sum = lossKernel(s, s.x.F32, grads32(dx), s.target.Values, s.target.Weights, scale)
		}
		if dx != nil && s.add != nil {
			addInto(s.dx, s.add)
		}
		each[i] = s.Weight * sum / norm
		total += each[i]
	}
	return total, each, nil
}

func grads64(t *tensor.Tensor) []float64 {
	if t == nil {
		return nil
	}
	return t.F64
}

func grads32(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.F32
}

// toF64 converts v into the reused buffer *buf (nil stays nil).
func toF64(buf *[]float64, v []float32) []float64 {
	if v == nil {
		return nil
	}
	if len(*buf) != len(v) {
		*buf = make([]float64, len(v))
	}
	for i, x := range v {
		(*buf)[i] = float64(x)
	}
	return *buf
}

// lossKernel applies s's loss function through the reference kernels, returning the weighted sum and
// writing scale times its gradient into dx when dx is not nil.
func lossKernel[T ref.Float](s *lossSlot, x, dx, target, weight []T, scale float64) float64 {
	switch s.Kind {
	case SoftmaxCrossEntropy:
		return ref.SoftmaxCrossEntropyRows(x, s.depth, s.target.Labels, T(s.Smoothing), weight, T(scale), dx)
	case SigmoidCrossEntropy:
		return ref.SigmoidCrossEntropy(x, target, weight, T(scale), dx)
	case SmoothL1:
		return ref.SmoothL1(x, target, weight, T(s.Delta), T(scale), dx)
	}
	return ref.L2(x, target, weight, T(scale), dx)
}
