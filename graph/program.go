package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/tensor"
)

// Program is a graph compiled for one batch size: every shape checked, every kernel chosen and every
// activation buffer allocated once. A Program is not safe for concurrent use; compile one per goroutine.
type Program struct {
	g       *Graph
	batch   int
	vals    []*Value         // the graph's values at this batch size
	tensors []*tensor.Tensor // their storage: constants' data, or buffers owned by the program
	kernels []Kernel
	ins     [][]*tensor.Tensor // per node, its input tensors
	outs    [][]*tensor.Tensor // per node, its output tensors
}

// Compile checks g, infers every shape at the batch size of opt, and prepares its kernels. Each input
// of a node must be a constant, a graph input or the output of an earlier node; each value is produced
// once; declared shapes must agree with the ops' shape rules.
func Compile(g *Graph, opt Options) (*Program, error) {
	if opt.Batch < 1 {
		opt.Batch = 1
	}
	p := &Program{g: g, batch: opt.Batch, vals: make([]*Value, len(g.Values)), tensors: make([]*tensor.Tensor, len(g.Values))}
	ready := make([]bool, len(g.Values))
	for i, v := range g.Values {
		if v.Const() {
			p.vals[i], p.tensors[i], ready[i] = v, v.Data, true
		}
	}
	for _, id := range g.Inputs {
		if id < 0 || id >= len(g.Values) || ready[id] {
			return nil, fmt.Errorf("graph: input value %d is out of range or not an activation", id)
		}
		v := g.Values[id]
		if len(v.Shape) == 0 {
			return nil, fmt.Errorf("graph: input %q has no batch dimension", v.Name)
		}
		p.vals[id] = p.instance(v, v.Shape.WithBatch(opt.Batch))
		ready[id] = true
	}
	for ni, n := range g.Nodes {
		if err := p.compileNode(ni, n, ready, &opt); err != nil {
			return nil, fmt.Errorf("graph: node %d %s (%s): %w", ni, n.Name, n.Op.Type(), err)
		}
	}
	for _, id := range g.Outputs {
		if id < 0 || id >= len(g.Values) || !ready[id] {
			return nil, fmt.Errorf("graph: output value %d is never computed", id)
		}
	}
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	var total int64
	for i, v := range p.vals {
		if v == nil || p.tensors[i] != nil {
			continue
		}
		n, err := v.Shape.Elems()
		if err != nil {
			return nil, fmt.Errorf("graph: value %q: %w", v.Name, err)
		}
		total += int64(n) * int64(v.DType.Size())
		if total > limit {
			return nil, fmt.Errorf("graph: the activations need more than %d bytes at batch %d (the limit)", limit, opt.Batch)
		}
	}
	for i, v := range p.vals {
		if v == nil || p.tensors[i] != nil {
			continue
		}
		t, err := tensor.New(v.DType, v.Shape)
		if err != nil {
			return nil, fmt.Errorf("graph: value %q: %w", v.Name, err)
		}
		t.Quant = v.Quant
		p.tensors[i] = t
	}
	p.ins = make([][]*tensor.Tensor, len(g.Nodes))
	p.outs = make([][]*tensor.Tensor, len(g.Nodes))
	for ni, n := range g.Nodes {
		p.ins[ni] = p.bind(n.Inputs)
		p.outs[ni] = p.bind(n.Outputs)
	}
	return p, nil
}

func (p *Program) instance(v *Value, shape tensor.Shape) *Value {
	c := *v
	c.Shape = shape
	return &c
}

func (p *Program) compileNode(ni int, n *Node, ready []bool, opt *Options) error {
	in := make([]*Value, len(n.Inputs))
	for i, id := range n.Inputs {
		if id == -1 {
			continue
		}
		if id < 0 || id >= len(p.g.Values) {
			return fmt.Errorf("input %d is value %d, out of range (%d values)", i, id, len(p.g.Values))
		}
		if !ready[id] {
			return fmt.Errorf("input %d (%q) is not computed before this node", i, p.g.Values[id].Name)
		}
		in[i] = p.vals[id]
	}
	shapes, err := n.Op.Shapes(in)
	if err != nil {
		return err
	}
	if len(shapes) != len(n.Outputs) {
		return fmt.Errorf("produces %d outputs, the graph names %d", len(shapes), len(n.Outputs))
	}
	out := make([]*Value, len(n.Outputs))
	for i, id := range n.Outputs {
		if id < 0 || id >= len(p.g.Values) {
			return fmt.Errorf("output %d is value %d, out of range", i, id)
		}
		if ready[id] {
			return fmt.Errorf("output %d (%q) is already produced elsewhere", i, p.g.Values[id].Name)
		}
		v := p.g.Values[id]
		if err := tensor.CheckShape(fmt.Sprintf("output %q", v.Name), v.Shape.WithBatch(p.batch), shapes[i]); err != nil {
			return err
		}
		out[i] = p.instance(v, shapes[i])
		p.vals[id] = out[i]
		ready[id] = true
	}
	k, err := n.Op.Compile(in, out, opt)
	if err != nil {
		return err
	}
	p.kernels = append(p.kernels, k)
	return nil
}

func (p *Program) bind(ids []int) []*tensor.Tensor {
	ts := make([]*tensor.Tensor, len(ids))
	for i, id := range ids {
		if id >= 0 {
			ts[i] = p.tensors[id]
		}
	}
	return ts
}

// Batch returns the batch size the program was compiled for.
func (p *Program) Batch() int { return p.batch }

// Inputs returns the program's input values (with the batch dimension set).
func (p *Program) Inputs() []*Value { return p.pick(p.g.Inputs) }

// Outputs returns the program's output values (with the batch dimension set).
func (p *Program) Outputs() []*Value { return p.pick(p.g.Outputs) }

func (p *Program) pick(ids []int) []*Value {
	vs := make([]*Value, len(ids))
	for i, id := range ids {
		vs[i] = p.vals[id]
	}
	return vs
}

// Run executes the program on the given inputs, one per graph input, of the declared types and shapes.
// The returned tensors belong to the program and are overwritten by the next Run.
func (p *Program) Run(inputs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	if len(inputs) != len(p.g.Inputs) {
		return nil, fmt.Errorf("graph: %d inputs given, the model takes %d", len(inputs), len(p.g.Inputs))
	}
	for i, id := range p.g.Inputs {
		v := p.vals[id]
		if inputs[i].DType != v.DType {
			return nil, fmt.Errorf("graph: input %q is %v, the model takes %v", v.Name, inputs[i].DType, v.DType)
		}
		if err := tensor.CheckShape(fmt.Sprintf("graph: input %q", v.Name), v.Shape, inputs[i].Shape); err != nil {
			return nil, err
		}
		if err := p.tensors[id].CopyFrom(inputs[i]); err != nil {
			return nil, err
		}
	}
	for ni, k := range p.kernels {
		if err := k.Run(p.ins[ni], p.outs[ni]); err != nil {
			n := p.g.Nodes[ni]
			return nil, fmt.Errorf("graph: node %s (%s): %w", n.Name, n.Op.Type(), err)
		}
	}
	return p.bind(p.g.Outputs), nil
}
