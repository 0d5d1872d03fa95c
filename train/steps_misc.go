package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// gapStep is global average pooling.
type gapStep struct {
	x, y *slot
}

func newGlobalAvgPool(t *tape, n *graph.Node) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.shape) != 4 {
		return nil, fmt.Errorf("train: node %s: input %v is not NHWC", n.Name, x.shape)
	}
	return &gapStep{x: x, y: t.output(n, false)}, nil
}

func (s *gapStep) forward(t *tape, train bool) {
	c := s.x.shape[3]
	hw := s.x.per / c
	t.w.run(t.n, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			o := s.y.act[b*c : (b+1)*c]
			clear(o)
			for p := 0; p < hw; p++ {
				for k, v := range s.x.act[(b*hw+p)*c : (b*hw+p+1)*c] {
					o[k] += v
				}
			}
			for k := range o {
				o[k] /= float32(hw)
			}
		}
	})
}

func (s *gapStep) backward(t *tape) {
	if !s.x.needGrad {
		return
	}
	c := s.x.shape[3]
	hw := s.x.per / c
	t.w.run(t.n, func(b0, b1 int) {
		for b := b0; b < b1; b++ {
			d := s.y.grad[b*c : (b+1)*c]
			for p := 0; p < hw; p++ {
				dst := s.x.grad[(b*hw+p)*c : (b*hw+p+1)*c]
				for k, v := range d {
					dst[k] = v / float32(hw)
				}
			}
		}
	})
}

// poolStep is average pooling over windows, with the reference kernels.
type poolStep struct {
	x, y *slot
	op   *graph.AvgPool2D
}

func newAvgPool(t *tape, n *graph.Node, op *graph.AvgPool2D) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	if len(x.shape) != 4 {
		return nil, fmt.Errorf("train: node %s: input %v is not NHWC", n.Name, x.shape)
	}
	return &poolStep{x: x, y: t.output(n, false), op: op}, nil
}

func (s *poolStep) shapes(b0, b1 int) ([4]int, [4]int) {
	return [4]int{b1 - b0, s.x.shape[1], s.x.shape[2], s.x.shape[3]}, [4]int{b1 - b0, s.y.shape[1], s.y.shape[2], s.y.shape[3]}
}

func (s *poolStep) forward(t *tape, train bool) {
	lo, hi := s.op.Act.Range()
	t.w.run(t.n, func(b0, b1 int) {
		is, os := s.shapes(b0, b1)
		y := s.y.act[b0*s.y.per : b1*s.y.per]
		ref.AvgPool2D(s.x.act[b0*s.x.per:b1*s.x.per], is, s.op.KH, s.op.KW, s.op.StrideH, s.op.StrideW, s.op.Pads, y, os)
		if s.op.Act != graph.ActNone {
			ref.Clamp(y, lo, hi)
		}
	})
}

func (s *poolStep) backward(t *tape) {
	if !s.x.needGrad {
		return
	}
	lo, hi := s.op.Act.Range()
	t.w.run(t.n, func(b0, b1 int) {
		is, os := s.shapes(b0, b1)
		dy := s.y.grad[b0*s.y.per : b1*s.y.per]
		if s.op.Act != graph.ActNone {
			clampBackward(dy, dy, s.y.act[b0*s.y.per:b1*s.y.per], lo, hi, 0, len(dy))
		}
		ref.AvgPool2DBackward(dy, os, s.op.KH, s.op.KW, s.op.StrideH, s.op.StrideW, s.op.Pads, s.x.grad[b0*s.x.per:b1*s.x.per], is)
	})
}

// reshapeStep gives its input a new shape; its output shares the input's storage.
type reshapeStep struct{}

func newReshape(t *tape, n *graph.Node) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	v := t.g.Values[n.Outputs[0]]
	if per := v.Shape[1:].Size(); per != x.per {
		return nil, fmt.Errorf("train: node %s: reshape of %v to %v changes the size", n.Name, x.shape, v.Shape)
	}
	t.slots[n.Outputs[0]] = &slot{shape: v.Shape, per: x.per, act: x.act, grad: x.grad, needGrad: x.needGrad}
	return reshapeStep{}, nil
}

func (reshapeStep) forward(t *tape, train bool) {}
func (reshapeStep) backward(t *tape)            {}

// softmaxStep is the final softmax: it turns the logits into probabilities; the loss gives the logits
// their gradient directly.
type softmaxStep struct {
	x, y *slot
}

func newSoftmax(t *tape, n *graph.Node, op *graph.Softmax) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	if op.Beta != 0 && op.Beta != 1 {
		return nil, fmt.Errorf("train: node %s: softmax β %g; training supports β = 1", n.Name, op.Beta)
	}
	if t.head != nil {
		return nil, fmt.Errorf("train: node %s: a second softmax", n.Name)
	}
	s := &softmaxStep{x: x, y: t.output(n, false)}
	t.head, t.logits = s, x
	return s, nil
}

func (s *softmaxStep) forward(t *tape, train bool) {
	d := s.x.per
	ref.Softmax(s.x.act[:t.n*d], d, 1, s.y.act[:t.n*d])
}

func (s *softmaxStep) backward(t *tape) {}
