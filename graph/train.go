package graph

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/tensor"
)

// ParamKind says what an op's input is to training; it decides the input's weight-decay group.
type ParamKind int

// The kinds of op inputs.
const (
	NotParam       ParamKind = iota // an activation, or a constant that is not trained (moving statistics)
	ParamWeights                    // convolution and fully connected weights
	ParamDepthwise                  // depthwise convolution filters
	ParamBias                       // biases
	ParamNorm                       // batch norm γ and β
)

// String names the kind.
func (k ParamKind) String() string {
	switch k {
	case NotParam:
		return "none"
	case ParamWeights:
		return "weights"
	case ParamDepthwise:
		return "depthwise"
	case ParamBias:
		return "bias"
	case ParamNorm:
		return "norm"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Differentiable is an op that training can pass through: it declares its backward beside its forward.
type Differentiable interface {
	Op
	// ParamKinds returns, for each input of a node with these inputs, whether it is a trained parameter
	// and of which kind.
	ParamKinds(in []*Value) []ParamKind
	// CompileTrain returns the training form of the op for these values (shapes at the program's batch
	// size). The forward pass runs the kernels inference runs (float32), or the generic reference
	// kernels (float64, or Options.Reference).
	CompileTrain(in, out []*Value, tc *TrainContext) (TrainKernel, error)
}

// TrainContext is what a node's training kernel knows of its program.
type TrainContext struct {
	Options
	// Frozen: the node's parameters are not trained, and batch norm normalises with its moving
	// statistics instead of the batch's.
	Frozen bool
	// BNMomentum is the decay of batch norm's moving statistics (TensorFlow's sense).
	BNMomentum float64
}

// TrainKernel runs one node of a training program.
type TrainKernel interface {
	// Forward fills out from in, keeping what Backward needs.
	Forward(in, out []*tensor.Tensor) error
	// Backward overwrites dIn[i] with the gradient of the loss with respect to input i, for each
	// non-nil dIn[i] (activations that need a gradient and trained parameters), from dOut, the
	// gradients of the outputs. in and out hold the values of the last Forward. Backward may overwrite
	// dOut.
	Backward(in, out, dOut, dIn []*tensor.Tensor) error
}

// ActFuser is a training kernel that can apply the activation of the node that follows it itself (a
// batch norm followed by ReLU6): its output then holds the activated values, and its backward masks
// the gradient.
type ActFuser interface {
	FuseAct(a Act) bool
}

// TrainOptions choose how a graph is compiled for training.
type TrainOptions struct {
	// Batch is the number of images of every step (1 when zero).
	Batch int
	// Threads is how many parts each large kernel is split into; 0 means one per core.
	Threads int
	// Reference runs every op on its reference kernel.
	Reference bool
	// BNMomentum is the decay of batch norm's moving statistics; 0 means 0.99.
	BNMomentum float64
	// Frozen reports whether a node's parameters are frozen; nil trains every parameter.
	Frozen func(n *Node) bool
	// Losses attach to values of the graph (any value, not only outputs).
	Losses []Loss
	// InputGrads computes the gradients of the graph's inputs too.
	InputGrads bool
	// MaxBytes bounds the memory of activations and gradients; 0 means DefaultMaxBytes.
	MaxBytes int64
}

// Param is one trained tensor: a constant of the graph, updated in place by the optimizer, and its
// gradient after Backward.
type Param struct {
	Value     *Value
	ID        int       // the value's id in the graph
	Kind      ParamKind // the kind its first consumer gives it
	Trainable bool      // false when every node reading it is frozen
	Grad      *tensor.Tensor
}

// TrainProgram is a graph compiled for training at one batch size: every activation kept for the
// backward pass, a gradient buffer for every value on a path from a trained parameter to a loss.
type TrainProgram struct {
	g          *Graph
	batch      int
	vals       []*Value
	acts       []*tensor.Tensor // per value: its tensor (constants: their data)
	grads      []*tensor.Tensor // per value: its gradient, where one is needed
	kernels    []TrainKernel    // per node; nil for a node fused into its producer
	ins        [][]*tensor.Tensor
	outs       [][]*tensor.Tensor
	dOuts      [][]*tensor.Tensor // per node: its outputs' gradients (zeros where an output has none)
	dIns       [][]*tensor.Tensor // per node: where Backward writes each input's gradient, or nil
	adds       [][]accumulate     // per node: scratch gradients to add into their value's after Backward
	runBack    []bool             // per node: whether its backward runs
	params     []*Param
	losses     []*lossSlot
	observe    [][]observer // per node: the values it computes that callers observe
	computedBy []int        // per value: the node whose kernel fills its storage (−1: none)
	fused      map[int]bool // values an activation was fused into: their storage holds the activated values
	bytes      int64
}

// accumulate adds a scratch gradient into the gradient of a value read by several nodes.
type accumulate struct {
	from, to *tensor.Tensor
}

// CompileTrain compiles g for training with opt. Every node must be Differentiable, except those whose
// results no loss and no trained node reads (a detector's post-process): they are left out, not run.
func CompileTrain(g *Graph, opt TrainOptions) (*TrainProgram, error) {
	if opt.Batch < 1 {
		opt.Batch = 1
	}
	if opt.BNMomentum == 0 {
		opt.BNMomentum = 0.99
	}
	if !(opt.BNMomentum > 0 && opt.BNMomentum < 1) {
		return nil, fmt.Errorf("graph: batch norm momentum %g out of range (0, 1)", opt.BNMomentum)
	}
	// Shapes at the batch size, and the order checks, come from the inference compiler's rules.
	vals, err := instantiate(g, opt.Batch)
	if err != nil {
		return nil, err
	}
	p := &TrainProgram{g: g, batch: opt.Batch, vals: vals, acts: make([]*tensor.Tensor, len(g.Values)),
		grads: make([]*tensor.Tensor, len(g.Values)), kernels: make([]TrainKernel, len(g.Nodes)),
		ins: make([][]*tensor.Tensor, len(g.Nodes)), outs: make([][]*tensor.Tensor, len(g.Nodes)),
		dOuts: make([][]*tensor.Tensor, len(g.Nodes)), dIns: make([][]*tensor.Tensor, len(g.Nodes)),
		adds: make([][]accumulate, len(g.Nodes)), runBack: make([]bool, len(g.Nodes)), observe: make([][]observer, len(g.Nodes)),
		computedBy: make([]int, len(g.Values)), fused: map[int]bool{}}
	for i := range p.computedBy {
		p.computedBy[i] = -1
	}
	limit := opt.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	alloc := func(v *Value) (*tensor.Tensor, error) {
		n, err := v.Shape.Elems()
		if err != nil {
			return nil, fmt.Errorf("graph: value %q: %w", v.Name, err)
		}
		p.bytes += int64(n) * int64(v.DType.Size())
		if p.bytes > limit {
			return nil, fmt.Errorf("graph: training needs more than %d bytes of activations and gradients at batch %d", limit, opt.Batch)
		}
		t, err := tensor.New(v.DType, v.Shape)
		if err != nil {
			return nil, err
		}
		t.Quant = v.Quant
		return t, nil
	}

	// Which nodes train, and the kind of each parameter.
	kinds := make([][]ParamKind, len(g.Nodes))
	frozen := make([]bool, len(g.Nodes))
	paramOf := map[int]*Param{}
	for ni, n := range g.Nodes {
		d, ok := n.Op.(Differentiable)
		if !ok {
			// Left out of training (a detector's post-process): allowed where no loss and no
			// trained node reads what it computes, checked below.
			kinds[ni] = make([]ParamKind, len(n.Inputs))
			continue
		}
		kinds[ni] = d.ParamKinds(p.values(n.Inputs))
		frozen[ni] = opt.Frozen != nil && opt.Frozen(n)
		for i, id := range n.Inputs {
			if id < 0 || kinds[ni][i] == NotParam {
				continue
			}
			v := g.Values[id]
			if !v.Const() || !v.DType.Float() {
				return nil, fmt.Errorf("graph: node %s: input %q is a parameter but not a float constant", n.Name, v.Name)
			}
			pr := paramOf[id]
			if pr == nil {
				pr = &Param{Value: v, ID: id, Kind: kinds[ni][i]}
				paramOf[id] = pr
				p.params = append(p.params, pr)
			}
			pr.Trainable = pr.Trainable || !frozen[ni]
		}
	}

	// up: the value depends on a trained parameter or on an input whose gradient is wanted.
	up := make([]bool, len(g.Values))
	if opt.InputGrads {
		for _, id := range g.Inputs {
			up[id] = true
		}
	}
	for ni, n := range g.Nodes {
		any := false
		for i, id := range n.Inputs {
			if id < 0 {
				continue
			}
			if kinds[ni][i] != NotParam {
				any = any || (paramOf[id].Trainable && !frozen[ni])
			} else if !g.Values[id].Const() {
				any = any || up[id]
			}
		}
		_, diff := n.Op.(Differentiable)
		for _, id := range n.Outputs {
			up[id] = any && diff
		}
	}
	// down: a loss depends on the value.
	down := make([]bool, len(g.Values))
	for i, l := range opt.Losses {
		if l.Value < 0 || l.Value >= len(g.Values) || g.Values[l.Value].Const() {
			return nil, fmt.Errorf("graph: loss %d reads value %d, which is not an activation of the graph", i, l.Value)
		}
		down[l.Value] = true
	}
	for ni := len(g.Nodes) - 1; ni >= 0; ni-- {
		n := g.Nodes[ni]
		for _, id := range n.Outputs {
			p.runBack[ni] = p.runBack[ni] || (down[id] && up[id])
		}
		if p.runBack[ni] {
			for _, id := range n.Inputs {
				if id >= 0 {
					down[id] = true
				}
			}
		}
	}

	// Kernels, with an activation fused into its producer where it is the only reader of a value that
	// nothing else looks at.
	consumers := g.Consumers()
	special := map[int]bool{}
	for _, id := range g.Outputs {
		special[id] = true
	}
	for _, l := range opt.Losses {
		special[l.Value] = true
	}
	alias := map[int]int{} // a fused activation's output → its input, whose storage it shares
	producer := make([]int, len(g.Values))
	for i := range producer {
		producer[i] = -1
	}
	for ni, n := range g.Nodes {
		for _, id := range n.Outputs {
			producer[id], p.computedBy[id] = ni, ni
		}
		tc := &TrainContext{Options: Options{Batch: opt.Batch, Threads: opt.Threads, Reference: opt.Reference, MaxBytes: opt.MaxBytes},
			Frozen: frozen[ni], BNMomentum: opt.BNMomentum}
		if a, ok := n.Op.(*Activation); ok && len(n.Inputs) == 1 && n.Inputs[0] >= 0 {
			x := n.Inputs[0]
			if pi := producer[x]; pi >= 0 && len(consumers[x]) == 1 && !special[x] && p.kernels[pi] != nil {
				if f, ok := p.kernels[pi].(ActFuser); ok && f.FuseAct(a.Act) {
					alias[n.Outputs[0]], p.fused[x], p.computedBy[n.Outputs[0]] = x, true, pi
					p.runBack[ni] = false
					continue
				}
			}
		}
		d, ok := n.Op.(Differentiable)
		if !ok {
			for _, id := range n.Outputs {
				if down[id] || len(consumers[id]) > 0 && !leftOut(g, consumers[id]) {
					reason := Refusal(n.Op, ColBackward)
					if reason == "" {
						reason = "it has no backward pass"
					}
					return nil, fmt.Errorf("graph: node %s (%s) cannot be trained, and training needs what it computes: %s", n.Name, n.Op.Type(), reason)
				}
			}
			continue
		}
		k, err := d.CompileTrain(p.values(n.Inputs), p.values(n.Outputs), tc)
		if err != nil {
			return nil, fmt.Errorf("graph: node %d %s (%s): %w", ni, n.Name, n.Op.Type(), err)
		}
		p.kernels[ni] = k
	}

	// Storage: every activation, and gradients where up and down meet.
	for i, v := range g.Values {
		if v.Const() {
			p.acts[i] = v.Data
			continue
		}
		if _, ok := alias[i]; ok || vals[i] == nil {
			continue
		}
		if p.acts[i], err = alloc(vals[i]); err != nil {
			return nil, err
		}
		if up[i] && down[i] {
			if p.grads[i], err = alloc(vals[i]); err != nil {
				return nil, err
			}
		}
	}
	for y, x := range alias {
		p.acts[y] = p.acts[x]
		if p.grads[x] == nil && up[y] && down[y] {
			if p.grads[x], err = alloc(vals[x]); err != nil {
				return nil, err
			}
		}
		p.grads[y] = p.grads[x]
	}
	for _, pr := range p.params {
		if pr.Trainable {
			if pr.Grad, err = alloc(pr.Value); err != nil {
				return nil, err
			}
			p.grads[pr.ID] = pr.Grad
		}
	}

	// Bindings. A value's gradient is overwritten by its first contributor in backward order (its loss,
	// else its last reader) and accumulated by the others through scratch buffers.
	written := make([]bool, len(g.Values))
	for _, l := range opt.Losses {
		written[l.Value] = true
	}
	for ni := len(g.Nodes) - 1; ni >= 0; ni-- {
		n := g.Nodes[ni]
		p.ins[ni] = p.bind(p.acts, n.Inputs)
		p.outs[ni] = p.bind(p.acts, n.Outputs)
		if !p.runBack[ni] || p.kernels[ni] == nil {
			continue
		}
		p.dOuts[ni] = make([]*tensor.Tensor, len(n.Outputs))
		for i, id := range n.Outputs {
			if p.grads[id] != nil {
				p.dOuts[ni][i] = p.grads[id]
			} else if p.dOuts[ni][i], err = alloc(p.vals[id]); err != nil { // stays zero
				return nil, err
			}
		}
		p.dIns[ni] = make([]*tensor.Tensor, len(n.Inputs))
		for i, id := range n.Inputs {
			if id < 0 || p.grads[id] == nil || (kinds[ni][i] != NotParam && frozen[ni]) {
				continue
			}
			if !written[id] {
				p.dIns[ni][i], written[id] = p.grads[id], true
				continue
			}
			s, err := alloc(p.vals[id])
			if err != nil {
				return nil, err
			}
			p.dIns[ni][i] = s
			p.adds[ni] = append(p.adds[ni], accumulate{from: s, to: p.grads[id]})
		}
	}
	// A parameter or value that no node wrote (all its readers frozen) keeps a zero gradient.
	for _, l := range opt.Losses {
		ls, err := p.newLoss(l)
		if err != nil {
			return nil, err
		}
		p.losses = append(p.losses, ls)
	}
	return p, nil
}

// leftOut reports whether every node of nodes is left out of training (not Differentiable).
func leftOut(g *Graph, nodes []int) bool {
	for _, ni := range nodes {
		if _, ok := g.Nodes[ni].Op.(Differentiable); ok {
			return false
		}
	}
	return true
}

// instantiate returns g's values with their shapes at the batch size, checking what Compile checks:
// every node's inputs computed before it, every value produced once, declared shapes agreeing with the
// shape rules.
func instantiate(g *Graph, batch int) ([]*Value, error) {
	p := &Program{g: g, batch: batch, vals: make([]*Value, len(g.Values))}
	ready := make([]bool, len(g.Values))
	for i, v := range g.Values {
		if v.Const() {
			p.vals[i], ready[i] = v, true
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
		p.vals[id] = p.instance(v, v.Shape.WithBatch(batch))
		ready[id] = true
	}
	for ni, n := range g.Nodes {
		if err := p.shapeNode(n, ready); err != nil {
			return nil, fmt.Errorf("graph: node %d %s (%s): %w", ni, n.Name, n.Op.Type(), err)
		}
	}
	for _, id := range g.Outputs {
		if id < 0 || id >= len(g.Values) || !ready[id] {
			return nil, fmt.Errorf("graph: output value %d is never computed", id)
		}
	}
	return p.vals, nil
}

func (p *TrainProgram) values(ids []int) []*Value { return pick(p.vals, ids) }

func (p *TrainProgram) bind(ts []*tensor.Tensor, ids []int) []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(ids))
	for i, id := range ids {
		if id >= 0 {
			out[i] = ts[id]
		}
	}
	return out
}

// Batch returns the batch size of every step.
func (p *TrainProgram) Batch() int { return p.batch }

// Params returns the graph's parameters (trainable or frozen), in the order their nodes first read them.
func (p *TrainProgram) Params() []*Param { return p.params }

// Value returns the tensor of value id after the last Forward (activations at the batch size).
func (p *TrainProgram) Value(id int) *tensor.Tensor { return p.acts[id] }

// Grad returns the gradient of value id after the last Backward, or nil when none is computed.
func (p *TrainProgram) Grad(id int) *tensor.Tensor { return p.grads[id] }

// Bytes returns the memory of the program's activations and gradients.
func (p *TrainProgram) Bytes() int64 { return p.bytes }

// Forward runs the graph on inputs (one per graph input, at the batch size) in training mode: batch
// norm normalises with the batch's statistics and updates its moving ones, except in frozen nodes.
func (p *TrainProgram) Forward(inputs ...*tensor.Tensor) (err error) {
	defer recoverKernel(&err)
	if len(inputs) != len(p.g.Inputs) {
		return fmt.Errorf("graph: %d inputs given, the model takes %d", len(inputs), len(p.g.Inputs))
	}
	for i, id := range p.g.Inputs {
		v := p.vals[id]
		if inputs[i].DType != v.DType {
			return fmt.Errorf("graph: input %q is %v, the model takes %v", v.Name, inputs[i].DType, v.DType)
		}
		if err := p.acts[id].CopyFrom(inputs[i]); err != nil {
			return fmt.Errorf("graph: input %q: %w", v.Name, err)
		}
	}
	for ni, k := range p.kernels {
		if k == nil {
			continue
		}
		if err := k.Forward(p.ins[ni], p.outs[ni]); err != nil {
			n := p.g.Nodes[ni]
			return fmt.Errorf("graph: node %s (%s): %w", n.Name, n.Op.Type(), err)
		}
		for _, o := range p.observe[ni] {
			o.fn(o.id, p.acts[o.id])
		}
	}
	return nil
}

// Backward computes the gradient of the losses (as last evaluated by Loss) with respect to every
// trained parameter and every value on the way.
func (p *TrainProgram) Backward() (err error) {
	defer recoverKernel(&err)
	for ni := len(p.kernels) - 1; ni >= 0; ni-- {
		k := p.kernels[ni]
		if k == nil || !p.runBack[ni] {
			continue
		}
		if err := k.Backward(p.ins[ni], p.outs[ni], p.dOuts[ni], p.dIns[ni]); err != nil {
			n := p.g.Nodes[ni]
			return fmt.Errorf("graph: backward of node %s (%s): %w", n.Name, n.Op.Type(), err)
		}
		for _, a := range p.adds[ni] {
			addInto(a.to, a.from)
		}
	}
	return nil
}

// addInto adds src to dst elementwise (float32 or float64).
func addInto(dst, src *tensor.Tensor) {
	if dst.DType == tensor.Float64 {
		for i, v := range src.F64 {
			dst.F64[i] += v
		}
		return
	}
	for i, v := range src.F32 {
		dst.F32[i] += v
	}
}

// Observe calls fn with the tensor of value id each time a Forward computes it (fn must not keep the
// tensor: it is the program's). It does not change the graph's outputs.
func (p *TrainProgram) Observe(id int, fn func(id int, t *tensor.Tensor)) error {
	if id < 0 || id >= len(p.g.Values) {
		return fmt.Errorf("graph: value %d out of range", id)
	}
	if p.fused[id] {
		return fmt.Errorf("graph: value %q has its activation fused in and cannot be observed; observe the activation's output", p.g.Values[id].Name)
	}
	ni := p.computedBy[id]
	if ni < 0 {
		return fmt.Errorf("graph: value %q is not computed by a node", p.g.Values[id].Name)
	}
	p.observe[ni] = append(p.observe[ni], observer{id: id, fn: fn})
	return nil
}
