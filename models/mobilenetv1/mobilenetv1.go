// Package mobilenetv1 builds MobileNet V1 (Howard et al., 2017) as a graph, following TF-slim's
// mobilenet_v1.py layer for layer: a 3×3 stride-2 convolution, thirteen depthwise separable blocks, global
// average pooling and a 1×1 convolution as classifier, every convolution followed by batch norm and ReLU6.
package mobilenetv1

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Config chooses the network.
type Config struct {
	Alpha      float64 // width multiplier α in (0, 4]; 0 means 1
	Resolution int     // input height and width, at least 16; 0 means 224
	Channels   int     // input channels (3 for RGB, 1 for grey); 0 means 3
	Classes    int     // classifier outputs; 0 means 1000
	FullConv   bool    // each separable block becomes one standard 3×3 convolution (the paper's Table 4 baseline)
	MinDepth   int     // the smallest layer depth α may give; 0 means 8 (TF-slim's classifier; SSD uses 16)
	Seed       uint64  // seed of the initial weights
}

// Block is one depthwise separable block of the body: its depthwise stride and pointwise depth before α.
type Block struct{ Stride, Depth int }

// Blocks lists the thirteen separable blocks of MobileNet V1 (the paper's Table 1, with TF-slim's
// stride 1 for the last block).
var Blocks = []Block{
	{1, 64}, {2, 128}, {1, 128}, {2, 256}, {1, 256}, {2, 512},
	{1, 512}, {1, 512}, {1, 512}, {1, 512}, {1, 512}, {2, 1024}, {1, 1024},
}

// FirstDepth is the depth of the first convolution (Conv2d_0) before α.
const FirstDepth = 32

// BatchNormEpsilon is TF-slim's batch norm ε for MobileNet.
const BatchNormEpsilon = 0.001

// Depth applies the width multiplier as TF-slim does: max(int(d·α), 8), truncating.
func Depth(d int, alpha float64) int { return max(int(float64(d)*alpha), 8) }

// depth applies c's width multiplier and minimum depth.
func (c Config) depth(d int) int { return max(int(float64(d)*c.Alpha), c.MinDepth) }

// WithDefaults returns c with zero fields replaced by the defaults (α 1, 224, 3 channels, 1000 classes),
// or an error naming the first field out of range.
func (c Config) WithDefaults() (Config, error) {
	if c.Alpha == 0 {
		c.Alpha = 1
	}
	if c.Resolution == 0 {
		c.Resolution = 224
	}
	if c.Channels == 0 {
		c.Channels = 3
	}
	if c.Classes == 0 {
		c.Classes = 1000
	}
	if c.MinDepth == 0 {
		c.MinDepth = 8
	}
	switch {
	case !(c.Alpha > 0 && c.Alpha <= 4):
		return c, fmt.Errorf("mobilenetv1: alpha %g out of range (0, 4]", c.Alpha)
	case c.Resolution < 16 || c.Resolution > 4096:
		return c, fmt.Errorf("mobilenetv1: resolution %d out of range [16, 4096]", c.Resolution)
	case c.Channels < 1 || c.Channels > 64:
		return c, fmt.Errorf("mobilenetv1: channels %d out of range [1, 64]", c.Channels)
	case c.Classes < 1 || c.Classes > 100000:
		return c, fmt.Errorf("mobilenetv1: classes %d out of range [1, 100000]", c.Classes)
	}
	return c, nil
}

// Build returns the training form of the network (separate batch norm and ReLU6 nodes), with weights
// drawn from c.Seed: He-normal convolutions (σ = √(2/fan_in)), zero classifier bias, batch norm γ 1, β 0,
// moving mean 0 and variance 1. graph.Fold gives its inference form.
func Build(c Config) (*graph.Graph, error) {
	c, err := c.WithDefaults()
	if err != nil {
		return nil, err
	}
	l := NewLayers(c.Name(), c.Seed)
	x := l.G.AddInput("input", tensor.Float32, tensor.Shape{1, c.Resolution, c.Resolution, c.Channels}, nil)
	ends := l.Body(x, c)
	x = ends[len(ends)-1]
	x = l.add("Logits/AvgPool_1a", &graph.GlobalAvgPool{}, x)
	x = l.Classifier("Logits/Conv2d_1c_1x1", x, c.Classes)
	x = l.add("Logits/SpatialSqueeze", &graph.Reshape{Shape: []int{c.Classes}}, x)
	x = l.add("Predictions", &graph.Softmax{Beta: 1}, x)
	if l.Err != nil {
		return nil, l.Err
	}
	l.G.Outputs = []int{x}
	return l.G, nil
}

// Body adds the MobileNet V1 body to the graph on input x: Conv2d_0 and the thirteen separable blocks
// (or, with c.FullConv, thirteen standard convolutions). It returns the value of each end point: index
// 0 is Conv2d_0, index i the output of block i (Conv2d_i_pointwise).
func (l *Layers) Body(x int, c Config) []int {
	ends := []int{l.Conv("Conv2d_0", x, 3, 2, c.depth(FirstDepth))}
	x = ends[0]
	for i, blk := range Blocks {
		d := c.depth(blk.Depth)
		if c.FullConv {
			x = l.Conv(fmt.Sprintf("Conv2d_%d", i+1), x, 3, blk.Stride, d)
		} else {
			x = l.Depthwise(fmt.Sprintf("Conv2d_%d_depthwise", i+1), x, blk.Stride)
			x = l.Conv(fmt.Sprintf("Conv2d_%d_pointwise", i+1), x, 1, 1, d)
		}
		ends = append(ends, x)
	}
	return ends
}

