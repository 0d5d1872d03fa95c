package tflite

import (
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// expandForTFLite returns g with the float ops TFLite has no operator for rewritten into ones it has, as
// TensorFlow's converters write them: h-sigmoid, ReLU6(x + 3)/6, becomes ADD of 3 with a fused RELU6,
// then MUL by 1/6. g itself is not changed (its nodes and values are shared, the slices copied); 8-bit
// h-sigmoids are left for opSpec to refuse.
func expandForTFLite(g *graph.Graph) *graph.Graph {
	expand := false
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.HardSigmoid); ok && len(n.Inputs) == 1 && n.Inputs[0] >= 0 &&
			n.Inputs[0] < len(g.Values) && g.Values[n.Inputs[0]].DType == tensor.Float32 {
			expand = true
		}
	}
	if !expand {
		return g
	}
	out := &graph.Graph{Name: g.Name, Values: append([]*graph.Value(nil), g.Values...),
		Inputs: append([]int(nil), g.Inputs...), Outputs: append([]int(nil), g.Outputs...)}
	scalar := func(name string, v float32) int {
		t, _ := tensor.New(tensor.Float32, tensor.Shape{1})
		t.F32[0] = v
		return out.AddConst(name, t)
	}
	for _, n := range g.Nodes {
		_, ok := n.Op.(*graph.HardSigmoid)
		if !ok || len(n.Inputs) != 1 || len(n.Outputs) != 1 || g.Values[n.Inputs[0]].DType != tensor.Float32 {
			out.Nodes = append(out.Nodes, n)
			continue
		}
		x, y := n.Inputs[0], n.Outputs[0]
		mid := out.AddValue(&graph.Value{Name: n.Name + "/add3_relu6", DType: tensor.Float32, Shape: g.Values[y].Shape.Clone()})
		out.AddNode(n.Name+"/add3_relu6", &graph.Add{Act: graph.ActReLU6}, []int{x, scalar(n.Name+"/three", 3)}, []int{mid})
		out.AddNode(n.Name, &graph.Mul{}, []int{mid, scalar(n.Name+"/one_sixth", 1.0/6)}, []int{y})
	}
	return out
}
