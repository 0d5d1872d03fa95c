package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// convStep is a convolution (or fully connected layer) computed as a matrix product: a 1×1 convolution
// reads its input rows directly, any other goes through im2col.
type convStep struct {
	x, y    *slot
	w, b    *Param
	g       convGeom
	point   bool      // the input rows are the columns (1×1, stride 1, no padding, or fully connected)
	cols    []float32 // im2col output, kept for the filter gradient
	wt      []float32 // Wᵀ, for the input gradient
	act     bool
	lo, hi  float32
	biasSum []float64
}

func newConv(t *tape, n *graph.Node, op *graph.Conv2D, train bool) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	if max(op.Groups, 1) > 1 {
		return newGroupedConv(t, n, op, train, x)
	}
	w, err := t.param(n, 1, KindWeights, train)
	if err != nil {
		return nil, err
	}
	b, err := t.param(n, 2, KindBias, train)
	if err != nil {
		return nil, err
	}
	ws := w.Value.Shape
	if len(x.shape) != 4 || len(ws) != 4 || ws[3] != x.shape[3] {
		return nil, fmt.Errorf("train: node %s: weights %v do not fit input %v", n.Name, ws, x.shape)
	}
	y := t.output(n, train)
	if len(y.shape) != 4 || y.shape[3] != ws[0] {
		return nil, fmt.Errorf("train: node %s: output %v does not fit weights %v", n.Name, y.shape, ws)
	}
	s := &convStep{x: x, y: y, w: w, b: b, g: convGeom{
		h: x.shape[1], w: x.shape[2], cin: x.shape[3], oh: y.shape[1], ow: y.shape[2], cout: ws[0],
		kh: ws[1], kw: ws[2], sh: op.StrideH, sw: op.StrideW, dh: max(op.DilationH, 1), dw: max(op.DilationW, 1), pads: op.Pads,
	}}
	s.point = s.g.kh == 1 && s.g.kw == 1 && s.g.sh == 1 && s.g.sw == 1 && op.Pads == (ref.Pads{})
	if !s.point {
		s.cols = make([]float32, t.batch*s.g.oh*s.g.ow*s.k())
	}
	s.setAct(op.Act)
	return s, nil
}

func newFullyConnected(t *tape, n *graph.Node, op *graph.FullyConnected, train bool) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	w, err := t.param(n, 1, KindWeights, train)
	if err != nil {
		return nil, err
	}
	b, err := t.param(n, 2, KindBias, train)
	if err != nil {
		return nil, err
	}
	ws := w.Value.Shape
	if len(ws) != 2 || ws[1] != x.per {
		return nil, fmt.Errorf("train: node %s: weights %v do not fit input %v", n.Name, ws, x.shape)
	}
	y := t.output(n, train)
	s := &convStep{x: x, y: y, w: w, b: b, point: true,
		g: convGeom{h: 1, w: 1, cin: ws[1], oh: 1, ow: 1, cout: ws[0], kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1}}
	s.setAct(op.Act)
	return s, nil
}

func (s *convStep) setAct(a graph.Act) {
	s.act = a != graph.ActNone
	s.lo, s.hi = a.Range()
	s.wt = make([]float32, s.k()*s.g.cout)
	s.biasSum = make([]float64, s.g.cout)
}

// k is the length of one column: the weights of one output channel.
func (s *convStep) k() int { return s.g.kh * s.g.kw * s.g.cin }

func (s *convStep) columns(t *tape) []float32 {
	if s.point {
		return s.x.act
	}
	return s.cols
}

func (s *convStep) forward(t *tape, train bool) {
	rows, k, cout := t.n*s.g.oh*s.g.ow, s.k(), s.g.cout
	if !s.point {
		t.w.run(t.n, func(b0, b1 int) { im2col(s.cols, s.x.act, &s.g, b0, b1) })
	}
	y := s.y.act[:rows*cout]
	matmul(y, s.columns(t), s.w.Data(), rows, cout, k, t.w)
	if s.b != nil || s.act {
		var bias []float32
		if s.b != nil {
			bias = s.b.Data()
		}
		t.w.run(rows, func(r0, r1 int) {
			for r := r0; r < r1; r++ {
				row := y[r*cout : (r+1)*cout]
				if bias != nil {
					for o := range row {
						row[o] += bias[o]
					}
				}
				if s.act {
					clampForward(row, row, s.lo, s.hi, 0, cout)
				}
			}
		})
	}
}

