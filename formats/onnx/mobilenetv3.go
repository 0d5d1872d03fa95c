package onnx

import "github.com/mobilenet-go/mobilenet/graph"

// This file exports the ops MobileNet V2 and V3 add to V1's: the residual Add, squeeze-and-excite's
// Mul, h-swish and h-sigmoid.

// hard exports HardSigmoid as ONNX HardSigmoid (α 1/6, β 1/2: max(0, min(1, x/6 + 1/2))) and HardSwish
// as x times that (ONNX HardSwish needs opset 14; the export writes opset 13), in the input's layout.
func (e *exporter) hard(n *graph.Node, out int) error {
	s, err := e.value(n.Inputs[0])
	if err != nil {
		return err
	}
	y, err := e.produce(out, s.nchw)
	if err != nil {
		return err
	}
	attrs := []attribute{floatAttr("alpha", 1.0/6), floatAttr("beta", 0.5)}
	if _, ok := n.Op.(*graph.HardSigmoid); ok {
		e.emit("", "HardSigmoid", []string{s.name}, []string{y}, attrs...)
		return nil
	}
	gate := e.fresh(y + "/gate")
	e.emit("gate", "HardSigmoid", []string{s.name}, []string{gate}, attrs...)
	e.emit("", "Mul", []string{s.name, gate}, []string{y})
	return nil
}

// binary exports Add or Mul. Two rank-4 operands go in NCHW (a [N,1,1,C] gate becomes [N,C,1,1] and
// broadcasts as before); any other pair in the graph's own layout. A fused activation follows.
func (e *exporter) binary(n *graph.Node, opType string, act graph.Act, out int) error {
	a, b := e.g.Values[n.Inputs[0]], e.g.Values[n.Inputs[1]]
	four := len(a.Shape) == 4 && len(b.Shape) == 4
	var xa, xb string
	var err error
	if four {
		if xa, err = e.nchw(n.Inputs[0]); err == nil {
			xb, err = e.nchw(n.Inputs[1])
		}
	} else if xa, err = e.nhwc(n.Inputs[0]); err == nil {
		xb, err = e.nhwc(n.Inputs[1])
	}
	if err != nil {
		return err
	}
	return e.withAct(act, out, four, func(y string) {
		e.emit("", opType, []string{xa, xb}, []string{y})
	})
}
