package graph

import (
	"context"
	"fmt"
	"sync"
	"time"

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
	results []*tensor.Tensor   // the graph's outputs
	bytes   int64              // activation memory
	lanes   *lanes             // for batches above 1: batch-1 programs that take the images in turn
	observe [][]observer       // per node: the values it computes that callers observe
}

// Compile checks g, infers every shape at the batch size of opt, and prepares its kernels. Each input
// of a node must be a constant, a graph input or the output of an earlier node; each value is produced
// once; declared shapes must agree with the ops' shape rules.
func Compile(g *Graph, opt Options) (*Program, error) {
	if opt.Batch < 1 {
		opt.Batch = 1
	}
	if opt.Batch > 1 && !opt.WholeBatch {
		return compileLanes(g, opt)
	}
	return compileBatch(g, opt)
}

// compileBatch compiles g for opt.Batch images processed together by every op.
func compileBatch(g *Graph, opt Options) (*Program, error) {
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
	if err := p.allocate(opt); err != nil {
		return nil, err
	}
	p.ins = make([][]*tensor.Tensor, len(g.Nodes))
	p.outs = make([][]*tensor.Tensor, len(g.Nodes))
	for ni, n := range g.Nodes {
		p.ins[ni] = p.bind(n.Inputs)
		p.outs[ni] = p.bind(n.Outputs)
	}
	p.results = p.bind(g.Outputs)
	return p, nil
}

func (p *Program) instance(v *Value, shape tensor.Shape) *Value {
	c := *v
	c.Shape = shape
	return &c
}

func (p *Program) compileNode(ni int, n *Node, ready []bool, opt *Options) error {
	if err := p.shapeNode(n, ready); err != nil {
		return err
	}
	in, out := p.pick(n.Inputs), p.pick(n.Outputs)
	var k Kernel
	var err error
	switch {
	case len(in) > 0 && in[0] != nil && in[0].DType == tensor.Float64:
		k, err = compileFloat64(n.Op, in, out, opt)
	case len(in) > 0 && in[0] != nil && in[0].DType.Quantized() && Refusal(n.Op, ColQuantized) != "":
		err = fmt.Errorf("no 8-bit kernel: %s", Refusal(n.Op, ColQuantized))
	default:
		k, err = n.Op.Compile(in, out, opt)
	}
	if err != nil {
		return err
	}
	p.kernels = append(p.kernels, k)
	return nil
}

// compileFloat64 returns the kernel of op on float64 values: the forward pass of its reference training
// kernel, in inference mode (batch norm with its moving statistics). Float64 graphs are the reference
// the float32 kernels and the gradients are checked against.
func compileFloat64(op Op, in, out []*Value, opt *Options) (Kernel, error) {
	d, ok := op.(Differentiable)
	if !ok {
		if r := Refusal(op, ColReference); r != "" {
			return nil, fmt.Errorf("no float64 kernel: %s", r)
		}
		return nil, fmt.Errorf("no float64 kernel")
	}
	o := *opt
	o.Reference = true
	tk, err := d.CompileTrain(in, out, &TrainContext{Options: o, Frozen: true, BNMomentum: 0.99})
	if err != nil {
		return nil, err
	}
	return KernelFunc(tk.Forward), nil
}

// shapeNode checks node n's inputs are ready, applies its shape rule at the program's batch size and
// checks the result against the graph's declared output shapes, then marks the outputs ready.
func (p *Program) shapeNode(n *Node, ready []bool) error {
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
		p.vals[id] = p.instance(v, shapes[i])
		ready[id] = true
	}
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

func (p *Program) pick(ids []int) []*Value { return pick(p.vals, ids) }

// pick returns vals[id] for each id, nil for an absent (−1) one.
func pick(vals []*Value, ids []int) []*Value {
	vs := make([]*Value, len(ids))
	for i, id := range ids {
		if id >= 0 {
			vs[i] = vals[id]
		}
	}
	return vs
}

// Run executes the program on the given inputs, one per graph input, of the declared types and shapes.
// The returned tensors belong to the program and are overwritten by the next Run.
func (p *Program) Run(inputs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	return p.run(context.Background(), inputs, nil)
}

// RunContext is Run that stops between two nodes once ctx is done, returning an error that wraps
// ctx.Err(); the outputs are then not valid.
func (p *Program) RunContext(ctx context.Context, inputs ...*tensor.Tensor) ([]*tensor.Tensor, error) {
	return p.run(ctx, inputs, nil)
}