func (s *convStep) backward(t *tape) {
	rows, k, cout := t.n*s.g.oh*s.g.ow, s.k(), s.g.cout
	dy := s.y.grad[:rows*cout]
	if s.act {
		t.w.run(rows, func(r0, r1 int) { clampBackward(dy, dy, s.y.act, s.lo, s.hi, r0*cout, r1*cout) })
	}
	if s.b != nil && s.b.Trainable {
		t.w.run(cout, func(c0, c1 int) { channelSums(dy, rows, cout, c0, c1, s.biasSum) })
		for o, v := range s.biasSum {
			s.b.Grad[o] = float32(v)
		}
	}
	cols := s.columns(t)
	if s.w.Trainable {
		dyT, colsT := t.scratchPair(cout*rows, k*rows)
		transpose(dyT, dy, rows, cout, t.w)
		transpose(colsT, cols, rows, k, t.w)
		matmul(s.w.Grad, dyT, colsT, cout, k, rows, t.w)
	}
	if !s.x.needGrad {
		return
	}
	transpose(s.wt, s.w.Data(), cout, k, t.w)
	if s.point {
		matmul(s.x.grad[:rows*k], dy, s.wt, rows, k, cout, t.w)
		return
	}
	dcols, _ := t.scratchPair(rows*k, 0)
	matmul(dcols, dy, s.wt, rows, k, cout, t.w)
	t.w.run(t.n, func(b0, b1 int) { col2im(s.x.grad, dcols, &s.g, b0, b1) })
}

// refConvStep is a grouped convolution or a depthwise convolution with a depth multiplier above 1,
// computed with the reference kernels (correct, not fast: MobileNet uses neither).
type refConvStep struct {
	x, y      *slot
	w, b      *Param
	p         ref.ConvParams
	kh, kw, m int
	depthwise bool
	act       bool
	lo, hi    float32
}

func newGroupedConv(t *tape, n *graph.Node, op *graph.Conv2D, train bool, x *slot) (step, error) {
	w, err := t.param(n, 1, KindWeights, train)
	if err != nil {
		return nil, err
	}
	b, err := t.param(n, 2, KindBias, train)
	if err != nil {
		return nil, err
	}
	s := &refConvStep{x: x, y: t.output(n, train), w: w, b: b, kh: w.Value.Shape[1], kw: w.Value.Shape[2],
		p: ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: max(op.DilationH, 1),
			DilationW: max(op.DilationW, 1), Pads: op.Pads, Groups: op.Groups}}
	s.act = op.Act != graph.ActNone
	s.lo, s.hi = op.Act.Range()
	return s, nil
}

func (s *refConvStep) shapes(b0, b1 int) ([4]int, [4]int) {
	return [4]int{b1 - b0, s.x.shape[1], s.x.shape[2], s.x.shape[3]}, [4]int{b1 - b0, s.y.shape[1], s.y.shape[2], s.y.shape[3]}
}

func (s *refConvStep) forward(t *tape, train bool) {
	var bias []float32
	if s.b != nil {
		bias = s.b.Data()
	}
	t.w.run(t.n, func(b0, b1 int) {
		is, os := s.shapes(b0, b1)
		x, y := s.x.act[b0*s.x.per:b1*s.x.per], s.y.act[b0*s.y.per:b1*s.y.per]
		if s.depthwise {
			ref.DepthwiseConv2D(x, is, s.w.Data(), s.kh, s.kw, s.m, bias, s.p, y, os)
		} else {
			ref.Conv2D(x, is, s.w.Data(), s.kh, s.kw, bias, s.p, y, os)
		}
		if s.act {
			ref.Clamp(y, s.lo, s.hi)
		}
	})
}

func (s *refConvStep) backward(t *tape) {
	n := t.n
	dy := s.y.grad[:n*s.y.per]
	if s.act {
		clampBackward(dy, dy, s.y.act, s.lo, s.hi, 0, len(dy))
	}
	is, os := s.shapes(0, n)
	x := s.x.act[:n*s.x.per]
	if s.b != nil && s.b.Trainable {
		ref.BiasBackward(dy, os[3], s.b.Grad)
	}
	if s.w.Trainable {
		if s.depthwise {
			ref.DepthwiseBackwardFilter(x, is, dy, os, s.kh, s.kw, s.m, s.p, s.w.Grad)
		} else {
			ref.Conv2DBackwardFilter(x, is, dy, os, s.kh, s.kw, s.p, s.w.Grad)
		}
	}
	if !s.x.needGrad {
		return
	}
	t.w.run(n, func(b0, b1 int) {
		is, os := s.shapes(b0, b1)
		d, dx := s.y.grad[b0*s.y.per:b1*s.y.per], s.x.grad[b0*s.x.per:b1*s.x.per]
		if s.depthwise {
			ref.DepthwiseBackwardInput(d, os, s.w.Data(), s.kh, s.kw, s.m, s.p, dx, is)
		} else {
			ref.Conv2DBackwardInput(d, os, s.w.Data(), s.kh, s.kw, s.p, dx, is)
		}
	})
}

