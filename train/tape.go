package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// ParamKind says what a trained tensor is, which decides its weight decay group.
type ParamKind int

// The kinds of trained tensors.
const (
	KindWeights   ParamKind = iota // convolution and fully connected weights
	KindDepthwise                  // depthwise convolution filters
	KindBias                       // biases
	KindNorm                       // batch norm γ and β
)

// String names the kind.
func (k ParamKind) String() string {
	switch k {
	case KindWeights:
		return "weights"
	case KindDepthwise:
		return "depthwise"
	case KindBias:
		return "bias"
	case KindNorm:
		return "norm"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Param is one trained tensor: a constant value of the graph, updated in place, and its gradient.
type Param struct {
	Value     *graph.Value
	Kind      ParamKind
	Trainable bool      // false when frozen
	Grad      []float32 // the gradient of the last backward pass (nil when frozen)
}

// Data returns the parameter's values (the graph constant's storage).
func (p *Param) Data() []float32 { return p.Value.Data.F32 }

// slot holds a value of the graph during training: its activation for a batch and its gradient.
type slot struct {
	shape    tensor.Shape // at batch 1
	per      int          // elements per image
	act      []float32    // batch·per activations (nil for constants)
	grad     []float32    // batch·per gradients, where needGrad
	needGrad bool         // some trainable parameter lies before it
}

// step is one node of the graph made trainable.
type step interface {
	// forward computes the node's outputs for the tape's current batch; train selects training
	// behaviour (batch statistics).
	forward(t *tape, train bool)
	// backward computes the gradients of the node's inputs that need one and of its trainable
	// parameters from the gradients of its outputs.
	backward(t *tape)
}

// tape runs a graph forward keeping every activation, then backward in reverse node order.
type tape struct {
	g          *graph.Graph
	batch      int // capacity, in images
	n          int // images in the current batch
	w          *workers
	bnMomentum float32

	slots    []*slot
	producer map[*slot]step // the step computing each activation
	steps    []step
	nodes    []*graph.Node
	params   []*Param
	byVal    map[*graph.Value]*Param

	input  *slot
	logits *slot // the input of the final softmax (or the output when there is none)
	head   *softmaxStep

	scratch [2][]float32 // shared buffers for transposes
}

// tapeOptions choose how a tape is built.
type tapeOptions struct {
	batch      int
	threads    int
	pureGo     bool // the plain-Go matrix product (the same bits on every machine)
	bnMomentum float32
	// trainable reports whether the parameter of a node is trained; nil trains every parameter.
	trainable func(n *graph.Node) bool
	// inputGrad makes backward compute the gradient of the graph's input too.
	inputGrad bool
}

// newTape prepares g for training at up to opt.batch images per step. The graph must be a chain of
// supported ops from its single input to its single output; its constants are the parameters.
func newTape(g *graph.Graph, opt tapeOptions) (*tape, error) {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return nil, fmt.Errorf("train: the graph has %d inputs and %d outputs, want 1 and 1", len(g.Inputs), len(g.Outputs))
	}
	t := &tape{g: g, batch: max(opt.batch, 1), w: &workers{n: max(opt.threads, 1), pureGo: opt.pureGo}, bnMomentum: opt.bnMomentum,
		slots: make([]*slot, len(g.Values)), producer: map[*slot]step{}, byVal: map[*graph.Value]*Param{}}
	in := g.Values[g.Inputs[0]]
	if in.DType != tensor.Float32 || len(in.Shape) != 4 {
		return nil, fmt.Errorf("train: input %q is %v %v, want float32 NHWC", in.Name, in.DType, in.Shape)
	}
	t.input = t.newSlot(in)
	if opt.inputGrad {
		t.input.needGrad, t.input.grad = true, make([]float32, len(t.input.act))
	}
	t.slots[g.Inputs[0]] = t.input
	consumers := g.Consumers()
	for _, n := range g.Nodes {
		for i, id := range n.Inputs {
			if id < 0 {
				continue
			}
			if id >= len(g.Values) {
				return nil, fmt.Errorf("train: node %s: input %d is value %d, out of range", n.Name, i, id)
			}
			v := g.Values[id]
			if !v.Const() && t.slots[id] == nil {
				return nil, fmt.Errorf("train: node %s: input %q is not computed before it", n.Name, v.Name)
			}
			if !v.Const() && len(consumers[id]) > 1 {
				return nil, fmt.Errorf("train: value %q feeds %d nodes; only chains are supported", v.Name, len(consumers[id]))
			}
		}
		if err := checkShapes(g, n, t.slots); err != nil {
			return nil, err
		}
		train := opt.trainable == nil || opt.trainable(n)
		s, err := newStep(t, n, train)
		if err != nil {
			return nil, err
		}
		t.steps = append(t.steps, s)
		t.nodes = append(t.nodes, n)
		t.producer[t.slots[n.Outputs[0]]] = s
	}
	out := t.slots[g.Outputs[0]]
	if out == nil {
		return nil, fmt.Errorf("train: the graph's output is never computed")
	}
	if t.head == nil {
		t.logits = out
	} else if t.head.y != out {
		return nil, fmt.Errorf("train: a softmax must be the graph's last node")
	}
	if len(t.logits.shape) != 2 {
		return nil, fmt.Errorf("train: logits have shape %v, want [N classes]", t.logits.shape)
	}
	if t.logits.needGrad && t.logits.grad == nil {
		t.logits.grad = make([]float32, t.batch*t.logits.per)
	}
	return t, nil
}

// checkShapes returns an error unless node n has one output, a new activation value whose declared
// shape (at batch 1) is what the op's shape rule gives for its inputs: the steps size their loops from
// the declared shapes.
func checkShapes(g *graph.Graph, n *graph.Node, slots []*slot) error {
	if len(n.Outputs) != 1 {
		return fmt.Errorf("train: node %s has %d outputs, want 1", n.Name, len(n.Outputs))
	}
	out := n.Outputs[0]
	if out < 0 || out >= len(g.Values) || g.Values[out].Const() || slots[out] != nil {
		return fmt.Errorf("train: node %s: output value %d is out of range, a constant or computed twice", n.Name, out)
	}
	in := make([]*graph.Value, len(n.Inputs))
	for i, id := range n.Inputs {
		if id >= 0 {
			in[i] = g.Values[id]
		}
	}
	shapes, err := n.Op.Shapes(in)
	if err != nil {
		return fmt.Errorf("train: node %s (%s): %v", n.Name, n.Op.Type(), err)
	}
	if want := g.Values[out].Shape; len(shapes) != 1 || len(want) < 2 || !shapes[0].Equal(want) {
		return fmt.Errorf("train: node %s: output shape %v does not follow from its inputs (%v)", n.Name, want, shapes)
	}
	return nil
}

// newSlot allocates the activation storage of an activation value.
func (t *tape) newSlot(v *graph.Value) *slot {
	per := v.Shape[1:].Size()
	return &slot{shape: v.Shape, per: per, act: make([]float32, t.batch*per)}
}

// output allocates the slot of node n's output, which needs a gradient when any input does or when
// the node trains a parameter.
func (t *tape) output(n *graph.Node, trains bool) *slot {
	s := t.newSlot(t.g.Values[n.Outputs[0]])
	for _, id := range n.Inputs {
		if id >= 0 && t.slots[id] != nil && t.slots[id].needGrad {
			s.needGrad = true
		}
	}
	s.needGrad = s.needGrad || trains
	if s.needGrad {
		s.grad = make([]float32, len(s.act))
	}
	t.slots[n.Outputs[0]] = s
	return s
}

// in returns the slot of node n's i-th input, which must be an activation.
func (t *tape) in(n *graph.Node, i int) (*slot, error) {
	if i >= len(n.Inputs) || n.Inputs[i] < 0 || t.slots[n.Inputs[i]] == nil {
		return nil, fmt.Errorf("train: node %s: input %d must be an activation", n.Name, i)
	}
	return t.slots[n.Inputs[i]], nil
}

// param registers node n's i-th input, a float32 constant, as a parameter of the given kind; it returns
// nil when the input is absent.
func (t *tape) param(n *graph.Node, i int, kind ParamKind, trainable bool) (*Param, error) {
	if i >= len(n.Inputs) || n.Inputs[i] < 0 {
		return nil, nil
	}
	v := t.g.Values[n.Inputs[i]]
	if !v.Const() || v.DType != tensor.Float32 || v.Data.DType != tensor.Float32 {
		return nil, fmt.Errorf("train: node %s: input %q must be a float32 constant", n.Name, v.Name)
	}
	if p := t.byVal[v]; p != nil {
		return nil, fmt.Errorf("train: constant %q is used by two nodes", v.Name)
	}
	p := &Param{Value: v, Kind: kind, Trainable: trainable}
	if trainable {
		p.Grad = make([]float32, len(v.Data.F32))
	}
	t.byVal[v] = p
	t.params = append(t.params, p)
	return p, nil
}

// constant returns the float32 data of node n's i-th input, a constant that is not trained (batch
// norm's moving statistics).
func (t *tape) constant(n *graph.Node, i int) ([]float32, error) {
	if i >= len(n.Inputs) || n.Inputs[i] < 0 {
		return nil, fmt.Errorf("train: node %s: input %d is missing", n.Name, i)
	}
	v := t.g.Values[n.Inputs[i]]
	if !v.Const() || v.Data.DType != tensor.Float32 {
		return nil, fmt.Errorf("train: node %s: input %q must be a float32 constant", n.Name, v.Name)
	}
	return v.Data.F32, nil
}

// scratchPair returns two shared scratch buffers of at least na and nb floats.
func (t *tape) scratchPair(na, nb int) ([]float32, []float32) {
	if len(t.scratch[0]) < na {
		t.scratch[0] = make([]float32, na)
	}
	if len(t.scratch[1]) < nb {
		t.scratch[1] = make([]float32, nb)
	}
	return t.scratch[0][:na], t.scratch[1][:nb]
}

// forward runs the graph on n images whose pixels (n·per floats, NHWC) are x.
func (t *tape) forward(x []float32, n int, train bool) {
	t.n = n
	copy(t.input.act, x[:n*t.input.per])
	for _, s := range t.steps {
		s.forward(t, train)
	}
}

// backward runs the backward passes in reverse order, from the gradient of the logits.
func (t *tape) backward() {
	for i := len(t.steps) - 1; i >= 0; i-- {
		if t.slots[t.nodes[i].Outputs[0]].needGrad {
			t.steps[i].backward(t)
		}
	}
}

// rows returns the current batch's number of rows (pixels) of a slot with c channels.
func (t *tape) rows(s *slot) int { return t.n * s.per / s.shape[len(s.shape)-1] }
