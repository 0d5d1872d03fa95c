package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/qref"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MaxResizeSide bounds the output height and width of ResizeBilinear (XNNPACK asserts sides below
// 2²⁴; the element count is bounded separately by tensor.MaxElems and the program's memory limit).
const MaxResizeSide = 1 << 24

// ResizeBilinear resizes NHWC images to Height×Width by bilinear interpolation (TFLite
// RESIZE_BILINEAR). AlignCorners maps the corner pixels onto each other (scale (in−1)/(out−1));
// HalfPixelCenters samples at pixel centres ((o + 0.5)·scale − 0.5); neither is TensorFlow's legacy
// o·in/out. They cannot both be set. The optional second input is TFLite's size tensor: an int32
// constant [Height, Width].
//
// Kernels: float (both precisions) are TFLite's reference formula (kernels/ref.ResizeBilinear); 8-bit
// codes are interpolated directly (input and output must share scale and zero point), with XNNPACK's
// Q11 fixed-point weights under qmath.XNNPACK (what the TFLite interpreter runs by default) or TFLite's
// reference kernel under qmath.Reference (kernels/qref). Measured on DeepLab's last resize (33×33 to
// 513×513, align corners, fed the oracle's own input): XNNPACK's arithmetic gives every one of the
// oracle's 5,526,549 codes; the reference kernel, which truncates, differs on 47 % of them (by 1).
type ResizeBilinear struct {
	Height, Width    int
	AlignCorners     bool
	HalfPixelCenters bool
}

// Type implements Op.
func (r *ResizeBilinear) Type() string { return "ResizeBilinear" }

// Shapes implements Op.
func (r *ResizeBilinear) Shapes(in []*Value) ([]tensor.Shape, error) {
	if err := need(in, 1, 2); err != nil {
		return nil, err
	}
	if err := rank4("input", in[0]); err != nil {
		return nil, err
	}
	n, h, w, c := in[0].Shape.NHWC()
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("input %v has no pixels", in[0].Shape)
	}
	if r.Height < 1 || r.Width < 1 || r.Height > MaxResizeSide || r.Width > MaxResizeSide {
		return nil, fmt.Errorf("output size %d×%d: each side must be 1 to %d", r.Height, r.Width, MaxResizeSide)
	}
	if r.AlignCorners && r.HalfPixelCenters {
		return nil, fmt.Errorf("align_corners and half_pixel_centers cannot both be set")
	}
	if len(in) == 2 && in[1] != nil {
		s := in[1]
		if !s.Const() || s.DType != tensor.Int32 || len(s.Data.I32) != 2 {
			return nil, fmt.Errorf("size input %q must be an int32 constant of 2 elements, got %v %v", s.Name, s.DType, s.Shape)
		}
		if int(s.Data.I32[0]) != r.Height || int(s.Data.I32[1]) != r.Width {
			return nil, fmt.Errorf("size input %v disagrees with the op's size %d×%d", s.Data.I32, r.Height, r.Width)
		}
	}
	out := tensor.Shape{n, r.Height, r.Width, c}
	if _, err := out.Elems(); err != nil {
		return nil, err
	}
	return []tensor.Shape{out}, nil
}

// Describe implements Op: four multiply-adds per output element.
func (r *ResizeBilinear) Describe(in, out []*Value) Info {
	return Info{Type: TypeOther, MultAdds: 4 * int64(out[0].Shape[1:].Size())}
}

// Compile implements Op.
func (r *ResizeBilinear) Compile(in, out []*Value, opt *Options) (Kernel, error) {
	if k, ok, err := quantized(in, func() (Kernel, error) { return compileQResize[uint8](r, in, out, opt) },
		func() (Kernel, error) { return compileQResize[int8](r, in, out, opt) }); ok {
		return k, err
	}
	if in[0].DType != tensor.Float32 {
		return nil, fmt.Errorf("no %v kernel", in[0].DType)
	}
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		ref.ResizeBilinear(x[0].F32, is, y[0].F32, os, r.AlignCorners, r.HalfPixelCenters)
		return nil
	}), nil
}

func compileQResize[T uint8 | int8](r *ResizeBilinear, in, out []*Value, opt *Options) (Kernel, error) {
	if err := sameTypes(in[0], out[0]); err != nil {
		return nil, err
	}
	sx, zx, err := perTensor("input", in[0])
	if err != nil {
		return nil, err
	}
	sy, zy, err := perTensor("output", out[0])
	if err != nil {
		return nil, err
	}
	if sx != sy || zx != zy {
		return nil, fmt.Errorf("8-bit resize needs the same quantization in and out, got scale %v zp %d and scale %v zp %d", sx, zx, sy, zy)
	}
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	kernel := qref.ResizeBilinearQ11[T]
	if opt.Rounding == qmath.Reference {
		kernel = qref.ResizeBilinear[T]
	}
	return KernelFunc(func(x, y []*tensor.Tensor) error {
		kernel(elems[T](x[0]), is, elems[T](y[0]), os, r.AlignCorners, r.HalfPixelCenters)
		return nil
	}), nil
}

// ParamKinds implements Differentiable: nothing is trained (the size is not a parameter).
func (r *ResizeBilinear) ParamKinds(in []*Value) []ParamKind { return make([]ParamKind, len(in)) }

// CompileTrain implements Differentiable: the gradient of each output goes back to its four taps with
// the forward weights (reference kernels in both precisions).
func (r *ResizeBilinear) CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error) {
	is, os := dims4(in[0].Shape), dims4(out[0].Shape)
	switch in[0].DType {
	case tensor.Float64:
		return &resizeTrain[float64]{r: r, is: is, os: os}, nil
	case tensor.Float32:
		return &resizeTrain[float32]{r: r, is: is, os: os}, nil
	}
	return nil, errNotFloat(in[0])
}

type resizeTrain[T ref.Float] struct {
	r      *ResizeBilinear
	is, os [4]int
}

func (k *resizeTrain[T]) Forward(in, out []*tensor.Tensor) error {
	ref.ResizeBilinear(floats[T](in[0]), k.is, floats[T](out[0]), k.os, k.r.AlignCorners, k.r.HalfPixelCenters)
	return nil
}

func (k *resizeTrain[T]) Backward(in, out, dOut, dIn []*tensor.Tensor) error {
	if dx := floats[T](dIn[0]); dx != nil {
		ref.ResizeBilinearBackward(floats[T](dOut[0]), k.os, dx, k.is, k.r.AlignCorners, k.r.HalfPixelCenters)
	}
	return nil
}