// dwStep is a depthwise convolution with depth multiplier 1.
type dwStep struct {
	x, y    *slot
	w, b    *Param
	g       convGeom
	act     bool
	lo, hi  float32
	biasSum []float64
}

func newDepthwise(t *tape, n *graph.Node, op *graph.DepthwiseConv2D, train bool) (step, error) {
	x, err := t.in(n, 0)
	if err != nil {
		return nil, err
	}
	w, err := t.param(n, 1, KindDepthwise, train)
	if err != nil {
		return nil, err
	}
	b, err := t.param(n, 2, KindBias, train)
	if err != nil {
		return nil, err
	}
	y := t.output(n, train)
	ws := w.Value.Shape
	if len(ws) != 4 || len(x.shape) != 4 || len(y.shape) != 4 || ws[3] != y.shape[3] {
		return nil, fmt.Errorf("train: node %s: weights %v do not fit output %v", n.Name, ws, y.shape)
	}
	if m := max(op.Multiplier, 1); m > 1 {
		s := &refConvStep{x: x, y: y, w: w, b: b, kh: ws[1], kw: ws[2], m: m, depthwise: true,
			p: ref.ConvParams{StrideH: op.StrideH, StrideW: op.StrideW, DilationH: max(op.DilationH, 1),
				DilationW: max(op.DilationW, 1), Pads: op.Pads}}
		s.act = op.Act != graph.ActNone
		s.lo, s.hi = op.Act.Range()
		return s, nil
	}
	s := &dwStep{x: x, y: y, w: w, b: b, g: convGeom{
		h: x.shape[1], w: x.shape[2], cin: x.shape[3], oh: y.shape[1], ow: y.shape[2], cout: ws[3],
		kh: ws[1], kw: ws[2], sh: op.StrideH, sw: op.StrideW, dh: max(op.DilationH, 1), dw: max(op.DilationW, 1), pads: op.Pads,
	}, biasSum: make([]float64, ws[3])}
	s.act = op.Act != graph.ActNone
	s.lo, s.hi = op.Act.Range()
	return s, nil
}

func (s *dwStep) forward(t *tape, train bool) {
	c := s.g.cout
	var bias []float32
	if s.b != nil {
		bias = s.b.Data()
	}
	t.w.run(t.n, func(b0, b1 int) {
		dwForward(s.y.act, s.x.act, s.w.Data(), &s.g, b0, b1)
		if bias == nil && !s.act {
			return
		}
		y := s.y.act[b0*s.y.per : b1*s.y.per]
		for r := 0; r < len(y); r += c {
			row := y[r : r+c]
			if bias != nil {
				for o := range row {
					row[o] += bias[o]
				}
			}
			if s.act {
				clampForward(row, row, s.lo, s.hi, 0, c)
			}
		}
	})
}

func (s *dwStep) backward(t *tape) {
	c := s.g.cout
	dy := s.y.grad[:t.n*s.y.per]
	rows := len(dy) / c
	if s.act {
		t.w.run(rows, func(r0, r1 int) { clampBackward(dy, dy, s.y.act, s.lo, s.hi, r0*c, r1*c) })
	}
	if s.b != nil && s.b.Trainable {
		t.w.run(c, func(c0, c1 int) { channelSums(dy, rows, c, c0, c1, s.biasSum) })
		for o, v := range s.biasSum {
			s.b.Grad[o] = float32(v)
		}
	}
	if s.w.Trainable {
		t.w.run(c, func(c0, c1 int) { dwBackwardFilter(s.w.Grad, s.x.act, dy, &s.g, t.n, c0, c1) })
	}
	if s.x.needGrad {
		t.w.run(t.n, func(b0, b1 int) { dwBackwardInput(s.x.grad, dy, s.w.Data(), &s.g, b0, b1) })
	}
}
