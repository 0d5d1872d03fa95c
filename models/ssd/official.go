package ssd

import (
	"fmt"
	"strings"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// Heads returns the values a detector's training losses read: the box encodings [N, anchors, 4] and
// the class logits [N, anchors, classes+1] the post-process decodes (the logits are the input of the
// sigmoid before it), and the post-process node itself.
func Heads(g *graph.Graph) (boxes, logits int, post *graph.Node, err error) {
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.DetectionPostProcess); ok && len(n.Inputs) == 3 {
			post, boxes, logits = n, n.Inputs[0], n.Inputs[1]
		}
	}
	if post == nil {
		return 0, 0, nil, fmt.Errorf("ssd: the graph %q has no detection post-process", g.Name)
	}
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.Logistic); ok && len(n.Outputs) == 1 && n.Outputs[0] == logits {
			return boxes, n.Inputs[0], post, nil
		}
	}
	return 0, 0, nil, fmt.Errorf("ssd: the scores of %q do not come from a sigmoid of logits", g.Name)
}

// officialName gives the builder's name of a convolution of an exported detector, whose node names are
// TensorFlow's output tensors ("FeatureExtractor/MobilenetV1/MobilenetV1/Conv2d_0/Relu6",
// "BoxPredictor_0/ClassPredictor/BiasAdd").
func officialName(name string) string {
	for _, p := range []string{"FeatureExtractor/MobilenetV1/MobilenetV1/", "FeatureExtractor/MobilenetV1/"} {
		name = strings.TrimPrefix(name, p)
	}
	for _, s := range []string{"/Relu6", "/BiasAdd"} {
		name = strings.TrimSuffix(name, s)
	}
	return name
}

// FromOfficial returns a detector in the folded form (Config.Folded) for classes object classes, with
// the weights of an exported SSD MobileNet V1 (such as the built-in COCO detector; 8-bit weights are
// dequantized): the backbone, the extra layers and the box predictors are copied, and so are the class
// predictors when classes is the official count; otherwise they are new (He-normal weights, zero bias,
// classes+1 logits per anchor with column 0 the background). α, the resolution and the post-process
// options are the official detector's.
func FromOfficial(official *graph.Graph, classes int, seed uint64) (*graph.Graph, Config, error) {
	convs := map[string]*graph.Node{}
	var post *graph.DetectionPostProcess
	for _, n := range official.Nodes {
		switch op := n.Op.(type) {
		case *graph.Conv2D, *graph.DepthwiseConv2D:
			convs[officialName(n.Name)] = n
		case *graph.DetectionPostProcess:
			post = op
		}
	}
	first := convs["Conv2d_0"]
	if first == nil || post == nil || len(official.Inputs) != 1 {
		return nil, Config{}, fmt.Errorf("ssd: %q is not an SSD MobileNet V1 detector (no Conv2d_0 or no post-process)", official.Name)
	}
	in := official.Values[official.Inputs[0]].Shape
	if len(in) != 4 || in[1] != in[2] || in[3] != 3 {
		return nil, Config{}, fmt.Errorf("ssd: %q takes %v, want a square RGB image", official.Name, in)
	}
	c := Config{Alpha: float64(official.Values[first.Inputs[1]].Shape[0]) / mobilenetv1.FirstDepth, Resolution: in[1],
		Classes: classes, Seed: seed, Folded: true, PostProcess: post.Options}
	g, err := Build(c)
	if err != nil {
		return nil, Config{}, err
	}
	c, _ = c.withDefaults()
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *graph.Conv2D, *graph.DepthwiseConv2D:
		default:
			continue
		}
		src := convs[n.Name]
		if src == nil {
			return nil, Config{}, fmt.Errorf("ssd: %q has no convolution %s", official.Name, n.Name)
		}
		fresh := strings.HasSuffix(n.Name, "/ClassPredictor") && classes != post.Options.NumClasses
		for i := 1; i < len(n.Inputs) && !fresh; i++ {
			if err := copyConst(g.Values[n.Inputs[i]], official, src, i); err != nil {
				return nil, Config{}, fmt.Errorf("ssd: %s: %w", n.Name, err)
			}
		}
	}
	return g, c, nil
}

// copyConst copies input i of the official node src, dequantized, into the constant dst of the same
// shape.
func copyConst(dst *graph.Value, official *graph.Graph, src *graph.Node, i int) error {
	if i >= len(src.Inputs) || src.Inputs[i] < 0 {
		return fmt.Errorf("the official node has no input %d", i)
	}
	v := official.Values[src.Inputs[i]]
	if !v.Const() || !v.Shape.Equal(dst.Shape) {
		return fmt.Errorf("official %q is %v, the detector's %q %v", v.Name, v.Shape, dst.Name, dst.Shape)
	}
	f, err := v.Data.Dequantize()
	if err != nil {
		return fmt.Errorf("%q: %w", v.Name, err)
	}
	copy(dst.Data.F32, f)
	return nil
}
