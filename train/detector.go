package train

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train/detdata"
)

// detector is an SSD being trained, as the Object Detection API trains it (FACTS §8): the graph
// compiled for training (graph.CompileTrain, the one engine) with a sigmoid cross-entropy on its class
// logits and a smooth L1 (δ 1) on its box encodings, both normalised by the number of matched anchors;
// targets from the argmax matcher at IoU 0.5 with each box forced to its best anchor, encoded with the
// post-process's scales; hard negative mining keeping negPerPos negatives per positive, the ones with
// the largest classification loss.
type detector struct {
	g                    *graph.Graph
	prog                 *graph.TrainProgram
	input, boxes, logits int
	anchors              []detect.Anchor
	coder                detect.Options // the box coder's scales
	columns              int            // logits per anchor: classes + 1, background first
	negPerPos            int
	x                    *tensor.Tensor

	clsT, clsW, locT, locW []float32 // the step's targets and weights
	negLoss                []float32
	order                  []int
}

// detectorAnchors returns the anchors of g's post-process (a constant, 8-bit or float).
func detectorAnchors(g *graph.Graph, post *graph.Node) ([]detect.Anchor, error) {
	v := g.Values[post.Inputs[2]]
	if !v.Const() || len(v.Shape) != 2 || v.Shape[1] != 4 {
		return nil, fmt.Errorf("train: the detector's anchors %q are not a constant [A, 4]", v.Name)
	}
	f, err := v.Data.Dequantize()
	if err != nil {
		return nil, fmt.Errorf("train: anchors: %w", err)
	}
	a := make([]detect.Anchor, v.Shape[0])
	for i := range a {
		a[i] = detect.Anchor{YC: f[4*i], XC: f[4*i+1], H: f[4*i+2], W: f[4*i+3]}
	}
	return a, nil
}

// newDetector compiles g (an ssd graph: ssd.Build or ssd.FromOfficial) for training.
func newDetector(g *graph.Graph, opt netOptions, negPerPos int) (*detector, error) {
	boxes, logits, post, err := ssd.Heads(g)
	if err != nil {
		return nil, err
	}
	anchors, err := detectorAnchors(g, post)
	if err != nil {
		return nil, err
	}
	if len(g.Inputs) != 1 {
		return nil, fmt.Errorf("train: the detector has %d inputs, want 1", len(g.Inputs))
	}
	prog, err := graph.CompileTrain(g, graph.TrainOptions{Batch: opt.batch, Threads: max(opt.threads, 1), Reference: opt.reference,
		BNMomentum: opt.bnMomentum, Frozen: opt.frozen,
		Losses: []graph.Loss{{Value: logits, Kind: graph.SigmoidCrossEntropy}, {Value: boxes, Kind: graph.SmoothL1, Delta: 1}}})
	if err != nil {
		return nil, err
	}
	ls, bs := prog.Value(logits).Shape, prog.Value(boxes).Shape
	if len(ls) != 3 || len(bs) != 3 || ls[1] != len(anchors) || bs[1] != len(anchors) || bs[2] != 4 {
		return nil, fmt.Errorf("train: the detector's heads are %v and %v for %d anchors", bs, ls, len(anchors))
	}
	x, err := tensor.New(tensor.Float32, g.Values[g.Inputs[0]].Shape.WithBatch(opt.batch))
	if err != nil {
		return nil, err
	}
	po := post.Op.(*graph.DetectionPostProcess).Options
	n := opt.batch * len(anchors)
	d := &detector{g: g, prog: prog, input: g.Inputs[0], boxes: boxes, logits: logits, anchors: anchors, coder: po,
		columns: ls[2], negPerPos: negPerPos, x: x,
		clsT: make([]float32, n*ls[2]), clsW: make([]float32, n*ls[2]), locT: make([]float32, n*4), locW: make([]float32, n*4),
		negLoss: make([]float32, len(anchors))}
	return d, nil
}

// step runs the forward and backward passes of one full batch: x holds its pixels, boxes each image's
// boxes (relative corners). It returns the total loss and the number of matched anchors.
func (d *detector) step(x []float32, boxes [][]detdata.NormBox) (float64, int, error) {
	batch := d.prog.Batch()
	if len(boxes) != batch {
		return 0, 0, fmt.Errorf("train: a batch of %d images, the program takes %d", len(boxes), batch)
	}
	// The program copies its input into its own buffer: the batch's pixels are given as they are.
	if n := d.x.Shape.Size(); len(x) < n {
		return 0, 0, fmt.Errorf("train: %d pixel values for a batch of %d", len(x), n)
	} else {
		d.x.F32 = x[:n:n]
	}
	if err := d.prog.Forward(d.x); err != nil {
		return 0, 0, err
	}
	clear(d.clsT)
	clear(d.clsW)
	clear(d.locT)
	clear(d.locW)
	z := d.prog.Value(d.logits).F32
	a, k := len(d.anchors), d.columns
	positives := 0
	var gt []detect.Box
	for b, bs := range boxes {
		gt = gt[:0]
		for _, nb := range bs {
			gt = append(gt, detect.Box{YMin: nb.YMin, XMin: nb.XMin, YMax: nb.YMax, XMax: nb.XMax})
		}
		match := detect.Match(d.anchors, gt, 0.5)
		d.order = d.order[:0]
		np := 0
		for i, m := range match {
			row := (b*a + i) * k
			if m < 0 {
				d.clsT[row] = 1 // background
				d.negLoss[i] = backgroundLoss(z[row : row+k])
				d.order = append(d.order, i)
				continue
			}
			np++
			d.clsT[row+1+bs[m].Class] = 1
			weightRow(d.clsW[row:row+k], 1)
			e := detect.Encode(gt[m], d.anchors[i], d.coder)
			copy(d.locT[(b*a+i)*4:], e[:])
			weightRow(d.locW[(b*a+i)*4:(b*a+i)*4+4], 1)
		}
		// Hard negative mining: the negPerPos·np negatives the network is most wrong about.
		slices.SortStableFunc(d.order, func(i, j int) int { return cmp.Compare(d.negLoss[j], d.negLoss[i]) })
		for _, i := range d.order[:min(len(d.order), d.negPerPos*np)] {
			row := (b*a + i) * k
			weightRow(d.clsW[row:row+k], 1)
		}
		positives += np
	}
	norm := float64(max(positives, 1))
	if err := d.prog.SetTarget(0, graph.Target{Values: d.clsT, Weights: d.clsW, Norm: norm}); err != nil {
		return 0, 0, err
	}
	if err := d.prog.SetTarget(1, graph.Target{Values: d.locT, Weights: d.locW, Norm: norm}); err != nil {
		return 0, 0, err
	}
	loss, _, err := d.prog.Loss(true)
	if err != nil {
		return 0, 0, err
	}
	return loss, positives, d.prog.Backward()
}

func weightRow(w []float32, v float32) {
	for i := range w {
		w[i] = v
	}
}

// backgroundLoss is the sigmoid cross-entropy of an anchor's logits against the background target
// (1 in column 0, 0 elsewhere): the score hard negative mining ranks negatives by.
func backgroundLoss(z []float32) float32 {
	var s float64
	for c, v := range z {
		x := float64(v)
		t := 0.0
		if c == 0 {
			t = 1
		}
		s += math.Max(x, 0) - x*t + math.Log1p(math.Exp(-math.Abs(x)))
	}
	return float32(s)
}
