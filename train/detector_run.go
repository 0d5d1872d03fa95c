package train

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/detect/eval"
	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train/detdata"
)

// DetectorConfig describes the training run of an SSD detector. The common options (epochs, batch,
// optimizer, schedule, decays, seed, threads, checkpoints, resume) are Config's; Config's classifier
// fields (Model, Init, Train, Val, Limit, Resize, LabelSmoothing, FreezeBackbone, Augment) are not
// used.
type DetectorConfig struct {
	Config
	// Detector is the architecture of a new detector (ssd.Build); its classes come from the data.
	Detector ssd.Config
	// Start, when not nil, is the starting detector instead (ssd.FromOfficial), built from Detector.
	Start *graph.Graph
	// Boxes are the training images and their boxes; ValBoxes validates after each epoch (nil: a
	// seeded ValSplit of Boxes, 0.1 when ValSplit is 0).
	Boxes, ValBoxes *detdata.Set
	// BoxAugment turns on SSD's random crop, flips and photometric distortion.
	BoxAugment bool
	// NegativesPerPositive is hard negative mining's ratio; 0 means 3.
	NegativesPerPositive int
	// Best, when not empty, is where the checkpoint of the best validation mAP@0.5 so far is kept.
	Best string
}

// DetectionMetrics are a detector's results on a set of images with boxes, from the evaluation
// post-process (score ≥ 1e-8, IoU 0.6, 100 per class, 100 in all) and COCO's metrics.
type DetectionMetrics struct {
	Images, Boxes   int
	MAP             float64   // COCO AP@[.5:.95]
	MAP50, MAP75    float64   // COCO AP at IoU 0.5 and 0.75
	PerClass        []float64 // AP@0.5 of each class (NaN for a class with no box)
	Classes         []string
	Stats           [12]float64 // COCO's twelve numbers, in pycocotools' order
	GroundTruth     []eval.GroundTruth
	DetectionsFound []eval.Detection
}

// evalPostProcess is the Object Detection API's evaluation post-process (FACTS §8).
func evalPostProcess(classes int, coder detect.Options) detect.Options {
	return detect.Options{MaxDetections: 100, MaxClassesPerDetection: 1, DetectionsPerClass: 100, NumClasses: classes,
		UseRegularNMS: true, ScoreThreshold: 1e-8, IoUThreshold: 0.6,
		YScale: coder.YScale, XScale: coder.XScale, HScale: coder.HScale, WScale: coder.WScale}
}

