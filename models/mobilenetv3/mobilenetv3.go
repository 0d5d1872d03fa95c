// Package mobilenetv3 builds MobileNet V3 Large and Small (Howard et al., 2019, Tables 1 and 2) as
// graphs, channel for channel as torchvision's mobilenet_v3_large and mobilenet_v3_small: inverted
// residual blocks with 3×3 or 5×5 depthwise convolutions, squeeze-and-excite gated by h-sigmoid, ReLU
// or h-swish, a 1×1 convolution to 6× the last block's depth, global pooling, a 1×1 convolution with
// bias and h-swish (1280 or 1024, times α), and the classifier.
package mobilenetv3

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	mb "github.com/mobilenet-go/mobilenet/models/mobileblocks"
)

// Config chooses the network.
type Config struct {
	Alpha      float64 // width multiplier α in (0, 4]; 0 means 1
	Resolution int     // input height and width, at least 16; 0 means 224
	Channels   int     // input channels; 0 means 3
	Classes    int     // classifier outputs; 0 means 1000
	// Symmetric pads (k−1)/2 on every side, as torchvision does; false pads as TensorFlow's SAME.
	Symmetric bool
	Epsilon   float64 // batch norm ε; 0 means 0.001 (torchvision's and TF-slim's for V3)
	Seed      uint64  // seed of the initial weights
}

// Row is one line of the paper's Tables 1 and 2: kernel, expansion size, output channels,
// squeeze-and-excite, h-swish (else ReLU), stride.
type Row struct {
	K, Exp, Out int
	SE, HS      bool
	S           int
}

// LargeRows is Table 1 (MobileNetV3-Large).
var LargeRows = []Row{
	{3, 16, 16, false, false, 1}, {3, 64, 24, false, false, 2}, {3, 72, 24, false, false, 1},
	{5, 72, 40, true, false, 2}, {5, 120, 40, true, false, 1}, {5, 120, 40, true, false, 1},
	{3, 240, 80, false, true, 2}, {3, 200, 80, false, true, 1}, {3, 184, 80, false, true, 1}, {3, 184, 80, false, true, 1},
	{3, 480, 112, true, true, 1}, {3, 672, 112, true, true, 1},
	{5, 672, 160, true, true, 2}, {5, 960, 160, true, true, 1}, {5, 960, 160, true, true, 1},
}

// SmallRows is Table 2 (MobileNetV3-Small).
var SmallRows = []Row{
	{3, 16, 16, true, false, 2}, {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
	{5, 96, 40, true, true, 2}, {5, 240, 40, true, true, 1}, {5, 240, 40, true, true, 1},
	{5, 120, 48, true, true, 1}, {5, 144, 48, true, true, 1},
	{5, 288, 96, true, true, 2}, {5, 576, 96, true, true, 1}, {5, 576, 96, true, true, 1},
}

// BatchNormEpsilon is torchvision's (and TF-slim's) batch norm ε for V3.
const BatchNormEpsilon = 0.001

// WithDefaults returns c with zero fields replaced by the defaults, or an error naming the first field
// out of range.
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
	if c.Epsilon == 0 {
		c.Epsilon = BatchNormEpsilon
	}
	return c, mb.CheckCommon("mobilenetv3", c.Alpha, c.Resolution, c.Channels, c.Classes, c.Epsilon)
}

// Spec resolves the channels of every layer of Large (small false) or Small.
func (c Config) Spec(small bool) (*mb.Spec, error) {
	c, err := c.WithDefaults()
	if err != nil {
		return nil, err
	}
	rows, head, size := LargeRows, 1280, "large"
	if small {
		rows, head, size = SmallRows, 1024, "small"
	}
	adj := func(ch int) int { return mb.MakeDivisible(float64(ch)*c.Alpha, 8) }
	s := &mb.Spec{Name: fmt.Sprintf("mobilenet_v3_%s_%s_%d", size, mb.AlphaString(c.Alpha), c.Resolution),
		Resolution: c.Resolution, Channels: c.Channels, Stem: adj(16), StemAct: mb.HardSwish, LastAct: mb.HardSwish,
		Head: adj(head), Classes: c.Classes, Symmetric: c.Symmetric, Epsilon: float32(c.Epsilon), Seed: c.Seed}
	in := s.Stem
	for _, r := range rows {
		b := mb.Block{In: in, Expand: adj(r.Exp), Out: adj(r.Out), Kernel: r.K, Stride: r.S, Act: mb.ReLU}
		if r.HS {
			b.Act = mb.HardSwish
		}
		if r.SE {
			b.Squeeze = mb.MakeDivisible(float64(b.Expand/4), 8)
		}
		s.Blocks = append(s.Blocks, b)
		in = b.Out
	}
	s.Last = 6 * in
	return s, nil
}

// BuildLarge returns MobileNetV3-Large in training form (see mobileblocks.Build).
func BuildLarge(c Config) (*graph.Graph, error) { return build(c, false) }

// BuildSmall returns MobileNetV3-Small in training form (see mobileblocks.Build).
func BuildSmall(c Config) (*graph.Graph, error) { return build(c, true) }

func build(c Config, small bool) (*graph.Graph, error) {
	s, err := c.Spec(small)
	if err != nil {
		return nil, err
	}
	return mb.Build(s)
}
