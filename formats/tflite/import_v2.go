package tflite

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
)

// This file imports the operators MobileNet V2 files add to V1's: ADD, MUL, MEAN, QUANTIZE and
// DEQUANTIZE. The quantization parameters of 8-bit operands are checked here, as TFLite's Prepare
// step does, so that a hostile file fails at load with a one-line error.

// quant8 returns the per-tensor scale and zero point of an 8-bit tensor, checking that they are usable.
func quant8(t *Tensor, what string) (float32, int32, error) {
	q := t.Quant
	if q == nil || len(q.Scale) == 0 {
		return 0, 0, fmt.Errorf("%s %q is %v without quantization parameters", what, t.Name, t.Type)
	}
	if len(q.Scale) != 1 || len(q.ZeroPoint) > 1 {
		return 0, 0, fmt.Errorf("%s %q must be quantized per tensor, has %d scales", what, t.Name, len(q.Scale))
	}
	s := q.Scale[0]
	if !(s > 0) || math.IsInf(float64(s), 1) {
		return 0, 0, fmt.Errorf("%s %q has scale %v, want a finite number > 0", what, t.Name, s)
	}
	var zp int64
	if len(q.ZeroPoint) == 1 {
		zp = q.ZeroPoint[0]
	}
	lo, hi := int64(0), int64(255)
	if t.Type == Int8 {
		lo, hi = -128, 127
	}
	if zp < lo || zp > hi {
		return 0, 0, fmt.Errorf("%s %q has zero point %d, outside %v's range %d to %d", what, t.Name, zp, t.Type, lo, hi)
	}
	return s, int32(zp), nil
}

func is8bit(t *Tensor) bool { return t.Type == Uint8 || t.Type == Int8 }

// binaryOp converts ADD and MUL, checking an 8-bit operator's scales.
func binaryOp(code BuiltinOp, op *Operator, a, b, y *Tensor) (graph.Op, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("needs two inputs")
	}
	var fused Activation
	switch o := op.Options.(type) {
	case *AddOptions:
		fused = o.Activation
	case *MulOptions:
		fused = o.Activation
	case nil:
	default:
		return nil, fmt.Errorf("has options of the wrong type")
	}
	ac, err := act(fused)
	if err != nil {
		return nil, err
	}
	if is8bit(a) || is8bit(b) || is8bit(y) {
		if a.Type != b.Type || a.Type != y.Type {
			return nil, fmt.Errorf("operands are %v and %v, output %v: want one 8-bit type", a.Type, b.Type, y.Type)
		}
		sa, _, err := quant8(a, "input")
		if err != nil {
			return nil, err
		}
		sb, _, err := quant8(b, "input")
		if err != nil {
			return nil, err
		}
		sy, _, err := quant8(y, "output")
		if err != nil {
			return nil, err
		}
		if code == Add {
			err = qref.CheckAdd(sa, sb, sy)
		} else {
			err = qref.CheckMul(sa, sb, sy)
		}
		if err != nil {
			return nil, err
		}
	}
	if code == Add {
		return &graph.Add{Act: ac}, nil
	}
	return &graph.Mul{Act: ac}, nil
}

// maxMeanAxes bounds the axes of a MEAN (the rank of a TFLite tensor is at most 8).
const maxMeanAxes = 8

// meanOp converts MEAN: its axes input must be a constant int32 vector.
func (m *Model) meanOp(op *Operator, x, axes, y *Tensor) (graph.Op, error) {
	o, ok := op.Options.(*ReducerOptions)
	if !ok {
		o = &ReducerOptions{}
	}
	if axes == nil {
		return nil, fmt.Errorf("needs an axes input")
	}
	data := m.TensorData(axes)
	if axes.Type != Int32 || data == nil || len(data) == 0 || len(data)%4 != 0 || len(data) > 4*maxMeanAxes {
		return nil, fmt.Errorf("axes input %q must be a constant int32 tensor of 1 to %d elements", axes.Name, maxMeanAxes)
	}
	ax := make([]int, len(data)/4)
	for i := range ax {
		ax[i] = int(int32(binary.LittleEndian.Uint32(data[4*i:])))
	}
	if is8bit(x) || is8bit(y) {
		if x.Type != y.Type {
			return nil, fmt.Errorf("input is %v, output %v: want one 8-bit type", x.Type, y.Type)
		}
		sx, _, err := quant8(x, "input")
		if err != nil {
			return nil, err
		}
		sy, _, err := quant8(y, "output")
		if err != nil {
			return nil, err
		}
		if err := qref.CheckMean(sx, sy, 1); err != nil {
			return nil, err
		}
	}
	return &graph.Mean{Axes: ax, KeepDims: o.KeepDims}, nil
}

// quantizeOp converts QUANTIZE (float32 or 8-bit in, 8-bit out) and DEQUANTIZE (8-bit in, float32 out).
func quantizeOp(code BuiltinOp, x, y *Tensor) (graph.Op, error) {
	if code == Quantize {
		if !is8bit(y) {
			return nil, fmt.Errorf("output %q is %v: QUANTIZE must produce UINT8 or INT8", y.Name, y.Type)
		}
		sy, _, err := quant8(y, "output")
		if err != nil {
			return nil, err
		}
		switch {
		case x.Type == Float32:
		case is8bit(x):
			sx, _, err := quant8(x, "input")
			if err != nil {
				return nil, err
			}
			if r := float64(sx) / float64(sy); !(r < 1<<30) || math.IsInf(float64(sx/sy), 1) {
				return nil, fmt.Errorf("input scale %g over output scale %g is too large", sx, sy)
			}
		default:
			return nil, fmt.Errorf("input %q is %v: QUANTIZE takes FLOAT32, UINT8 or INT8", x.Name, x.Type)
		}
		return &graph.Quantize{}, nil
	}
	if !is8bit(x) {
		return nil, fmt.Errorf("input %q is %v: DEQUANTIZE takes UINT8 or INT8", x.Name, x.Type)
	}
	if y.Type != Float32 {
		return nil, fmt.Errorf("output %q is %v: DEQUANTIZE must produce FLOAT32", y.Name, y.Type)
	}
	if _, _, err := quant8(x, "input"); err != nil {
		return nil, err
	}
	return &graph.Dequantize{}, nil
}

// padOp converts PAD: its paddings input must be a constant int32 [rank, 2] tensor of (before, after)
// pairs.
func (m *Model) padOp(x, paddings *Tensor) (graph.Op, error) {
	r := len(x.Shape)
	if r == 0 || r > maxMeanAxes {
		return nil, fmt.Errorf("input %q has rank %d, want 1 to %d", x.Name, r, maxMeanAxes)
	}
	p, err := m.constInt32s(paddings, "paddings", 2*r)
	if err != nil {
		return nil, err
	}
	op := &graph.Pad{Before: make([]int, r), After: make([]int, r)}
	for ax := 0; ax < r; ax++ {
		op.Before[ax], op.After[ax] = p[2*ax], p[2*ax+1]
		if op.Before[ax] < 0 || op.After[ax] < 0 || op.Before[ax] > graph.MaxPad || op.After[ax] > graph.MaxPad {
			return nil, fmt.Errorf("padding %d, %d of axis %d: want 0 to %d", op.Before[ax], op.After[ax], ax, graph.MaxPad)
		}
	}
	if is8bit(x) {
		if _, _, err := quant8(x, "input"); err != nil {
			return nil, err
		}
	}
	return op, nil
}
