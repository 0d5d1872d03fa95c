package train

import (
	"context"
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
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
// equal the dataset's.
func Evaluate(ctx context.Context, g *graph.Graph, ds data.Dataset, opt EvalOptions) (*Metrics, error) {
	if opt.Batch <= 0 {
		opt.Batch = 100
	}
	tp, err := newTape(g, tapeOptions{batch: opt.Batch, threads: opt.Threads, trainable: func(*graph.Node) bool { return false }})
	if err != nil {
		return nil, err
	}
	ld, err := evalLoader(tp, ds, opt.Batch, opt.Resize)
	if err != nil {
		return nil, err
	}
	return tp.evaluate(ctx, ld)
}

// evalLoader returns a loader giving ds in order, unaugmented, fitted to the tape's input.
func evalLoader(tp *tape, ds data.Dataset, batch int, resize bool) (*data.Loader, error) {
	in := tp.input.shape
	info := ds.Info()
	if info.C != in[3] {
		return nil, fmt.Errorf("train: the images have %d channels, the network takes %d", info.C, in[3])
	}
	if len(info.Classes) != tp.logits.per {
		return nil, fmt.Errorf("train: the dataset has %d classes, the network %d", len(info.Classes), tp.logits.per)
	}
	return data.NewLoader(ds, data.LoaderOptions{H: in[1], W: in[2], Resize: resize, Batch: batch})
}

// evaluate runs the tape in inference mode over every batch of ld.
func (t *tape) evaluate(ctx context.Context, ld *data.Loader) (*Metrics, error) {
	classes := ld.Info().Classes
	k := len(classes)
	m := &Metrics{Classes: classes, Confusion: make([][]int, k), PerClass: make([]float64, k)}
	for i := range m.Confusion {
		m.Confusion[i] = make([]int, k)
	}
	var lossSum float64
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range ld.Epoch(ctx, 0, 0) {
		t.forward(b.X, b.N, false)
		l, _ := t.loss(b.Labels, 0, false)
		lossSum += l * float64(b.N)
		z := t.logits.act
		for r, label := range b.Labels {
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
