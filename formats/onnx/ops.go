package onnx

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
)

// node exports one graph node as one or more ONNX nodes.
func (e *exporter) node(n *graph.Node) error {
	if len(n.Outputs) != 1 {
		return fmt.Errorf("has %d outputs, want 1", len(n.Outputs))
	}
	out := n.Outputs[0]
	switch op := n.Op.(type) {
	case *graph.Conv2D:
		return e.conv(n, op, out)
	case *graph.DepthwiseConv2D:
		return e.depthwise(n, op, out)
	case *graph.BatchNorm:
		return e.batchNorm(n, op, out)
	case *graph.Activation:
		return e.activation(n, op, out)
	case *graph.AvgPool2D:
		return e.avgPool(n, op, out)
	case *graph.GlobalAvgPool:
		return e.globalAvgPool(n, out)
	case *graph.FullyConnected:
		return e.fullyConnected(n, op, out)
	case *graph.Reshape:
		return e.reshape(n, op, out)
	case *graph.Softmax:
		return e.softmax(n, op, out)
	case *graph.HardSwish, *graph.HardSigmoid:
		return e.hard(n, out)
	case *graph.Add:
		return e.binary(n, "Add", op.Act, out)
	case *graph.Mul:
		return e.binary(n, "Mul", op.Act, out)
	}
	return fmt.Errorf("op %s has no ONNX form", n.Op.Type())
}

// withAct computes value id into a tensor of the given layout: emit writes the op's own result into the
// tensor it is given, followed by a Relu or Clip node for a fused activation.
func (e *exporter) withAct(act graph.Act, id int, nchw bool, emit func(out string)) error {
	out, err := e.produce(id, nchw)
	if err != nil {
		return err
	}
	if act == graph.ActNone {
		emit(out)
		return nil
	}
	linear := e.fresh(out + "/linear")
	emit(linear)
	return e.act(act, linear, out)
}

// act emits the activation act from tensor x to tensor y: Relu, or Clip with constant bounds.
func (e *exporter) act(act graph.Act, x, y string) error {
	switch act {
	case graph.ActNone:
		e.emit("identity", "Identity", []string{x}, []string{y})
	case graph.ActReLU:
		e.emit("relu", "Relu", []string{x}, []string{y})
	case graph.ActReLU6, graph.ActReLUN1To1:
		lo, hi := act.Range()
		e.emit(act.String(), "Clip", []string{x, e.scalar(lo), e.scalar(hi)}, []string{y})
	default:
		return fmt.Errorf("activation %v has no ONNX form", act)
	}
	return nil
}

// spatialAttrs returns the attributes Conv and AveragePool share. ONNX orders pads as all begins, then
// all ends: [top, left, bottom, right].
func spatialAttrs(kh, kw, sh, sw int, p ref.Pads) []attribute {
	return []attribute{
		intsAttr("kernel_shape", int64(kh), int64(kw)),
		intsAttr("strides", int64(sh), int64(sw)),
		intsAttr("pads", int64(p.Top), int64(p.Left), int64(p.Bottom), int64(p.Right)),
	}
}

// constInput returns the initializer holding constant input i of n as it is, or "" when the input is
// absent.
func (e *exporter) constInput(n *graph.Node, i int) string {
	if i >= len(n.Inputs) || n.Inputs[i] < 0 {
		return ""
	}
	id := n.Inputs[i]
	v := e.g.Values[id]
	return e.initializer(id, "raw", v.Shape, func() []float32 { return v.Data.F32 })
}

// convInputs returns the inputs of an ONNX Conv: x, w and the bias when present.
func convInputs(x, w, b string) []string {
	if b == "" {
		return []string{x, w}
	}
	return []string{x, w, b}
}