func (p *Program) run(ctx context.Context, inputs []*tensor.Tensor, times []time.Duration) (res []*tensor.Tensor, err error) {
	defer recoverKernel(&err)
	if len(inputs) != len(p.g.Inputs) {
		return nil, fmt.Errorf("graph: %d inputs given, the model takes %d", len(inputs), len(p.g.Inputs))
	}
	for i, id := range p.g.Inputs {
		v := p.vals[id]
		if inputs[i].DType != v.DType {
			return nil, fmt.Errorf("graph: input %q is %v, the model takes %v", v.Name, inputs[i].DType, v.DType)
		}
		if !v.Shape.Equal(inputs[i].Shape) {
			return nil, tensor.CheckShape(fmt.Sprintf("graph: input %q", v.Name), v.Shape, inputs[i].Shape)
		}
	}
	if p.lanes != nil {
		return p.lanes.run(ctx, inputs, times)
	}
	for i, id := range p.g.Inputs {
		if err := p.tensors[id].CopyFrom(inputs[i]); err != nil {
			return nil, err
		}
	}
	for ni, k := range p.kernels {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("graph: stopped before node %s: %w", p.g.Nodes[ni].Name, err)
		}
		var start time.Time
		if times != nil {
			start = time.Now()
		}
		if err := k.Run(p.ins[ni], p.outs[ni]); err != nil {
			n := p.g.Nodes[ni]
			return nil, fmt.Errorf("graph: node %s (%s): %w", n.Name, n.Op.Type(), err)
		}
		if times != nil {
			times[ni] += time.Since(start)
		}
		if p.observe != nil {
			for _, o := range p.observe[ni] {
				o.fn(o.id, p.tensors[o.id])
			}
		}
	}
	return p.results, nil
}

// allocate gives every activation its storage. Activations whose lifetimes do not overlap share one
// buffer: walking the nodes in order, a node's outputs take free buffers of their type (or new ones),
// then the inputs it was the last to read are freed. A node never writes into a buffer it reads, graph
// inputs have their own buffers and graph outputs are never reused. The total is checked against the
// memory limit before anything is allocated.
func (p *Program) allocate(opt Options) error {
	g := p.g
	lastUse := make([]int, len(g.Values))
	for i := range lastUse {
		lastUse[i] = -1
	}
	for ni, n := range g.Nodes {
		for _, id := range n.Inputs {
			if id >= 0 {
				lastUse[id] = ni
			}
		}
	}
	for _, id := range g.Outputs {
		lastUse[id] = len(g.Nodes)
	}
	type buffer struct {
		dt    tensor.DType
		elems int
	}
	var buffers []buffer
	var free []int // indices into buffers
	slot := make([]int, len(g.Values))
	for i := range slot {
		slot[i] = -1
	}
	take := func(id int) error {
		v := p.vals[id]
		n, err := v.Shape.Elems()
		if err != nil {
			return fmt.Errorf("graph: value %q: %w", v.Name, err)
		}
		best := -1
		for fi, b := range free {
			if buffers[b].dt != v.DType {
				continue
			}
			// The smallest free buffer that fits, else the largest one (which grows).
			if best < 0 {
				best = fi
				continue
			}
			cur, cand := buffers[free[best]].elems, buffers[b].elems
			if (cand >= n && (cur < n || cand < cur)) || (cur < n && cand > cur) {
				best = fi
			}
		}
		if best < 0 {
			buffers = append(buffers, buffer{dt: v.DType})
			slot[id] = len(buffers) - 1
		} else {
			slot[id] = free[best]
			free = append(free[:best], free[best+1:]...)
		}
		b := &buffers[slot[id]]
		b.elems = max(b.elems, n)
		return nil
	}
	for _, id := range g.Inputs {
		if err := take(id); err != nil {
			return err
		}
	}
	for ni, n := range g.Nodes {
		for _, id := range n.Outputs {
			if err := take(id); err != nil {
				return err
			}
		}
		release := func(id int) {
			if id >= 0 && slot[id] >= 0 && lastUse[id] <= ni && !p.vals[id].Const() && !isInput(g, id) {
				free = append(free, slot[id])
				slot[id] = -2 - slot[id] // keep the assignment, mark it released
			}
		}
		for _, id := range n.Inputs {
			if id >= 0 && lastUse[id] == ni {
				release(id)
			}
		}
		for _, id := range n.Outputs {
			if lastUse[id] < 0 { // never read: dead after this node
				release(id)
			}
		}
	}
	limit := opt.maxBytes()
	var total int64
	for _, b := range buffers {
		total += int64(b.elems) * int64(b.dt.Size())
	}
	if total > limit {
		return fmt.Errorf("graph: the activations need %d bytes at batch %d, more than the limit of %d", total, opt.Batch, limit)
	}
	storage := make([]*tensor.Tensor, len(buffers))
	for i, b := range buffers {
		t, err := tensor.New(b.dt, tensor.Shape{b.elems})
		if err != nil {
			return err
		}
		storage[i] = t
	}
	p.bytes = total
	for id, v := range p.vals {
		if v == nil || p.tensors[id] != nil {
			continue
		}
		si := slot[id]
		if si < -1 {
			si = -2 - si
		}
		if si < 0 {
			continue
		}
		n := v.Shape.Size()
		buf := storage[si]
		t := &tensor.Tensor{Shape: v.Shape, DType: v.DType, Quant: v.Quant}
		switch v.DType {
		case tensor.Float32:
			t.F32 = buf.F32[:n:n]
		case tensor.Uint8:
			t.U8 = buf.U8[:n:n]
		case tensor.Int8:
			t.I8 = buf.I8[:n:n]
		case tensor.Int32:
			t.I32 = buf.I32[:n:n]
		case tensor.Float64:
			t.F64 = buf.F64[:n:n]
		case tensor.Int64:
			t.I64 = buf.I64[:n:n]
		}
		p.tensors[id] = t
	}
	return nil
}

