// Package mobilenetv2 builds MobileNet V2 (Sandler et al., 2018, Table 2) as a graph: a 3×3 stride-2
// convolution, seventeen inverted residual blocks with linear bottlenecks, a 1×1 convolution to 1280,
// global average pooling and a 1×1 convolution as classifier. Channels follow torchvision and TF-slim:
// make_divisible(c·α, 8), the last 1280 kept for α ≤ 1.
package mobilenetv2

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
	// Symmetric pads (k−1)/2 on every side, as torchvision does; false pads as TensorFlow's SAME, as
	// the official TF-slim and Keras models (and their .tflite files) do.
	Symmetric bool
	Epsilon   float64 // batch norm ε; 0 means 0.001 (TF-slim, Keras); torchvision uses 1e-5
	Seed      uint64  // seed of the initial weights
}

// Row is one line of the paper's Table 2: expansion t, output channels c, repeats n, first stride s.
type Row struct{ T, C, N, S int }

// Rows is the paper's Table 2 body.
var Rows = []Row{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}}

// BatchNormEpsilon is TF-slim's batch norm ε.
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
	return c, mb.CheckCommon("mobilenetv2", c.Alpha, c.Resolution, c.Channels, c.Classes, c.Epsilon)
}

// Name returns the model's name in TF-slim's style, e.g. "mobilenet_v2_1.0_224".
func (c Config) Name() string {
	return fmt.Sprintf("mobilenet_v2_%s_%d", mb.AlphaString(c.Alpha), c.Resolution)
}

// Spec resolves the channels of every layer.
func (c Config) Spec() (*mb.Spec, error) {
	c, err := c.WithDefaults()
	if err != nil {
		return nil, err
	}
	s := &mb.Spec{Name: c.Name(), Resolution: c.Resolution, Channels: c.Channels, Stem: mb.MakeDivisible(32*c.Alpha, 8),
		StemAct: mb.ReLU6, Last: mb.MakeDivisible(1280*max(1, c.Alpha), 8), LastAct: mb.ReLU6, Classes: c.Classes,
		Symmetric: c.Symmetric, Epsilon: float32(c.Epsilon), Seed: c.Seed}
	in := s.Stem
	for _, r := range Rows {
		out := mb.MakeDivisible(float64(r.C)*c.Alpha, 8)
		for i := 0; i < r.N; i++ {
			stride := 1
			if i == 0 {
				stride = r.S
			}
			s.Blocks = append(s.Blocks, mb.Block{In: in, Expand: in * r.T, Out: out, Kernel: 3, Stride: stride, Act: mb.ReLU6})
			in = out
		}
	}
	return s, nil
}

// Build returns the training form of the network (see mobileblocks.Build); graph.Fold gives its
// inference form.
func Build(c Config) (*graph.Graph, error) {
	s, err := c.Spec()
	if err != nil {
		return nil, err
	}
	return mb.Build(s)
}
