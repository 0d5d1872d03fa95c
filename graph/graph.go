package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/tensor"
)

// Value is a tensor of the graph: an activation, whose Shape is given at batch 1 (dimension 0 is the
// batch), or a constant, which carries its Data.
type Value struct {
	Name  string
	DType tensor.DType
	Shape tensor.Shape
	Quant *tensor.Quant
	Data  *tensor.Tensor // constant contents; nil for activations
}

// Const reports whether v is a constant.
func (v *Value) Const() bool { return v.Data != nil }

// Node applies an Op to its input values (−1 marks an absent optional input) and produces its outputs.
type Node struct {
	Name    string
	Op      Op
	Inputs  []int
	Outputs []int
}

// Graph is a model: values, nodes in execution order, and which values are its inputs and outputs.
type Graph struct {
	Name    string
	Values  []*Value
	Nodes   []*Node
	Inputs  []int
	Outputs []int
}

// AddInput adds an activation input of the given type and shape (at batch 1).
func (g *Graph) AddInput(name string, dt tensor.DType, shape tensor.Shape, q *tensor.Quant) int {
	id := g.addValue(&Value{Name: name, DType: dt, Shape: shape.Clone(), Quant: q})
	g.Inputs = append(g.Inputs, id)
	return id
}

// AddConst adds a constant value holding t.
func (g *Graph) AddConst(name string, t *tensor.Tensor) int {
	return g.addValue(&Value{Name: name, DType: t.DType, Shape: t.Shape.Clone(), Quant: t.Quant, Data: t})
}

func (g *Graph) addValue(v *Value) int {
	g.Values = append(g.Values, v)
	return len(g.Values) - 1
}

// Add appends a node applying op to inputs, infers its outputs' shapes at batch 1 and returns their
// value ids. Outputs take the type of the first input. The builder uses it; importers that know their
// output values use AddNode.
func (g *Graph) Add(name string, op Op, inputs ...int) ([]int, error) {
	in, err := g.values(name, inputs)
	if err != nil {
		return nil, err
	}
	shapes, err := op.Shapes(in)
	if err != nil {
		return nil, fmt.Errorf("%s (%s): %w", name, op.Type(), err)
	}
	outs := make([]int, len(shapes))
	for i, s := range shapes {
		vn := name
		if len(shapes) > 1 {
			vn = fmt.Sprintf("%s:%d", name, i)
		}
		outs[i] = g.addValue(&Value{Name: vn, DType: in[0].DType, Shape: s})
	}
	g.Nodes = append(g.Nodes, &Node{Name: name, Op: op, Inputs: inputs, Outputs: outs})
	return outs, nil
}

// Add1 is Add for ops with exactly one output.
func (g *Graph) Add1(name string, op Op, inputs ...int) (int, error) {
	outs, err := g.Add(name, op, inputs...)
	if err != nil {
		return 0, err
	}
	return outs[0], nil
}

// AddNode appends a node whose output values already exist (an importer declares them with their
// shapes and quantization); Compile checks them against the op's shape rule.
func (g *Graph) AddNode(name string, op Op, inputs, outputs []int) {
	g.Nodes = append(g.Nodes, &Node{Name: name, Op: op, Inputs: inputs, Outputs: outputs})
}

// AddValue adds an activation value (an importer's declared tensor) and returns its id.
func (g *Graph) AddValue(v *Value) int { return g.addValue(v) }

func (g *Graph) values(node string, ids []int) ([]*Value, error) {
	vs := make([]*Value, len(ids))
	for i, id := range ids {
		if id == -1 {
			continue
		}
		if id < 0 || id >= len(g.Values) {
			return nil, fmt.Errorf("%s: input %d is value %d, out of range (%d values)", node, i, id, len(g.Values))
		}
		vs[i] = g.Values[id]
	}
	return vs, nil
}

// Consumers returns, for each value, the indices of the nodes that read it.
func (g *Graph) Consumers() [][]int {
	c := make([][]int, len(g.Values))
	for ni, n := range g.Nodes {
		for _, id := range n.Inputs {
			if id >= 0 {
				c[id] = append(c[id], ni)
			}
		}
	}
	return c
}

// Find returns the first node with the given name, or nil.
func (g *Graph) Find(name string) *Node {
	for _, n := range g.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Input returns the i-th input value of node n (nil when absent).
func (g *Graph) Input(n *Node, i int) *Value {
	if i >= len(n.Inputs) || n.Inputs[i] < 0 {
		return nil
	}
	return g.Values[n.Inputs[i]]
}

// InferShapes fills in the shapes an importer left unknown (nil) by applying each node's shape rule at
// batch 1, in execution order. Shapes already known are left for Compile to check.
func (g *Graph) InferShapes() error {
	for _, n := range g.Nodes {
		in, err := g.values(n.Name, n.Inputs)
		if err != nil {
			return err
		}
		unknown := false
		for _, v := range in {
			if v != nil && v.Shape == nil {
				return fmt.Errorf("%s (%s): an input's shape is unknown", n.Name, n.Op.Type())
			}
		}
		for _, id := range n.Outputs {
			if id < 0 || id >= len(g.Values) {
				return fmt.Errorf("%s: output value %d out of range", n.Name, id)
			}
			unknown = unknown || g.Values[id].Shape == nil
		}
		if !unknown {
			continue
		}
		shapes, err := n.Op.Shapes(in)
		if err != nil {
			return fmt.Errorf("%s (%s): %w", n.Name, n.Op.Type(), err)
		}
		if len(shapes) != len(n.Outputs) {
			return fmt.Errorf("%s (%s): produces %d outputs, the graph names %d", n.Name, n.Op.Type(), len(shapes), len(n.Outputs))
		}
		for i, id := range n.Outputs {
			if g.Values[id].Shape == nil {
				g.Values[id].Shape = shapes[i]
			}
		}
	}
	return nil
}

// ToFloat64 returns a copy of g in which every float32 value, activation or constant, is float64: the
// reference form of a float network, in which gradients are checked. Nodes are shared with g.
func ToFloat64(g *Graph) *Graph {
	f := &Graph{Name: g.Name, Nodes: g.Nodes, Inputs: g.Inputs, Outputs: g.Outputs, Values: make([]*Value, len(g.Values))}
	for i, v := range g.Values {
		c := *v
		if v.DType == tensor.Float32 {
			c.DType = tensor.Float64
			if v.Data != nil {
				d := &tensor.Tensor{Shape: v.Data.Shape.Clone(), DType: tensor.Float64, F64: make([]float64, len(v.Data.F32))}
				for j, x := range v.Data.F32 {
					d.F64[j] = float64(x)
				}
				c.Data = d
			}
		}
		f.Values[i] = &c
	}
	return f
}