// EvaluateDetector runs g (an SSD detector) over set and returns its COCO metrics. It runs the
// inference kernels on the box encodings and logits, then the evaluation post-process; boxes are
// compared in pixels of the original images.
func EvaluateDetector(ctx context.Context, g *graph.Graph, set *detdata.Set, batch, threads int) (*DetectionMetrics, error) {
	boxes, logits, post, err := ssd.Heads(g)
	if err != nil {
		return nil, err
	}
	anchors, err := detectorAnchors(g, post)
	if err != nil {
		return nil, err
	}
	coder := post.Op.(*graph.DetectionPostProcess).Options
	columns := g.Values[logits].Shape[len(g.Values[logits].Shape)-1]
	if columns != len(set.Classes)+1 {
		return nil, fmt.Errorf("train: the detector has %d classes, the data %d", columns-1, len(set.Classes))
	}
	size := g.Values[g.Inputs[0]].Shape[1]
	ld, err := detdata.NewLoader(set, detdata.LoaderOptions{Size: size, Batch: batch})
	if err != nil {
		return nil, err
	}
	eg := *g
	eg.Outputs = []int{boxes, logits}
	prog, err := graph.Compile(&eg, graph.Options{Batch: batch, Threads: max(threads, 1)})
	if err != nil {
		return nil, err
	}
	x, err := tensor.New(tensor.Float32, g.Values[g.Inputs[0]].Shape.WithBatch(batch))
	if err != nil {
		return nil, err
	}
	o := evalPostProcess(columns-1, coder)
	m := &DetectionMetrics{Classes: set.Classes}
	a := len(anchors)
	scores := make([]float32, a*columns)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for b := range ld.Epoch(ctx, 0, 0) {
		if b.Err != nil {
			return nil, b.Err
		}
		n := copy(x.F32, b.X[:b.N*(x.Len()/batch)])
		clear(x.F32[n:])
		out, err := prog.Run(x)
		if err != nil {
			return nil, err
		}
		for i := 0; i < b.N; i++ {
			sample := set.Samples[b.Samples[i]]
			image := b.Samples[i]
			enc := out[0].F32[i*a*4 : (i+1)*a*4]
			for j, z := range out[1].F32[i*a*columns : (i+1)*a*columns] {
				scores[j] = float32(1 / (1 + math.Exp(-float64(z))))
			}
			w, h := float64(sample.Width), float64(sample.Height)
			for _, d := range detect.RegularNMS(detect.Decode(enc, 4, anchors, o), scores, columns, o) {
				box := eval.Box{X: float64(d.Box.XMin) * w, Y: float64(d.Box.YMin) * h,
					W: float64(d.Box.XMax-d.Box.XMin) * w, H: float64(d.Box.YMax-d.Box.YMin) * h}
				m.DetectionsFound = append(m.DetectionsFound, eval.Detection{Image: image, Category: d.Class, Box: box, Score: float64(d.Score)})
			}
			for _, gb := range sample.Boxes {
				box := eval.Box{X: gb.XMin, Y: gb.YMin, W: gb.XMax - gb.XMin, H: gb.YMax - gb.YMin}
				m.GroundTruth = append(m.GroundTruth, eval.GroundTruth{Image: image, Category: gb.Class, Box: box, Area: box.Area(), Ignore: gb.Difficult})
				m.Boxes++
			}
			m.Images++
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	images := make([]int, len(set.Samples))
	for i := range images {
		images[i] = i
	}
	categories := make([]int, len(set.Classes))
	for i := range categories {
		categories[i] = i
	}
	res, err := eval.COCO(m.GroundTruth, m.DetectionsFound, images, categories)
	if err != nil {
		return nil, err
	}
	m.Stats = res.Stats
	m.MAP, m.MAP50, m.MAP75 = res.Stats[0], res.Stats[1], res.Stats[2]
	m.PerClass = make([]float64, len(set.Classes))
	for c := range m.PerClass {
		m.PerClass[c] = math.NaN()
		if ap, ok := res.PerCategory[c]; ok && ap.AP50 >= 0 {
			m.PerClass[c] = ap.AP50
		}
	}
	return m, nil
}

// RunDetector trains an SSD detector as cfg says (see Run for the loop, the checkpoints and stopping).
func RunDetector(ctx context.Context, cfg DetectorConfig, cb Callbacks) (*Result, error) {
	r, err := setupDetector(cfg)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, cb)
}

func setupDetector(dc DetectorConfig) (*runner, error) {
	cfg := dc.Config
	if dc.Boxes == nil {
		return nil, errors.New("train: no training images")
	}
	if cfg.Batch == 0 {
		cfg.Batch = 16
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if dc.NegativesPerPositive == 0 {
		dc.NegativesPerPositive = 3
	}
	trainSet, valSet := dc.Boxes, dc.ValBoxes
	if valSet == nil {
		split := cfg.ValSplit
		if split == 0 {
			split = 0.1
		}
		var err error
		if trainSet, valSet, err = dc.Boxes.Split(split, cfg.Seed); err != nil {
			return nil, err
		}
	}
	r := &runner{cfg: cfg, sched: cfg.Schedule, labels: trainSet.Classes}
	var optState map[string][]float32
	if cfg.Resume != "" {
		ck, err := resumeFrom(cfg, r.labels, checkpoint.SSDMobileNetV1)
		if err != nil {
			return nil, err
		}
		r.g, r.state, optState = ck.Graph, *ck.State, ck.Optimizer
	} else {
		c := dc.Detector
		c.Classes = len(r.labels)
		g := dc.Start
		if g == nil {
			var err error
			if g, err = ssd.Build(c); err != nil {
				return nil, err
			}
		}
		r.g = g
		r.state = State{Builder: checkpoint.SSDMobileNetV1, Detector: c, Labels: r.labels, Seed: cfg.Seed, Batch: cfg.Batch}
	}
	size := r.g.Values[r.g.Inputs[0]].Shape[1]
	det, err := newDetector(r.g, netOptions{batch: cfg.Batch, threads: cfg.Threads, reference: cfg.Reference, bnMomentum: cfg.BNMomentum}, dc.NegativesPerPositive)
	if err != nil {
		return nil, err
	}
	if err := r.optimizer(det.prog, optState); err != nil {
		return nil, err
	}
	loader, err := detdata.NewLoader(trainSet, detdata.LoaderOptions{Size: size, Batch: cfg.Batch, Shuffle: true, DropLast: true,
		Augment: dc.BoxAugment, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	r.steps = func(ctx context.Context, epoch, from int) <-chan pendingStep {
		return adapt(ctx, loader.Epoch(ctx, epoch, from), func(b *detdata.Batch) pendingStep {
			return pendingStep{index: b.Index, n: b.N, run: func() (float64, int, error) {
				if b.Err != nil {
					return 0, 0, b.Err
				}
				loss, _, err := det.step(b.X, b.Boxes)
				return loss, 0, err
			}}
		})
	}
	best := -1.0
	r.validate = func(ctx context.Context) (*Metrics, *DetectionMetrics, error) {
		m, err := EvaluateDetector(ctx, r.g, valSet, cfg.Batch, cfg.Threads)
		if err != nil {
			return nil, nil, err
		}
		if dc.Best != "" && m.MAP50 > best {
			best = m.MAP50
			if err := SaveCheckpoint(dc.Best, r.g, &r.state, nil); err != nil {
				return nil, nil, err
			}
		}
		return nil, m, nil
	}
	r.perStep = loader.Batches()
	if r.perStep == 0 {
		return nil, fmt.Errorf("train: %d training images make no batch of %d", len(trainSet.Samples), cfg.Batch)
	}
	return r, nil
}
