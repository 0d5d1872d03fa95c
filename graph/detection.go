package graph

import (
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Concatenation joins its inputs along Axis (negative counts from the end). 8-bit inputs are
// requantized to the output's scale and zero point as TFLite does.
type Concatenation struct {
	Axis int
	Act  Act
}

// Type implements Op.
func (c *Concatenation) Type() string { return "Concatenation" }

func (c *Concatenation) axis(rank int) int {
	if c.Axis < 0 {
		return c.Axis + rank
	}
	return c.Axis
}

// Shapes implements Op.
func (c *Concatenation) Shapes(in []*Value) ([]tensor.Shape, error) {
	if len(in) == 0 {
		return nil, fmt.Errorf("takes at least one input")
	}
	for i, v := range in {
		if v == nil {
			return nil, fmt.Errorf("input %d is missing", i)
		}
	}
	first := in[0].Shape
	ax := c.axis(len(first))
	if ax < 1 || ax >= len(first) {
		return nil, fmt.Errorf("axis %d out of range for shape %v (the batch axis cannot be joined)", c.Axis, first)
	}
	out := first.Clone()
	out[ax] = 0
	for i, v := range in {
		if len(v.Shape) != len(first) {
			return nil, fmt.Errorf("input %d has shape %v, input 0 %v", i, v.Shape, first)
		}
		for d := range first {
			if d != ax && v.Shape[d] != first[d] {
				return nil, fmt.Errorf("input %d has shape %v, input 0 %v: only axis %d may differ", i, v.Shape, first, ax)
			}
		}
		if out[ax] > tensor.MaxElems-v.Shape[ax] {
			return nil, fmt.Errorf("joined axis is too long")
		}
		out[ax] += v.Shape[ax]
	}
	return []tensor.Shape{out}, nil
}

// Describe implements Op.
func (c *Concatenation) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Compile implements Op.
func (c *Concatenation) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if err := sameTypes(append(append([]*Value(nil), in...), out[0])...); err != nil {
		return nil, err
	}
	ax := c.axis(len(in[0].Shape))
	shapes := make([][]int, len(in))
	for i, v := range in {
		shapes[i] = v.Shape
	}
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQConcat[uint8](c, in, out, shapes, ax) },
		func() (Kernel, error) { return compileQConcat[int8](c, in, out, shapes, ax) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	lo, hi := c.Act.Range()
	// Each input contributes blocks of inner·Shape[ax] values per outer index.
	outer := tensor.Shape(in[0].Shape[:ax]).Size()
	inner := tensor.Shape(in[0].Shape[ax+1:]).Size()
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		dst := y[0].F32
		at := 0
		for o := 0; o < outer; o++ {
			for i, t := range x {
				n := shapes[i][ax] * inner
				at += copy(dst[at:], t.F32[o*n:(o+1)*n])
			}
		}
		if c.Act != ActNone {
			ref.Clamp(dst, lo, hi)
		}
		return nil
	}), nil
}

func compileQConcat[T uint8 | int8](c *Concatenation, in, out []*Value, shapes [][]int, ax int) (Kernel, error) {
	if c.Act != ActNone {
		return nil, fmt.Errorf("8-bit concatenation with activation %v is not supported", c.Act)
	}
	scales := make([]float32, len(in))
	zps := make([]int32, len(in))
	for i, v := range in {
		s, z, err := perTensor("input", v)
		if err != nil {
			return nil, err
		}
		scales[i], zps[i] = s, z
	}
	sy, zy, err := perTensor("output", out[0])
	if err != nil {
		return nil, err
	}
	ins := make([][]T, len(in))
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		for i, t := range x {
			ins[i] = elems[T](t)
		}
		qref.Concatenation(ins, shapes, scales, zps, ax, sy, zy, elems[T](y[0]))
		return nil
	}), nil
}

// Logistic computes the sigmoid 1/(1+e^−x) elementwise; 8-bit through TFLite's 256-entry table.
type Logistic struct{}

// Type implements Op.
func (l *Logistic) Type() string { return "Logistic" }

// Shapes implements Op.
func (l *Logistic) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 1); err != nil {
		return nil, err
	}
	return []tensor.Shape{in[0].Shape.Clone()}, nil
}

// Describe implements Op.
func (l *Logistic) Describe(in, out []*Value) Info { return Info{Type: TypeActivation} }

