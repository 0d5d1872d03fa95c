package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// newModel builds the network of cfg with the given number of classes and, when init is not nil,
// copies into it every constant of init with the same name and shape. Constants whose shapes differ
// are left as built: the classifier of a network with another class count (a new head), and the first
// convolution when init reads RGB and the new network grey, whose filter then becomes the sum of init's
// three colour filters (what init computes on a grey image repeated in each channel). Any other
// difference is an error. It returns the names of the constants kept as built.
func newModel(builder string, cfg mobilenetv1.Config, classes int, init *graph.Graph) (*graph.Graph, []string, error) {
	cfg.Classes = classes
	g, err := buildClassifier(builder, cfg)
	if err != nil {
		return nil, nil, err
	}
	if init == nil {
		return g, nil, nil
	}
	src := map[string]*graph.Value{}
	for _, v := range init.Values {
		if v.Const() {
			src[v.Name] = v
		}
	}
	var fresh []string
	for _, v := range g.Values {
		if !v.Const() {
			continue
		}
		s := src[v.Name]
		switch {
		case s == nil:
			return nil, nil, fmt.Errorf("train: the initial network has no constant %q", v.Name)
		case s.Data.DType != v.Data.DType:
			return nil, nil, fmt.Errorf("train: initial constant %q is %v, want %v", v.Name, s.Data.DType, v.Data.DType)
		case s.Shape.Equal(v.Shape):
			copy(v.Data.F32, s.Data.F32)
		case isHead(v.Name):
			fresh = append(fresh, v.Name)
		case len(v.Shape) == 4 && len(s.Shape) == 4 && v.Shape[3] == 1 && s.Shape[3] == 3 && v.Shape[:3].Equal(s.Shape[:3]):
			for i := range v.Data.F32 {
				v.Data.F32[i] = s.Data.F32[3*i] + s.Data.F32[3*i+1] + s.Data.F32[3*i+2]
			}
		default:
			return nil, nil, fmt.Errorf("train: initial constant %q has shape %v, the network wants %v", v.Name, s.Shape, v.Shape)
		}
	}
	return g, fresh, nil
}

// headPrefix names the classifier's constants in networks from mobilenetv1.Build.
const headPrefix = "Logits/"

func isHead(name string) bool {
	return len(name) >= len(headPrefix) && name[:len(headPrefix)] == headPrefix
}

// headNode returns the last node of g with weights: the classifier.
func headNode(g *graph.Graph) *graph.Node {
	var h *graph.Node
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *graph.Conv2D, *graph.DepthwiseConv2D, *graph.FullyConnected:
			h = n
		}
	}
	return h
}
