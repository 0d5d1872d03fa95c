package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// classifier is a network being trained as a classifier: the graph compiled for training
// (graph.CompileTrain, the one engine) with a softmax cross-entropy on its logits, the input of the
// final softmax (or the single output when there is none).
type classifier struct {
	g       *graph.Graph
	prog    *graph.TrainProgram
	input   int // value ids
	logits  int
	classes int
	x       *tensor.Tensor // the batch's pixels as the program's input (a view of the loader's batch)
}

// netOptions choose how a classifier is compiled.
type netOptions struct {
	batch      int
	threads    int
	reference  bool // the reference kernels (the specification; slow)
	bnMomentum float64
	smoothing  float64
	// frozen reports whether a node's parameters are frozen; nil trains every parameter.
	frozen func(n *graph.Node) bool
}

// logitsOf returns g's input and the value its classification loss reads: the input of a final
// softmax, else the single output. The logits must be [N, classes].
func logitsOf(g *graph.Graph) (input, logits int, err error) {
	if len(g.Inputs) != 1 || len(g.Outputs) != 1 {
		return 0, 0, fmt.Errorf("train: the graph has %d inputs and %d outputs, a classifier has 1 and 1", len(g.Inputs), len(g.Outputs))
	}
	input, logits = g.Inputs[0], g.Outputs[0]
	if in := g.Values[input]; !in.DType.Float() || len(in.Shape) != 4 {
		return 0, 0, fmt.Errorf("train: input %q is %v %v, want float NHWC", in.Name, in.DType, in.Shape)
	}
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.Softmax); ok && len(n.Outputs) == 1 && n.Outputs[0] == logits {
			logits = n.Inputs[0]
		}
	}
	if s := g.Values[logits].Shape; len(s) != 2 {
		return 0, 0, fmt.Errorf("train: logits have shape %v, want [N classes]", s)
	}
	return input, logits, nil
}

// newClassifier compiles g for training as a classifier.
func newClassifier(g *graph.Graph, opt netOptions) (*classifier, error) {
	input, logits, err := logitsOf(g)
	if err != nil {
		return nil, err
	}
	prog, err := graph.CompileTrain(g, graph.TrainOptions{Batch: opt.batch, Threads: max(opt.threads, 1), Reference: opt.reference,
		BNMomentum: opt.bnMomentum, Frozen: opt.frozen,
		Losses: []graph.Loss{{Value: logits, Kind: graph.SoftmaxCrossEntropy, Smoothing: opt.smoothing}}})
	if err != nil {
		return nil, err
	}
	x, err := tensor.New(tensor.Float32, g.Values[input].Shape.WithBatch(opt.batch))
	if err != nil {
		return nil, err
	}
	return &classifier{g: g, prog: prog, input: input, logits: logits, classes: g.Values[logits].Shape[1], x: x}, nil
}

// step runs one training step's forward and backward passes on a full batch: x holds its pixels
// (NHWC), labels its classes. It returns the mean loss and how many rows the network got right.
func (c *classifier) step(x []float32, labels []int) (float64, int, error) {
	if len(labels) != c.prog.Batch() {
		return 0, 0, fmt.Errorf("train: a batch of %d images, the program takes %d", len(labels), c.prog.Batch())
	}
	// The program copies its input into its own buffer: the batch's pixels are given as they are.
	if n := c.x.Shape.Size(); len(x) < n {
		return 0, 0, fmt.Errorf("train: %d pixel values for a batch of %d", len(x), n)
	} else {
		c.x.F32 = x[:n:n]
	}
	if err := c.prog.Forward(c.x); err != nil {
		return 0, 0, err
	}
	if err := c.prog.SetTarget(0, graph.Target{Labels: labels}); err != nil {
		return 0, 0, err
	}
	loss, _, err := c.prog.Loss(true)
	if err != nil {
		return 0, 0, err
	}
	if err := c.prog.Backward(); err != nil {
		return 0, 0, err
	}
	return loss, correct(c.prog.Value(c.logits).F32, c.classes, labels), nil
}

// correct counts the rows of z (depth k) whose first largest value is at the label's index.
func correct(z []float32, k int, labels []int) int {
	c := 0
	for r, l := range labels {
		if argmax(z[r*k:(r+1)*k]) == l {
			c++
		}
	}
	return c
}

// argmax returns the index of the first largest value of v.
func argmax(v []float32) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
