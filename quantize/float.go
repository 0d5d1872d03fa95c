package quantize

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// FloatIO returns the float-input, float-output variant of an 8-bit graph q, in the form the float
// networks of this project have, so that code written for them (train.Evaluate,
// train.EvaluateDetector) runs it: a float32 input (p − 127.5)/127.5 converted by a Quantize op, and
//   - for a classifier ending in an 8-bit Softmax: its logits dequantized (Dequantize) and a float
//     Softmax;
//   - for a detector ending in the detection post-process: the box encodings and the logits before the
//     8-bit Logistic dequantized, a float Logistic and the post-process on the float values.
//
// Other 8-bit outputs are dequantized. A graph with a float input is returned as it is. With the
// image input of Quantize (scale 1/127.5), an Add of −0.5/127.5 comes before the Quantize op, so that
// each pixel gets exactly the code of its byte: the float-input graph computes what the 8-bit graph
// fed the bytes computes (Quantize alone would round the half-way values (p − 127.5) away from 0).
func FloatIO(q *graph.Graph) (*graph.Graph, error) {
	if len(q.Inputs) != 1 {
		return nil, fmt.Errorf("quantize: the model has %d inputs, want 1", len(q.Inputs))
	}
	in := q.Values[q.Inputs[0]]
	if !in.DType.Quantized() {
		return q, nil
	}
	g := &graph.Graph{Name: q.Name, Values: append([]*graph.Value(nil), q.Values...)}
	fin := g.AddInput(in.Name+"/float", tensor.Float32, in.Shape, nil)
	x := fin
	if in.Quant != nil && in.Quant.S(0) == InputScale {
		// The codes of the image bytes p stand for (p − 128)/127.5: shifting the float input
		// (p − 127.5)/127.5 by −0.5/127.5 first makes Quantize give exactly the byte's code.
		shift, _ := tensor.FromFloat32(tensor.Shape{1}, []float32{-0.5 / 127.5})
		x = g.AddValue(&graph.Value{Name: in.Name + "/shifted", DType: tensor.Float32, Shape: in.Shape.Clone()})
		g.AddNode(in.Name+"/shift", &graph.Add{}, []int{fin, g.AddConst(in.Name+"/half_step", shift)}, []int{x})
	}
	g.AddNode(in.Name+"/quantize", &graph.Quantize{}, []int{x}, []int{q.Inputs[0]})
	producer := map[int]*graph.Node{}
	for _, n := range q.Nodes {
		for _, id := range n.Outputs {
			producer[id] = n
		}
	}
	drop := map[*graph.Node]bool{}
	var tail []*graph.Node
	add := func(name string, op graph.Op, ins []int, v *graph.Value) int {
		id := g.AddValue(v)
		tail = append(tail, &graph.Node{Name: name, Op: op, Inputs: ins, Outputs: []int{id}})
		return id
	}
	dequantize := func(id int) int {
		v := g.Values[id]
		return add(v.Name+"/dequantize", &graph.Dequantize{}, []int{id}, &graph.Value{Name: v.Name + "/float", DType: tensor.Float32, Shape: v.Shape.Clone()})
	}
	for _, out := range q.Outputs {
		p := producer[out]
		switch op := opOf(p).(type) {
		case *graph.Softmax:
			drop[p] = true
			z := dequantize(p.Inputs[0])
			v := q.Values[out]
			c := *op
			g.Outputs = append(g.Outputs, add(p.Name, &c, []int{z}, &graph.Value{Name: v.Name, DType: tensor.Float32, Shape: v.Shape.Clone()}))
		case *graph.DetectionPostProcess:
			if drop[p] {
				continue
			}
			drop[p] = true
			enc := p.Inputs[0] // float already where the int8 scheme dequantized it
			if q.Values[enc].DType.Quantized() {
				enc = dequantize(enc)
			}
			scores := p.Inputs[1]
			// int8 detectors dequantize the 8-bit sigmoid before the post-process: look through it, so
			// that the float form computes the sigmoid in float as for uint8 (and ssd.Heads finds it).
			if dp := producer[scores]; dp != nil {
				if _, ok := dp.Op.(*graph.Dequantize); ok {
					if _, ok := opOf(producer[dp.Inputs[0]]).(*graph.Logistic); ok {
						drop[dp] = true
						scores = dp.Inputs[0]
					}
				}
			}
			if lp := producer[scores]; lp != nil {
				if _, ok := lp.Op.(*graph.Logistic); ok && q.Values[scores].DType.Quantized() {
					drop[lp] = true
					z := dequantize(lp.Inputs[0])
					v := q.Values[scores]
					scores = add(lp.Name, &graph.Logistic{}, []int{z}, &graph.Value{Name: v.Name + "/float", DType: tensor.Float32, Shape: v.Shape.Clone()})
				}
			}
			if g.Values[scores].DType.Quantized() {
				scores = dequantize(scores)
			}
			anchors := p.Inputs[2]
			if av := g.Values[anchors]; av.DType.Quantized() && av.Const() {
				// TFLite reads the anchors of float encodings as float32: give them dequantized.
				f := make([]float32, av.Shape.Size())
				for i := range f {
					f[i] = float32(av.Data.Float(i))
				}
				t, err := tensor.FromFloat32(av.Shape.Clone(), f)
				if err != nil {
					return nil, err
				}
				anchors = g.AddConst(av.Name+"/float", t)
			}
			c := *op
			tail = append(tail, &graph.Node{Name: p.Name, Op: &c, Inputs: []int{enc, scores, anchors}, Outputs: p.Outputs})
			g.Outputs = append(g.Outputs, p.Outputs...)
		default:
			if q.Values[out].DType.Quantized() {
				g.Outputs = append(g.Outputs, dequantize(out))
			} else {
				g.Outputs = append(g.Outputs, out)
			}
		}
	}
	for _, n := range q.Nodes {
		if !drop[n] {
			g.Nodes = append(g.Nodes, n)
		}
	}
	g.Nodes = append(g.Nodes, tail...)
	return g, nil
}

func opOf(n *graph.Node) graph.Op {
	if n == nil {
		return nil
	}
	return n.Op
}
