package mobilenetv1

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// FromOfficial returns the builder's network for official, a float MobileNet V1 in inference form (the
// official float .tflite files), with its weights (see CopyWeights), and the architecture it has: α
// from the filters of its first convolution (Conv2d_0 has 32·α), the resolution and channels from its
// square float32 input, the classes from its first output.
func FromOfficial(official *graph.Graph) (*graph.Graph, Config, error) {
	if len(official.Inputs) == 0 || len(official.Outputs) == 0 {
		return nil, Config{}, fmt.Errorf("mobilenetv1: the graph has no input or no output")
	}
	in := official.Values[official.Inputs[0]]
	if in.DType != tensor.Float32 || len(in.Shape) != 4 || in.Shape[1] != in.Shape[2] {
		return nil, Config{}, fmt.Errorf("mobilenetv1: want a float32 MobileNet V1 with a square input, got %v %v", in.DType, in.Shape)
	}
	convs := convNodes(official)
	if len(convs) == 0 {
		return nil, Config{}, fmt.Errorf("mobilenetv1: the graph has no convolution")
	}
	out := official.Values[official.Outputs[0]].Shape
	if len(out) == 0 {
		return nil, Config{}, fmt.Errorf("mobilenetv1: the output is a scalar, not class scores")
	}
	c := Config{Alpha: float64(official.Input(convs[0], 1).Shape[0]) / FirstDepth, Resolution: in.Shape[1],
		Channels: in.Shape[3], Classes: out[len(out)-1]}
	g, err := Build(c)
	if err != nil {
		return nil, c, err
	}
	if err := CopyWeights(g, official); err != nil {
		return nil, c, err
	}
	return g, c, nil
}