func isInput(g *Graph, id int) bool {
	for _, in := range g.Inputs {
		if in == id {
			return true
		}
	}
	return false
}

// ActivationBytes returns the memory the program's activation buffers take.
func (p *Program) ActivationBytes() int64 { return p.bytes }

// Profile runs the program like Run and adds each node's wall time to times (one entry per node).
func (p *Program) Profile(times []time.Duration, inputs ...*tensor.Tensor) error {
	if len(times) != len(p.g.Nodes) {
		return fmt.Errorf("graph: profile of %d nodes given %d slots", len(p.g.Nodes), len(times))
	}
	if _, err := p.run(context.Background(), inputs, times); err != nil {
		return err
	}
	return nil
}

// Nodes returns the graph's nodes in execution order, with their inputs and outputs at the program's
// batch size.
func (p *Program) Nodes() []*Node { return p.g.Nodes }

// Values returns the values of node inputs or outputs at the program's batch size.
func (p *Program) Values(ids []int) []*Value {
	vs := make([]*Value, len(ids))
	for i, id := range ids {
		if id < 0 {
			continue
		}
		vs[i] = p.vals[id]
		if p.lanes != nil && !vs[i].Const() {
			vs[i] = p.instance(vs[i], vs[i].Shape.WithBatch(p.batch))
		}
	}
	return vs
}

// observer is a caller's callback on a value of a program.
type observer struct {
	id int
	fn func(id int, t *tensor.Tensor)
}

// Observe calls fn with the tensor of value id each time a Run computes it, without changing the
// graph's outputs (calibration and debugging read intermediate values this way). fn must not keep the
// tensor, which the program reuses. A program of a batch above 1 that runs images on parallel lanes
// calls fn once per image, with a tensor of batch 1, one call at a time.
func (p *Program) Observe(id int, fn func(id int, t *tensor.Tensor)) error {
	if p.lanes != nil {
		var mu sync.Mutex
		locked := func(id int, t *tensor.Tensor) {
			mu.Lock()
			defer mu.Unlock()
			fn(id, t)
		}
		for _, lp := range p.lanes.progs {
			if err := lp.Observe(id, locked); err != nil {
				return err
			}
		}
		return nil
	}
	ni, err := producerOf(p.g, id)
	if err != nil {
		return err
	}
	if ni < 0 {
		return fmt.Errorf("graph: value %q is not computed by a node", p.g.Values[id].Name)
	}
	if p.observe == nil {
		p.observe = make([][]observer, len(p.g.Nodes))
	}
	p.observe[ni] = append(p.observe[ni], observer{id: id, fn: fn})
	return nil
}

// Capture returns a tensor that holds a copy of value id after each Run. It needs a program whose ops
// see the whole batch (batch 1, or compiled with Options.WholeBatch).
func (p *Program) Capture(id int) (*tensor.Tensor, error) {
	if p.lanes != nil {
		return nil, fmt.Errorf("graph: capturing a value needs a program compiled with WholeBatch (or batch 1)")
	}
	if id < 0 || id >= len(p.g.Values) || p.vals[id] == nil {
		return nil, fmt.Errorf("graph: value %d out of range", id)
	}
	v := p.vals[id]
	t, err := tensor.New(v.DType, v.Shape)
	if err != nil {
		return nil, err
	}
	t.Quant = v.Quant
	return t, p.Observe(id, func(_ int, src *tensor.Tensor) { t.CopyFrom(src) }) //nolint:errcheck // same type and shape
}

// producerOf returns the index of the node that computes value id, −1 for a graph input, or an error.
func producerOf(g *Graph, id int) (int, error) {
	if id < 0 || id >= len(g.Values) {
		return 0, fmt.Errorf("graph: value %d out of range", id)
	}
	for ni, n := range g.Nodes {
		for _, o := range n.Outputs {
			if o == id {
				return ni, nil
			}
		}
	}
	if g.Values[id].Const() {
		return 0, fmt.Errorf("graph: value %q is a constant", g.Values[id].Name)
	}
	return -1, nil
}

// recoverKernel turns a panic of a kernel (a bug, or a case a kernel's checks missed) into an error of
// the run that met it, so that one bad input never takes the process down.
func recoverKernel(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("graph: internal error in a kernel: %v", r)
	}
}
