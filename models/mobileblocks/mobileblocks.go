// Package mobileblocks holds what MobileNet V2 and V3 share: the channel rule make_divisible, the
// inverted residual block (1×1 expansion, k×k depthwise, optional squeeze-and-excite, linear 1×1
// projection, residual add) and a builder that turns a resolved list of blocks into a graph.
package mobileblocks

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// MakeDivisible rounds v to the nearest multiple of divisor, at least divisor, adding divisor when the
// rounding lost more than 10 % (TF-slim's and torchvision's _make_divisible).
func MakeDivisible(v float64, divisor int) int {
	d := float64(divisor)
	n := max(divisor, int(v+d/2)/divisor*divisor)
	if float64(n) < 0.9*v {
		n += divisor
	}
	return n
}

// Act is the activation of a layer.
type Act int

// The activations of the blocks.
const (
	None Act = iota
	ReLU
	ReLU6
	HardSwish
)

// Block is one inverted residual block with its channels resolved. Expand equal to In means no
// expansion convolution; Squeeze 0 means no squeeze-and-excite.
type Block struct {
	In, Expand, Out int
	Kernel, Stride  int
	Squeeze         int // channels of squeeze-and-excite's first 1×1 convolution
	Act             Act // after the expansion and the depthwise convolution
}

// Residual reports whether the block adds its input to its output.
func (b Block) Residual() bool { return b.Stride == 1 && b.In == b.Out }

// Spec is a whole network with its channels resolved.
type Spec struct {
	Name       string
	Resolution int
	Channels   int // input channels
	Stem       int // the first convolution's depth (3×3, stride 2, batch norm, StemAct)
	StemAct    Act
	Blocks     []Block
	Last       int // the 1×1 convolution after the blocks (batch norm, LastAct)
	LastAct    Act
	Head       int // V3: a 1×1 convolution with bias and h-swish after the pooling; 0 for none
	Classes    int
	Symmetric  bool    // pad (k−1)/2 on every side (torchvision) instead of TensorFlow's SAME
	Epsilon    float32 // batch norm ε
	Seed       uint64
}

// Floats returns the number of float32 constants Build allocates for s: convolution weights, four
// batch norm vectors per normalised channel, biases of squeeze-and-excite, the head and the classifier.
func (s *Spec) Floats() int64 {
	conv := func(k, cin, cout int) int64 { return int64(k*k)*int64(cin)*int64(cout) + 4*int64(cout) }
	n := conv(3, s.Channels, s.Stem)
	for _, b := range s.Blocks {
		if b.Expand != b.In {
			n += conv(1, b.In, b.Expand)
		}
		n += int64(b.Kernel*b.Kernel)*int64(b.Expand) + 4*int64(b.Expand)
		if b.Squeeze > 0 {
			n += 2*int64(b.Expand)*int64(b.Squeeze) + int64(b.Squeeze) + int64(b.Expand)
		}
		n += conv(1, b.Expand, b.Out)
	}
	in := s.Blocks[len(s.Blocks)-1].Out
	n += conv(1, in, s.Last)
	top := s.Last
	if s.Head > 0 {
		n += int64(s.Last)*int64(s.Head) + int64(s.Head)
		top = s.Head
	}
	return n + int64(top)*int64(s.Classes) + int64(s.Classes)
}

// Build returns the training form of the network (separate batch norm and activation nodes; graph.Fold
// gives its inference form), with He-normal convolutions drawn from s.Seed, zero biases, batch norm γ 1,
// β 0, moving mean 0 and variance 1. Constants are added in the order of torchvision's state_dict: a
// convolution's weights, then its batch norm's γ, β, mean and variance; a biased convolution's
// weights, then its bias.
func Build(s *Spec) (*graph.Graph, error) {
	l := &layers{G: &graph.Graph{Name: s.Name}, sym: s.Symmetric, eps: s.Epsilon,
		rng: rand.New(rand.NewPCG(s.Seed, 0x6d6f62696c656e65))}
	x := l.G.AddInput("input", tensor.Float32, tensor.Shape{1, s.Resolution, s.Resolution, s.Channels}, nil)
	x = l.conv("Conv", x, 3, 2, s.Stem, s.StemAct)
	for i, b := range s.Blocks {
		name := "expanded_conv"
		if i > 0 {
			name = fmt.Sprintf("expanded_conv_%d", i)
		}
		x = l.block(name, x, b)
	}
	x = l.conv("Conv_1", x, 1, 1, s.Last, s.LastAct)
	x = l.add("GlobalPool", &graph.GlobalAvgPool{}, x)
	if s.Head > 0 {
		x = l.biased("Conv_2", x, s.Head, HardSwish)
	}
	x = l.biased("Logits/Conv2d_1c_1x1", x, s.Classes, None)
	x = l.add("Logits/Squeeze", &graph.Reshape{Shape: []int{s.Classes}}, x)
	x = l.add("Predictions", &graph.Softmax{Beta: 1}, x)
	if l.err != nil {
		return nil, l.err
	}
	l.G.Outputs = []int{x}
	return l.G, nil
}

type layers struct {
	G   *graph.Graph
	err error
	sym bool
	eps float32
	rng *rand.Rand
}

func (l *layers) add(name string, op graph.Op, inputs ...int) int {
	if l.err != nil {
		return 0
	}
	id, err := l.G.Add1(name, op, inputs...)
	if err != nil {
		l.err = err
	}
	return id
}

func (l *layers) shape(x int) tensor.Shape { return l.G.Values[x].Shape }

