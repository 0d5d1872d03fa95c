package train

import (
	"context"
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train/data"
)

// Metrics are the results of evaluating a network on a labelled set.
type Metrics struct {
	N         int       // examples evaluated
	Loss      float64   // mean cross-entropy (no label smoothing)
	Accuracy  float64   // fraction of examples whose top-1 class is the label
	PerClass  []float64 // per class: the fraction of its examples classified correctly (NaN for none)
	Confusion [][]int   // Confusion[true][predicted] counts
	Classes   []string
}

// EvalOptions choose how Evaluate runs.
type EvalOptions struct {
	Batch   int  // images per forward pass; 0 means 100
	Threads int  // 0 means 1
	Resize  bool // fit images of another size by resizing rather than centring
}

// Evaluate runs g (a network in training form, batch norm using its moving statistics) over ds and
// returns its loss, accuracy, per-class accuracy and confusion matrix. The network's class count must
// equal the dataset's. It runs the inference kernels, as classify does.
func Evaluate(ctx context.Context, g *graph.Graph, ds data.Dataset, opt EvalOptions) (*Metrics, error) {
	if opt.Batch <= 0 {
		opt.Batch = 100
	}
	ev, err := newEvaluator(g, ds, opt.Batch, max(opt.Threads, 1), opt.Resize)
	if err != nil {
		return nil, err
	}
	return ev.run(ctx, g)
}

// evaluator runs a classifier's inference program over a labelled set.
type evaluator struct {
	ld      *data.Loader
	batch   int
	threads int
	input   int
	logits  int
	classes int
}

// newEvaluator prepares the evaluation of g on ds, in order, unaugmented, fitted to g's input.
func newEvaluator(g *graph.Graph, ds data.Dataset, batch, threads int, resize bool) (*evaluator, error) {
	input, logits, err := logitsOf(g)
	if err != nil {
		return nil, err
	}
	in := g.Values[input].Shape
	info := ds.Info()
	if info.C != in[3] {
		return nil, fmt.Errorf("train: the images have %d channels, the network takes %d", info.C, in[3])
	}
	classes := g.Values[logits].Shape[1]
	if len(info.Classes) != classes {
		return nil, fmt.Errorf("train: the dataset has %d classes, the network %d", len(info.Classes), classes)
	}
	ld, err := data.NewLoader(ds, data.LoaderOptions{H: in[1], W: in[2], Resize: resize, Batch: batch})
	if err != nil {
		return nil, err
	}
	return &evaluator{ld: ld, batch: batch, threads: threads, input: input, logits: logits, classes: classes}, nil
}

// run evaluates g's current weights: it compiles the inference program (the weights are packed then)
// with the logits as output, and runs it over every batch; a last, partial batch is padded with zeros,
// which every op treats independently of the real images.
func (e *evaluator) run(ctx context.Context, g *graph.Graph) (*Metrics, error) {
	eg := *g
	eg.Outputs = []int{e.logits}
	prog, err := graph.Compile(&eg, graph.Options{Batch: e.batch, Threads: e.threads})
	if err != nil {
		return nil, err
	}
	x, err := tensor.New(tensor.Float32, g.Values[e.input].Shape.WithBatch(e.batch))
	if err != nil {
		return nil, err
	}
	classes := e.ld.Info().Classes
	k := len(classes)
	m := &Metrics{Classes: classes, Confusion: make([][]int, k), PerClass: make([]float64, k)}
	for i := range m.Confusion {
		m.Confusion[i] = make([]int, k)
	}
	var lossSum float64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range e.ld.Epoch(ctx, 0, 0) {
		n := copy(x.F32, b.X[:b.N*(x.Len()/e.batch)])
		clear(x.F32[n:])
		out, err := prog.Run(x)
		if err != nil {
			return nil, err
		}
		z := out[0].F32[:b.N*k]
		lossSum += ref.SoftmaxCrossEntropy(z, k, b.Labels[:b.N], 0, nil) * float64(b.N)
		for r, label := range b.Labels[:b.N] {
			m.Confusion[label][argmax(z[r*k:(r+1)*k])]++
		}
		m.N += b.N
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	right := 0
	for c := range m.Confusion {
		total := 0
		for _, v := range m.Confusion[c] {
			total += v
		}
		right += m.Confusion[c][c]
		m.PerClass[c] = float64(m.Confusion[c][c]) / float64(total)
	}
	if m.N > 0 {
		m.Loss = lossSum / float64(m.N)
		m.Accuracy = float64(right) / float64(m.N)
	}
	return m, nil
}