// conv exports Conv2D as Conv on NCHW, its OHWI weights rewritten to OIHW.
func (e *exporter) conv(n *graph.Node, op *graph.Conv2D, out int) error {
	x, err := e.nchw(n.Inputs[0])
	if err != nil {
		return err
	}
	wid := n.Inputs[1]
	wv := e.g.Values[wid]
	co, kh, kw, ci := wv.Shape.NHWC()
	w := e.initializer(wid, "oihw", []int{co, ci, kh, kw}, func() []float32 { return ohwiToOIHW(wv.Data.F32, co, kh, kw, ci) })
	b := e.constInput(n, 2)
	attrs := append(spatialAttrs(kh, kw, op.StrideH, op.StrideW, op.Pads),
		intsAttr("dilations", int64(max(op.DilationH, 1)), int64(max(op.DilationW, 1))),
		intAttr("group", int64(max(op.Groups, 1))))
	return e.withAct(op.Act, out, true, func(y string) {
		e.emit("", "Conv", convInputs(x, w, b), []string{y}, attrs...)
	})
}

// depthwise exports DepthwiseConv2D as a Conv with one group per input channel, its weights
// [1, KH, KW, C·M] rewritten to [C·M, 1, KH, KW].
func (e *exporter) depthwise(n *graph.Node, op *graph.DepthwiseConv2D, out int) error {
	x, err := e.nchw(n.Inputs[0])
	if err != nil {
		return err
	}
	c := e.g.Values[n.Inputs[0]].Shape[3]
	wid := n.Inputs[1]
	wv := e.g.Values[wid]
	_, kh, kw, cm := wv.Shape.NHWC()
	w := e.initializer(wid, "oihw", []int{cm, 1, kh, kw}, func() []float32 { return hwoToOHW(wv.Data.F32, kh*kw, cm) })
	b := e.constInput(n, 2)
	attrs := append(spatialAttrs(kh, kw, op.StrideH, op.StrideW, op.Pads),
		intsAttr("dilations", int64(max(op.DilationH, 1)), int64(max(op.DilationW, 1))),
		intAttr("group", int64(c)))
	return e.withAct(op.Act, out, true, func(y string) {
		e.emit("", "Conv", convInputs(x, w, b), []string{y}, attrs...)
	})
}

// batchNorm exports a BatchNorm that Fold could not absorb as BatchNormalization, on NCHW for rank 4
// and as is for rank 2 ([N, C]), the layouts where ONNX's channel axis 1 is the graph's last axis.
func (e *exporter) batchNorm(n *graph.Node, op *graph.BatchNorm, out int) error {
	var x string
	var err error
	nchw := false
	switch rank := len(e.g.Values[n.Inputs[0]].Shape); rank {
	case 4:
		x, err = e.nchw(n.Inputs[0])
		nchw = true
	case 2:
		x, err = e.nhwc(n.Inputs[0])
	default:
		err = fmt.Errorf("batch norm of a rank-%d tensor has no ONNX form (ranks 2 and 4 do)", rank)
	}
	if err != nil {
		return err
	}
	ins := []string{x}
	for i := 1; i <= 4; i++ {
		ins = append(ins, e.constInput(n, i))
	}
	y, err := e.produce(out, nchw)
	if err != nil {
		return err
	}
	e.emit("", "BatchNormalization", ins, []string{y}, floatAttr("epsilon", op.Epsilon))
	return nil
}

// activation exports a standalone Activation in whatever layout its input is.
func (e *exporter) activation(n *graph.Node, op *graph.Activation, out int) error {
	s, err := e.value(n.Inputs[0])
	if err != nil {
		return err
	}
	y, err := e.produce(out, s.nchw)
	if err != nil {
		return err
	}
	return e.act(op.Act, s.name, y)
}

// avgPool exports AvgPool2D as AveragePool on NCHW, not counting padding taps.
func (e *exporter) avgPool(n *graph.Node, op *graph.AvgPool2D, out int) error {
	x, err := e.nchw(n.Inputs[0])
	if err != nil {
		return err
	}
	attrs := append(spatialAttrs(op.KH, op.KW, op.StrideH, op.StrideW, op.Pads), intAttr("count_include_pad", 0))
	return e.withAct(op.Act, out, true, func(y string) {
		e.emit("", "AveragePool", []string{x}, []string{y}, attrs...)
	})
}