// pads returns the padding of a k×k window of the given stride over x.
func (l *layers) pads(x, k, stride int) graph.Pads {
	if l.sym {
		p := (k - 1) / 2
		return graph.Pads{Top: p, Bottom: p, Left: p, Right: p}
	}
	s := l.shape(x)
	p, _, _ := ref.SamePads(s[1], s[2], k, k, stride, stride, 1, 1)
	return p
}

func (l *layers) block(name string, x int, b Block) int {
	if l.err != nil {
		return 0
	}
	in := x
	if b.Expand != b.In {
		x = l.conv(name+"/expand", x, 1, 1, b.Expand, b.Act)
	}
	x = l.depthwise(name+"/depthwise", x, b.Kernel, b.Stride, b.Act)
	if b.Squeeze > 0 {
		s := l.add(name+"/squeeze_excite/AvgPool", &graph.GlobalAvgPool{}, x)
		s = l.biased(name+"/squeeze_excite/Conv", s, b.Squeeze, ReLU)
		s = l.biased(name+"/squeeze_excite/Conv_1", s, b.Expand, None)
		s = l.add(name+"/squeeze_excite/HardSigmoid", &graph.HardSigmoid{}, s)
		x = l.add(name+"/squeeze_excite/Mul", &graph.Mul{}, x, s)
	}
	x = l.conv(name+"/project", x, 1, 1, b.Out, None)
	if b.Residual() {
		x = l.add(name+"/add", &graph.Add{}, x, in)
	}
	return x
}

// conv adds a k×k convolution without bias, batch norm and act.
func (l *layers) conv(name string, x, k, stride, cout int, act Act) int {
	if l.err != nil {
		return 0
	}
	cin := l.shape(x)[3]
	w := l.heNormal(name+"/weights", tensor.Shape{cout, k, k, cin}, k*k*cin)
	x = l.add(name, &graph.Conv2D{StrideH: stride, StrideW: stride, Pads: l.pads(x, k, stride)}, x, w)
	return l.act(name, l.bn(name, x, cout), act)
}

// depthwise adds a k×k depthwise convolution, batch norm and act.
func (l *layers) depthwise(name string, x, k, stride int, act Act) int {
	if l.err != nil {
		return 0
	}
	c := l.shape(x)[3]
	w := l.heNormal(name+"/depthwise_weights", tensor.Shape{1, k, k, c}, k*k)
	x = l.add(name, &graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: l.pads(x, k, stride)}, x, w)
	return l.act(name, l.bn(name, x, c), act)
}

// biased adds a 1×1 convolution with bias and act (squeeze-and-excite, V3's head, the classifier).
func (l *layers) biased(name string, x, cout int, act Act) int {
	if l.err != nil {
		return 0
	}
	cin := l.shape(x)[3]
	w := l.heNormal(name+"/weights", tensor.Shape{cout, 1, 1, cin}, cin)
	b := l.filled(name+"/biases", cout, 0)
	return l.act(name, l.add(name, &graph.Conv2D{StrideH: 1, StrideW: 1}, x, w, b), act)
}

func (l *layers) bn(name string, x, c int) int {
	gamma := l.filled(name+"/BatchNorm/gamma", c, 1)
	beta := l.filled(name+"/BatchNorm/beta", c, 0)
	mean := l.filled(name+"/BatchNorm/moving_mean", c, 0)
	variance := l.filled(name+"/BatchNorm/moving_variance", c, 1)
	return l.add(name+"/BatchNorm", &graph.BatchNorm{Epsilon: l.eps}, x, gamma, beta, mean, variance)
}

func (l *layers) act(name string, x int, a Act) int {
	switch a {
	case ReLU:
		return l.add(name+"/Relu", &graph.Activation{Act: graph.ActReLU}, x)
	case ReLU6:
		return l.add(name+"/Relu6", &graph.Activation{Act: graph.ActReLU6}, x)
	case HardSwish:
		return l.add(name+"/HardSwish", &graph.HardSwish{}, x)
	}
	return x
}

func (l *layers) heNormal(name string, shape tensor.Shape, fanIn int) int {
	std := math.Sqrt(2 / float64(fanIn))
	data := make([]float32, shape.Size())
	for i := range data {
		data[i] = float32(l.rng.NormFloat64() * std)
	}
	t, _ := tensor.FromFloat32(shape, data)
	return l.G.AddConst(name, t)
}

func (l *layers) filled(name string, n int, v float32) int {
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	t, _ := tensor.FromFloat32(tensor.Shape{n}, data)
	return l.G.AddConst(name, t)
}

// CheckCommon checks the fields V2 and V3 configurations share, after defaults.
func CheckCommon(pkg string, alpha float64, res, channels, classes int, eps float64) error {
	switch {
	case !(alpha > 0 && alpha <= 4):
		return fmt.Errorf("%s: alpha %g out of range (0, 4]", pkg, alpha)
	case res < 16 || res > 4096:
		return fmt.Errorf("%s: resolution %d out of range [16, 4096]", pkg, res)
	case channels < 1 || channels > 64:
		return fmt.Errorf("%s: channels %d out of range [1, 64]", pkg, channels)
	case classes < 1 || classes > 100000:
		return fmt.Errorf("%s: classes %d out of range [1, 100000]", pkg, classes)
	case !(eps > 0 && eps <= 1):
		return fmt.Errorf("%s: batch norm epsilon %g out of range (0, 1]", pkg, eps)
	}
	return nil
}

// AlphaString formats α as TF-slim's model names do ("1.0", "0.75").
func AlphaString(a float64) string {
	s := fmt.Sprintf("%g", a)
	if a == math.Trunc(a) {
		s += ".0"
	}
	return s
}