// Compile implements Op.
func (l *Logistic) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if err := sameTypes(in[0], out[0]); err != nil {
		return nil, err
	}
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQLogistic[uint8](in, out) },
		func() (Kernel, error) { return compileQLogistic[int8](in, out) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		for i, v := range x[0].F32 {
			y[0].F32[i] = float32(1 / (1 + math.Exp(-float64(v))))
		}
		return nil
	}), nil
}

func compileQLogistic[T uint8 | int8](in, out []*Value) (Kernel, error) {
	sx, zx, signed, err := probabilityQuant("logistic", in, out)
	if err != nil {
		return nil, err
	}
	lut := qref.NewLogisticLUT(sx, zx, signed)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		qref.Logistic(lut, elems[T](x[0]), elems[T](y[0]))
		return nil
	}), nil
}

// DetectionPostProcess is TFLite's TFLite_Detection_PostProcess: it decodes SSD box encodings against
// anchors and keeps the best boxes by non-maximum suppression. Inputs: box encodings [N, A, ≥4],
// class scores [N, A, C] (after the sigmoid; background in column 0 when C = classes + 1), anchors
// [A, 4] as (yc, xc, h, w), a constant. 8-bit inputs are dequantized with their own parameters.
// Outputs (float32): boxes [N, M, 4] as (ymin, xmin, ymax, xmax), classes [N, M], scores [N, M],
// detection counts [N], with M = MaxDetections·MaxClassesPerDetection; unused rows are zero.
type DetectionPostProcess struct {
	Options detect.Options
}

// Type implements Op.
func (d *DetectionPostProcess) Type() string { return "DetectionPostProcess" }

func (d *DetectionPostProcess) rows() int {
	return d.Options.MaxDetections * d.Options.MaxClassesPerDetection
}

// Shapes implements Op.
func (d *DetectionPostProcess) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 3, 3); err != nil {
		return nil, err
	}
	if err := d.Options.Validate(); err != nil {
		return nil, err
	}
	enc, scores, anchors := in[0].Shape, in[1].Shape, in[2].Shape
	if err := constant("anchors", in[2]); err != nil {
		return nil, err
	}
	if len(anchors) != 2 || anchors[1] != 4 {
		return nil, fmt.Errorf("anchors have shape %v, want [A 4]", anchors)
	}
	a := anchors[0]
	if len(enc) != 3 || enc[1] != a || enc[2] < 4 {
		return nil, fmt.Errorf("box encodings have shape %v, want [N %d ≥4]", enc, a)
	}
	c := d.Options.NumClasses
	if len(scores) != 3 || scores[0] != enc[0] || scores[1] != a || (scores[2] != c && scores[2] != c+1) {
		return nil, fmt.Errorf("class scores have shape %v, want [%d %d %d or %d]", scores, enc[0], a, c, c+1)
	}
	n, m := enc[0], d.rows()
	return []tensor.Shape{{n, m, 4}, {n, m}, {n, m}, {n}}, nil
}

// Describe implements Op.
func (d *DetectionPostProcess) Describe(in, out []*Value) Info { return Info{Type: TypeOther} }