// Name returns the model's name in TF-slim's style, e.g. "mobilenet_v1_1.0_224".
func (c Config) Name() string {
	n := fmt.Sprintf("mobilenet_v1_%s_%d", alphaString(c.Alpha), c.Resolution)
	if c.FullConv {
		n += "_fullconv"
	}
	return n
}

func alphaString(a float64) string {
	s := fmt.Sprintf("%g", a)
	if a == math.Trunc(a) {
		s += ".0"
	}
	return s
}

// Layers adds MobileNet-style layers to a graph, drawing their weights from one seeded generator in
// the order the layers are added. The first error sticks in Err and makes later calls no-ops.
type Layers struct {
	G   *graph.Graph
	Err error
	// Folded builds the inference form instead of the training form: each convolution carries a bias
	// and its ReLU6, without batch norm, as exported detectors are (the form fine-tuned from them).
	Folded bool
	rng    *rand.Rand
}

// NewLayers starts a graph named name whose weights are drawn from seed.
func NewLayers(name string, seed uint64) *Layers {
	return &Layers{G: &graph.Graph{Name: name}, rng: rand.New(rand.NewPCG(seed, 0x6d6f62696c656e65))}
}

func (l *Layers) add(name string, op graph.Op, inputs ...int) int {
	if l.Err != nil {
		return 0
	}
	id, err := l.G.Add1(name, op, inputs...)
	if err != nil {
		l.Err = fmt.Errorf("mobilenetv1: %w", err)
	}
	return id
}

// Channels returns the channel count (last dimension) of value x.
func (l *Layers) Channels(x int) int {
	s := l.G.Values[x].Shape
	return s[len(s)-1]
}

func (l *Layers) spatial(x int) (int, int) {
	s := l.G.Values[x].Shape
	return s[1], s[2]
}

// Conv adds a k×k convolution with SAME padding and no bias, then batch norm and ReLU6 (Folded: a
// convolution with a zero bias and a fused ReLU6).
func (l *Layers) Conv(name string, x, k, stride, depth int) int {
	if l.Err != nil {
		return 0
	}
	cin := l.Channels(x)
	h, w := l.spatial(x)
	pads, _, _ := ref.SamePads(h, w, k, k, stride, stride, 1, 1)
	wt := l.heNormal(name+"/weights", tensor.Shape{depth, k, k, cin}, k*k*cin)
	if l.Folded {
		return l.add(name, &graph.Conv2D{StrideH: stride, StrideW: stride, Pads: pads, Act: graph.ActReLU6}, x, wt, l.zeros(name+"/biases", depth))
	}
	x = l.add(name, &graph.Conv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, wt)
	return l.bnRelu6(name, x, depth)
}

// Depthwise adds a 3×3 depthwise convolution with SAME padding, then batch norm and ReLU6 (Folded: a
// depthwise convolution with a zero bias and a fused ReLU6).
func (l *Layers) Depthwise(name string, x, stride int) int {
	if l.Err != nil {
		return 0
	}
	c := l.Channels(x)
	h, w := l.spatial(x)
	pads, _, _ := ref.SamePads(h, w, 3, 3, stride, stride, 1, 1)
	wt := l.heNormal(name+"/depthwise_weights", tensor.Shape{1, 3, 3, c}, 9)
	if l.Folded {
		return l.add(name, &graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads, Act: graph.ActReLU6}, x, wt, l.zeros(name+"/biases", c))
	}
	x = l.add(name, &graph.DepthwiseConv2D{StrideH: stride, StrideW: stride, Pads: pads}, x, wt)
	return l.bnRelu6(name, x, c)
}

// Classifier adds a 1×1 convolution with bias and no activation (a prediction layer): He-normal
// weights, zero bias.
func (l *Layers) Classifier(name string, x, outputs int) int {
	if l.Err != nil {
		return 0
	}
	cin := l.Channels(x)
	w := l.heNormal(name+"/weights", tensor.Shape{outputs, 1, 1, cin}, cin)
	bias := l.zeros(name+"/biases", outputs)
	return l.add(name, &graph.Conv2D{StrideH: 1, StrideW: 1}, x, w, bias)
}

// Add appends any op (see graph.Graph.Add1), keeping the first error.
func (l *Layers) Add(name string, op graph.Op, inputs ...int) int { return l.add(name, op, inputs...) }

func (l *Layers) bnRelu6(name string, x, c int) int {
	gamma := l.filled(name+"/BatchNorm/gamma", c, 1)
	beta := l.zeros(name+"/BatchNorm/beta", c)
	mean := l.zeros(name+"/BatchNorm/moving_mean", c)
	variance := l.filled(name+"/BatchNorm/moving_variance", c, 1)
	x = l.add(name+"/BatchNorm", &graph.BatchNorm{Epsilon: BatchNormEpsilon}, x, gamma, beta, mean, variance)
	return l.add(name+"/Relu6", &graph.Activation{Act: graph.ActReLU6}, x)
}

// heNormal adds a constant of normal draws with σ = √(2/fanIn), in the order of its elements.
func (l *Layers) heNormal(name string, shape tensor.Shape, fanIn int) int {
	std := math.Sqrt(2 / float64(fanIn))
	data := make([]float32, shape.Size())
	for i := range data {
		data[i] = float32(l.rng.NormFloat64() * std)
	}
	t, _ := tensor.FromFloat32(shape, data)
	return l.G.AddConst(name, t)
}

func (l *Layers) filled(name string, n int, v float32) int {
	data := make([]float32, n)
	for i := range data {
		data[i] = v
	}
	t, _ := tensor.FromFloat32(tensor.Shape{n}, data)
	return l.G.AddConst(name, t)
}

func (l *Layers) zeros(name string, n int) int { return l.filled(name, n, 0) }
