package mobilenetv1

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// CopyWeights sets the weights of g, a network from Build, to those of src, a float graph of the same
// architecture in inference form (batch norm folded into biases), such as the official float .tflite
// MobileNet V1. Convolutions are matched in order and their shapes must agree. Each batch norm of g
// becomes the identity plus the folded bias: γ 1, β = bias, moving mean 0, moving variance 1 − ε, so
// g computes exactly what src computes, and training can continue from there.
func CopyWeights(g, src *graph.Graph) error {
	dst, from := convNodes(g), convNodes(src)
	if len(dst) != len(from) {
		return fmt.Errorf("mobilenetv1: the network has %d convolutions, the source %d", len(dst), len(from))
	}
	consumers := g.Consumers()
	for i, n := range dst {
		s := from[i]
		w, sw := g.Input(n, 1), src.Input(s, 1)
		if sw.DType != tensor.Float32 || sw.Data == nil {
			return fmt.Errorf("mobilenetv1: source %s: weights are not float constants", s.Name)
		}
		if !w.Shape.Equal(sw.Shape) {
			return fmt.Errorf("mobilenetv1: %s: weights %v, source %s has %v", n.Name, w.Shape, s.Name, sw.Shape)
		}
		copy(w.Data.F32, sw.Data.F32)
		var bias []float32
		if b := src.Input(s, 2); b != nil {
			bias = b.Data.F32
		}
		if b := g.Input(n, 2); b != nil {
			if bias == nil || len(bias) != len(b.Data.F32) {
				return fmt.Errorf("mobilenetv1: %s: the source %s has no matching bias", n.Name, s.Name)
			}
			copy(b.Data.F32, bias)
			continue
		}
		bn := batchNormAfter(g, consumers, n)
		if bn == nil {
			return fmt.Errorf("mobilenetv1: %s has neither bias nor batch norm", n.Name)
		}
		eps := bn.Op.(*graph.BatchNorm).Epsilon
		gamma, beta, mean, variance := g.Input(bn, 1).Data.F32, g.Input(bn, 2).Data.F32, g.Input(bn, 3).Data.F32, g.Input(bn, 4).Data.F32
		if bias != nil && len(bias) != len(beta) {
			return fmt.Errorf("mobilenetv1: %s: source bias has %d values for %d channels", n.Name, len(bias), len(beta))
		}
		for c := range beta {
			gamma[c], mean[c], variance[c], beta[c] = 1, 0, 1-eps, 0
			if bias != nil {
				beta[c] = bias[c]
			}
		}
	}
	return nil
}

func convNodes(g *graph.Graph) []*graph.Node {
	var ns []*graph.Node
	for _, n := range g.Nodes {
		switch n.Op.(type) {
		case *graph.Conv2D, *graph.DepthwiseConv2D:
			ns = append(ns, n)
		}
	}
	return ns
}

func batchNormAfter(g *graph.Graph, consumers [][]int, n *graph.Node) *graph.Node {
	for _, ci := range consumers[n.Outputs[0]] {
		if _, ok := g.Nodes[ci].Op.(*graph.BatchNorm); ok {
			return g.Nodes[ci]
		}
	}
	return nil
}
