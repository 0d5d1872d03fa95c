package graph

import (
	"fmt"
	"math"
	"runtime"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Op is one kind of operation with its attributes.
type Op interface {
	// Type names the op ("Conv2D", "DepthwiseConv2D", ...).
	Type() string
	// Shapes checks the op's inputs (nil for an absent optional input) and returns the shapes of its
	// outputs. Activation inputs may have any batch size; the outputs have the same.
	Shapes(in []*Value) ([]tensor.Shape, error)
	// Describe returns the op's cost and its class for the cost report, for inputs and outputs at batch 1.
	Describe(in, out []*Value) Info
	// Compile returns the kernel that computes the op on tensors of these values' types and shapes.
	Compile(in, out []*Value, opt *Options) (Kernel, error)
}

// Kernel computes a compiled op: it reads the input tensors and fills the output tensors, whose shapes
// are those Compile was given.
type Kernel interface {
	Run(in, out []*tensor.Tensor) error
}

// KernelFunc adapts a function to the Kernel interface.
type KernelFunc func(in, out []*tensor.Tensor) error

// Run calls f.
func (f KernelFunc) Run(in, out []*tensor.Tensor) error { return f(in, out) }

// Layer types of the cost report: the classes of the paper's Table 2, and the rest.
const (
	TypeConv           = "conv"
	TypeDepthwise      = "depthwise"
	TypePointwise      = "pointwise"
	TypeFullyConnected = "fully_connected"
	TypeAvgPool        = "avg_pool"
	TypeBatchNorm      = "batch_norm"
	TypeActivation     = "activation"
	TypeReshape        = "reshape"
	TypeSoftmax        = "softmax"
	TypeOther          = "other"
)

// Info is what the cost report needs to know of a node.
type Info struct {
	Type      string // one of the Type constants
	Stride    int    // 0 where it does not apply
	MultAdds  int64  // multiply-adds, counted as the paper counts them
	Params    int64  // weights of convolutions and fully connected layers
	Trainable int64  // every trained parameter: weights, biases, batch norm's γ and β
}

// Act is an activation fused into an op's output.
type Act int

// The fused activations.
const (
	ActNone Act = iota
	ActReLU
	ActReLU6
	ActReLUN1To1
)

// String names the activation as TFLite does.
func (a Act) String() string {
	switch a {
	case ActNone:
		return "none"
	case ActReLU:
		return "relu"
	case ActReLU6:
		return "relu6"
	case ActReLUN1To1:
		return "relu_n1_to_1"
	}
	return fmt.Sprintf("act(%d)", int(a))
}

// Range returns the float interval the activation clamps to.
func (a Act) Range() (lo, hi float32) {
	inf := float32(math.Inf(1))
	switch a {
	case ActReLU:
		return 0, inf
	case ActReLU6:
		return 0, 6
	case ActReLUN1To1:
		return -1, 1
	}
	return -inf, inf
}

// Options choose how a graph is compiled.
type Options struct {
	// Batch is the number of images per run (1 when zero).
	Batch int
	// Rounding is the arithmetic of 8-bit convolutions: qmath.XNNPACK (TFLite on a CPU, the default)
	// or qmath.Reference (TFLite's reference kernels, TFLite Micro).
	Rounding qmath.Rounding
	// MaxBytes bounds the memory of the activations; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Threads is how many parts each large layer is split into, run on the shared worker pool;
	// 0 means one per core.
	Threads int
	// Reference runs every op on its reference kernel (the specification), not the fast kernels.
	Reference bool
	// WholeBatch runs each op on all the images of a batch at once; by default a batch above 1 runs
	// image by image on parallel lanes (faster: an image's activations stay in the cache).
	WholeBatch bool
}

func (o *Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o *Options) threads() int {
	if o.Threads > 0 {
		return o.Threads
	}
	return runtime.GOMAXPROCS(0)
}

// Pads is the four-sided padding of a window op.
type Pads = ref.Pads

// DefaultMaxBytes is the most memory a compiled program's activations may take unless Options say
// otherwise (4 GiB): enough for MobileNet 1.0/224 at batch 128, and a guard against hostile shapes.
const DefaultMaxBytes = 4 << 30

// need returns an error unless n inputs are present (the first required of them must not be nil).
func need(in []*Value, min, maxN int) error {
	if len(in) < min || len(in) > maxN {
		if min == maxN {
			return fmt.Errorf("takes %d inputs, got %d", min, len(in))
		}
		return fmt.Errorf("takes %d to %d inputs, got %d", min, maxN, len(in))
	}
	for i := 0; i < min; i++ {
		if in[i] == nil {
			return fmt.Errorf("input %d is missing", i)
		}
	}
	return nil
}

// rank4 returns an error unless v is a rank-4 (NHWC) tensor.
func rank4(what string, v *Value) error {
	if len(v.Shape) != 4 {
		return fmt.Errorf("%s must be NHWC (rank 4), got shape %v", what, v.Shape)
	}
	return nil
}

// constant returns an error unless v is a constant of type dt.
func constant(what string, v *Value) error {
	if !v.Const() {
		return fmt.Errorf("%s must be a constant", what)
	}
	return nil
}

func dims4(s tensor.Shape) [4]int { return [4]int{s[0], s[1], s[2], s[3]} }

// floatBias returns the float data of an op's optional third input (the bias), or nil.
func floatBias(in []*Value) []float32 {
	if len(in) == 3 && in[2] != nil {
		return in[2].Data.F32
	}
	return nil
}

// windowShape returns the output shape [n, oh, ow, c] of a kh×kw window sliding over an h×w input with
// the geometry of p, or an error when no window fits.
func windowShape(n, h, w, c, kh, kw int, p ref.ConvParams) ([]tensor.Shape, error) {
	oh, err := ref.OutSize(h, kh, p.StrideH, p.DilationH, p.Pads.Top, p.Pads.Bottom)
	if err != nil {
		return nil, err
	}
	ow, err := ref.OutSize(w, kw, p.StrideW, p.DilationW, p.Pads.Left, p.Pads.Right)
	if err != nil {
		return nil, err
	}
	return []tensor.Shape{{n, oh, ow, c}}, nil
}