// Compile implements Op.
func (d *DetectionPostProcess) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	for i, v := range out {
		if v.DType != tensor.Float32 {
			return nil, fmt.Errorf("output %d is %v, want float32", i, v.DType)
		}
	}
	av := in[2]
	if av.DType.Quantized() {
		if _, _, err := perTensor("anchors", av); err != nil {
			return nil, err
		}
	} else if av.DType != tensor.Float32 {
		return nil, fmt.Errorf("anchors are %v", av.DType)
	}
	anchors := make([]detect.Anchor, av.Shape[0])
	for i := range anchors {
		anchors[i] = detect.Anchor{YC: float32(av.Data.Float(4 * i)), XC: float32(av.Data.Float(4*i + 1)),
			H: float32(av.Data.Float(4*i + 2)), W: float32(av.Data.Float(4*i + 3))}
	}
	for i, v := range in[:2] {
		if v.DType.Quantized() {
			if _, _, err := perTensor(fmt.Sprintf("input %d", i), v); err != nil {
				return nil, err
			}
		} else if v.DType != tensor.Float32 {
			return nil, fmt.Errorf("input %d is %v", i, v.DType)
		}
	}
	stride, classesIn, m := in[0].Shape[2], in[1].Shape[2], d.rows()
	a := len(anchors)
	enc := make([]float32, a*stride)
	scores := make([]float32, a*classesIn)
	o := d.Options
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		for b := 0; b < x[0].Shape[0]; b++ {
			dequantize(x[0], b*a*stride, enc)
			dequantize(x[1], b*a*classesIn, scores)
			boxes := detect.Decode(enc, stride, anchors, o)
			var dets []detect.Detection
			count := 0
			if o.UseRegularNMS {
				dets = detect.RegularNMS(boxes, scores, classesIn, o)
				count = len(dets)
			} else {
				dets = detect.FastNMS(boxes, scores, classesIn, o)
				count = len(dets) / min(o.MaxClassesPerDetection, o.NumClasses)
			}
			outBoxes, outClasses, outScores := y[0].F32[b*m*4:(b+1)*m*4], y[1].F32[b*m:(b+1)*m], y[2].F32[b*m:(b+1)*m]
			clear(outBoxes)
			clear(outClasses)
			clear(outScores)
			for i, det := range dets[:min(len(dets), m)] {
				copy(outBoxes[4*i:], []float32{det.Box.YMin, det.Box.XMin, det.Box.YMax, det.Box.XMax})
				outClasses[i] = float32(det.Class)
				outScores[i] = det.Score
			}
			y[3].F32[b] = float32(count)
		}
		return nil
	}), nil
}

// dequantize writes the real values of t's elements [from, from+len(dst)) into dst.
func dequantize(t *tensor.Tensor, from int, dst []float32) {
	if t.DType == tensor.Float32 {
		copy(dst, t.F32[from:])
		return
	}
	for i := range dst {
		dst[i] = float32(t.Float(from + i))
	}
}

// ParamKinds implements Differentiable: nothing is trained.
func (c *Concatenation) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: the output's gradient is split back among the inputs.
func (c *Concatenation) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	shapes := make([][]int, len(in))
	for i, v := range in {
		if v.DType != in[0].DType {
			return nil, fmt.Errorf("inputs are %v and %v", in[0].DType, v.DType)
		}
		shapes[i] = v.Shape
	}
	ax := c.axis(len(in[0].Shape))
	switch in[0].DType {
	case tensor.Float64:
		return &concatTrain[float64]{act: c.Act, shapes: shapes, axis: ax}, nil
	case tensor.Float32:
		return &concatTrain[float32]{act: c.Act, shapes: shapes, axis: ax}, nil
	}
	return nil, errNotFloat(in[0])
}

type concatTrain[T ref.Float] struct {
	act    Act
	shapes [][]int
	axis   int
	ins    [][]T
}

func (k *concatTrain[T]) Forward(in, out []*tensor.Tensor) error {
	k.ins = k.ins[:0]
	for _, t := range in {
		k.ins = append(k.ins, floats[T](t))
	}
	y := floats[T](out[0])
	ref.Concat(k.ins, k.shapes, k.axis, y)
	refClamp(y, k.act)
	return nil
}

func (k *concatTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	dy := floats[T](dOut[0])
	refMaskAct(dy, floats[T](out[0]), k.act)
	k.ins = k.ins[:0]
	for _, t := range dIn {
		k.ins = append(k.ins, floats[T](t))
	}
	ref.ConcatBackward(dy, k.shapes, k.axis, k.ins)
	return nil
}

// ParamKinds implements Differentiable: nothing is trained.
func (l *Logistic) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: dx = dy·y·(1 − y).
func (l *Logistic) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	switch in[0].DType {
	case tensor.Float64:
		return logisticTrain[float64]{}, nil
	case tensor.Float32:
		return logisticTrain[float32]{}, nil
	}
	return nil, errNotFloat(in[0])
}

type logisticTrain[T ref.Float] struct{}

func (logisticTrain[T]) Forward(in, out []*tensor.Tensor) error {
	ref.Logistic(floats[T](in[0]), floats[T](out[0]))
	return nil
}

func (logisticTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		ref.LogisticBackward(floats[T](out[0]), floats[T](dOut[0]), dx)
	}
	return nil
}

// Refuses implements Refuser.
func (d *DetectionPostProcess) Refuses() map[Column]string {
	return map[Column]string{
		ColBackward:  "non-maximum suppression is not differentiable: a detector trains on its raw box and class outputs, and the post-process is added for inference",
		ColReference: "boxes are decoded in float32, as TFLite does; there is no float64 form",
	}
}
