package tflite

import (
	"encoding/binary"
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
)

// This file imports the operators of segmentation models (DeepLab): RESIZE_BILINEAR and ARG_MAX.

// constInt32s returns the data of a constant int32 tensor, or an error naming what it is for.
func (m *Model) constInt32s(t *Tensor, what string, want int) ([]int, error) {
	if t == nil {
		return nil, fmt.Errorf("needs a %s input", what)
	}
	data := m.TensorData(t)
	if t.Type != Int32 || data == nil || len(data) != 4*want {
		return nil, fmt.Errorf("%s input %q must be a constant int32 tensor of %d elements", what, t.Name, want)
	}
	v := make([]int, want)
	for i := range v {
		v[i] = int(int32(binary.LittleEndian.Uint32(data[4*i:])))
	}
	return v, nil
}

// resizeBilinear converts RESIZE_BILINEAR: its size input must be a constant [height, width].
func (m *Model) resizeBilinear(op *Operator, size *Tensor) (graph.Op, error) {
	o, ok := op.Options.(*ResizeBilinearOptions)
	if !ok {
		return nil, fmt.Errorf("needs ResizeBilinear options")
	}
	hw, err := m.constInt32s(size, "size", 2)
	if err != nil {
		return nil, err
	}
	if hw[0] < 1 || hw[1] < 1 || hw[0] > graph.MaxResizeSide || hw[1] > graph.MaxResizeSide {
		return nil, fmt.Errorf("output size %d×%d: each side must be 1 to %d", hw[0], hw[1], graph.MaxResizeSide)
	}
	if o.AlignCorners && o.HalfPixelCenters {
		return nil, fmt.Errorf("align_corners and half_pixel_centers cannot both be set")
	}
	return &graph.ResizeBilinear{Height: hw[0], Width: hw[1], AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}, nil
}

// argMax converts ARG_MAX: its axis input must be a constant, and output_type must name the output
// tensor's type (INT64 or INT32).
func (m *Model) argMax(op *Operator, axis, out *Tensor) (graph.Op, error) {
	o, ok := op.Options.(*ArgMaxOptions)
	if !ok {
		return nil, fmt.Errorf("needs ArgMax options")
	}
	ot := o.OutputType
	if ot != Int64 && ot != Int32 {
		return nil, fmt.Errorf("output_type %v: want INT64 or INT32", ot)
	}
	if out.Type != ot {
		return nil, fmt.Errorf("output_type %v but the output tensor %q is %v", ot, out.Name, out.Type)
	}
	ax, err := m.constInt32s(axis, "axis", 1)
	if err != nil {
		return nil, err
	}
	return &graph.ArgMax{Axis: ax[0]}, nil
}