// globalAvgPool exports GlobalAvgPool as GlobalAveragePool on NCHW.
func (e *exporter) globalAvgPool(n *graph.Node, out int) error {
	x, err := e.nchw(n.Inputs[0])
	if err != nil {
		return err
	}
	y, err := e.produce(out, true)
	if err != nil {
		return err
	}
	e.emit("", "GlobalAveragePool", []string{x}, []string{y})
	return nil
}

// fullyConnected exports FullyConnected as Gemm with transB=1, after a Flatten for inputs of rank > 2.
func (e *exporter) fullyConnected(n *graph.Node, op *graph.FullyConnected, out int) error {
	x, err := e.flat(n.Inputs[0])
	if err != nil {
		return err
	}
	if len(e.g.Values[n.Inputs[0]].Shape) != 2 {
		flat := e.fresh(e.cur + "/flat")
		e.emit("flatten", "Flatten", []string{x}, []string{flat}, intAttr("axis", 1))
		x = flat
	}
	wid := n.Inputs[1]
	wv := e.g.Values[wid]
	w := e.initializer(wid, "raw", wv.Shape, func() []float32 { return wv.Data.F32 })
	ins := []string{x, w}
	if b := e.constInput(n, 2); b != "" {
		ins = append(ins, b)
	}
	return e.withAct(op.Act, out, false, func(y string) {
		e.emit("", "Gemm", ins, []string{y}, intAttr("transB", 1))
	})
}

// reshape exports Reshape with a constant shape whose first dimension 0 copies the batch.
func (e *exporter) reshape(n *graph.Node, op *graph.Reshape, out int) error {
	x, err := e.flat(n.Inputs[0])
	if err != nil {
		return err
	}
	dims := append([]int64{0}, int64s(op.Shape)...)
	shape := e.shape(dims)
	y, err := e.produce(out, false)
	if err != nil {
		return err
	}
	e.emit("", "Reshape", []string{x, shape}, []string{y})
	return nil
}

// softmax exports Softmax over the graph's last axis: axis 1 of an NCHW tensor, else axis −1. A β
// other than 1 becomes a Mul before it.
func (e *exporter) softmax(n *graph.Node, op *graph.Softmax, out int) error {
	s, err := e.value(n.Inputs[0])
	if err != nil {
		return err
	}
	x, axis := s.name, int64(1)
	if !s.nchw {
		axis = -1
	}
	if beta := op.Beta; beta != 0 && beta != 1 {
		scaled := e.fresh(x + "/scaled")
		e.emit("beta", "Mul", []string{x, e.scalar(beta)}, []string{scaled})
		x = scaled
	}
	y, err := e.produce(out, s.nchw)
	if err != nil {
		return err
	}
	e.emit("", "Softmax", []string{x}, []string{y}, intAttr("axis", axis))
	return nil
}

// ohwiToOIHW rewrites convolution weights from [O, KH, KW, I] to [O, I, KH, KW].
func ohwiToOIHW(w []float32, o, kh, kw, in int) []float32 {
	out := make([]float32, len(w))
	for oc := 0; oc < o; oc++ {
		for y := 0; y < kh; y++ {
			for x := 0; x < kw; x++ {
				for ic := 0; ic < in; ic++ {
					out[((oc*in+ic)*kh+y)*kw+x] = w[((oc*kh+y)*kw+x)*in+ic]
				}
			}
		}
	}
	return out
}

// hwoToOHW rewrites depthwise weights from [taps, O] (taps = KH·KW) to [O, taps].
func hwoToOHW(w []float32, taps, o int) []float32 {
	out := make([]float32, len(w))
	for t := 0; t < taps; t++ {
		for oc := 0; oc < o; oc++ {
			out[oc*taps+t] = w[t*o+oc]
		}
	}
	return out
}
