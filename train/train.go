package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/optim"
)

// Config describes a training run. Zero fields take the defaults listed.
type Config struct {
	// Model is the architecture of the network trained: α, resolution, input channels and the seed of
	// its initial weights; the class count comes from the data. Ignored when resuming.
	Model mobilenetv1.Config
	// Arch is the classifier's architecture (models/zoo): "" or "v1" MobileNet V1, "v2", "v3-large" or
	// "v3-small", each built with Model's α, resolution, channels and seed. Ignored when resuming.
	Arch string
	// Init, when not nil, gives initial weights, copied by name (see mobilenetv1.CopyWeights for the
	// official models): a classifier of another class count is replaced by a new head, and RGB weights
	// of the first convolution are summed for a grey network. Ignored when resuming.
	Init *graph.Graph
	// Resume names a checkpoint to continue from: its network, optimizer state and position. The seed,
	// batch size, optimizer and class names must be the checkpoint's (they are checked); the data
	// options (Train, Limit, ValSplit, Augment, Resize) must be too for the run to continue exactly
	// as it would have.
	Resume string

	Train    data.Dataset // the training examples
	Val      data.Dataset // validated after each epoch; nil for none (or see ValSplit)
	ValSplit float64      // when Val is nil, this fraction of Train, drawn from Seed, validates instead
	Limit    int          // train on this many examples of Train, drawn from Seed (0: all)
	Resize   bool         // fit images of another size to the resolution by resizing, not centring

	Epochs         int // 0 means 1
	Batch          int // 0 means 64
	Optimizer      optim.Config
	Schedule       optim.Schedule // Base 0 means 0.001 (Adam, AdamW) or 0.01; cosine Epochs 0 means Epochs
	WeightDecay    float64        // L2 (AdamW: decoupled) on convolution and classifier weights; 0 means 4e-5 (TF-slim), < 0 none
	DepthwiseDecay float64        // on depthwise filters (none by default, as the paper advises)
	NormDecay      float64        // on batch norm γ and β, and on biases (none by default)
	LabelSmoothing float64
	BNMomentum     float64 // decay of the batch norm moving statistics (TensorFlow's sense); 0 means 0.99
	FreezeBackbone bool    // train only the classifier; batch norm keeps its moving statistics
	Augment        data.Augment

	Seed    uint64
	Threads int // parts each kernel is split into on the worker pool; 0 means 1
	// Reference trains with the reference kernels (plain Go loops, the specification) instead of the
	// fast ones: many times slower, but the same bits on every machine (the fast kernels' results
	// depend on the instruction set). A run is reproducible on one machine either way.
	Reference bool

	Checkpoint      string // written after every epoch, every CheckpointEvery steps and when stopped
	CheckpointEvery int
}

// StepInfo reports one training step.
type StepInfo struct {
	Epoch, Step  int   // the epoch, and the batch within it (from 0)
	Steps        int   // batches per epoch
	GlobalStep   int64 // batches done in all, this one included
	Loss         float64
	Accuracy     float64 // of this batch
	LR           float64
	ImagesPerSec float64 // over the epoch so far
}

// EpochInfo reports one epoch.
type EpochInfo struct {
	Epoch        int // from 0
	TrainLoss    float64
	TrainAcc     float64
	Val          *Metrics          // a classifier's validation; nil without
	Detection    *DetectionMetrics // a detector's validation; nil without
	LR           float64           // at the end of the epoch
	Elapsed      time.Duration
	ImagesPerSec float64 // training images per second of the epoch's training steps
}

// Callbacks are called as training proceeds (each may be nil).
type Callbacks struct {
	Step  func(StepInfo)
	Epoch func(EpochInfo)
}

// Result is the outcome of Run.
type Result struct {
	Graph   *graph.Graph // the trained network, training form (graph.Fold gives its inference form)
	Labels  []string
	Epochs  []EpochInfo // the epochs completed by this call
	State   State       // where the run stands
	Stopped bool        // the context ended the run early
}

// Run trains a network as cfg says. When ctx ends it stops after the current step, writes a checkpoint
// (if cfg.Checkpoint is set) and returns the result so far with ctx's error.
func Run(ctx context.Context, cfg Config, cb Callbacks) (*Result, error) {
	r, err := setup(cfg)
	if err != nil {
		return nil, err
	}
	return r.run(ctx, cb)
}

// runner is a prepared run, of a classifier or a detector: the loop (run) sees only its steps and its
// validation.
type runner struct {
	cfg      Config
	g        *graph.Graph
	opt      *optim.Optimizer
	sched    optim.Schedule
	steps    func(ctx context.Context, epoch, from int) <-chan pendingStep  // the steps of an epoch, from a position
	validate func(ctx context.Context) (*Metrics, *DetectionMetrics, error) // nil: no validation
	state    State
	labels   []string
	perStep  int
}

// pendingStep is one training step ready to run: its batch is prepared, run computes the gradients
// and returns the mean loss and, for a classifier, how many images it got right.
type pendingStep struct {
	index, n int
	run      func() (loss float64, right int, err error)
}

// adapt turns a channel of batches into a channel of steps.
func adapt[B any](ctx context.Context, in <-chan B, step func(B) pendingStep) <-chan pendingStep {
	out := make(chan pendingStep)
	go func() {
		defer close(out)
		for b := range in {
			select {
			case out <- step(b):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}

// defaults fills in cfg's zero fields and checks the options common to every run.
func (cfg *Config) defaults() error {
	if cfg.Epochs == 0 {
		cfg.Epochs = 1
	}
	if cfg.Batch == 0 {
		cfg.Batch = 64
	}
	if cfg.BNMomentum == 0 {
		cfg.BNMomentum = 0.99
	}
	switch {
	case cfg.WeightDecay == 0:
		cfg.WeightDecay = 4e-5
	case cfg.WeightDecay < 0:
		cfg.WeightDecay = 0
	}
	cfg.Optimizer = cfg.Optimizer.Defaults()
	if cfg.Schedule.Base == 0 {
		cfg.Schedule.Base = 0.01
		if cfg.Optimizer.Kind == optim.Adam || cfg.Optimizer.Kind == optim.AdamW {
			cfg.Schedule.Base = 0.001
		}
	}
	if cfg.Schedule.Decay == optim.Cosine && cfg.Schedule.Epochs == 0 {
		cfg.Schedule.Epochs = float64(cfg.Epochs)
	}
	switch {
	case cfg.Epochs < 0 || cfg.Batch < 0:
		return fmt.Errorf("train: epochs %d and batch %d must not be negative", cfg.Epochs, cfg.Batch)
	case !(cfg.LabelSmoothing >= 0 && cfg.LabelSmoothing < 1):
		return fmt.Errorf("train: label smoothing %g out of range [0, 1)", cfg.LabelSmoothing)
	case !(cfg.BNMomentum > 0 && cfg.BNMomentum < 1):
		return fmt.Errorf("train: batch norm momentum %g out of range (0, 1)", cfg.BNMomentum)
	case !(cfg.DepthwiseDecay >= 0 && cfg.NormDecay >= 0) || math.IsNaN(cfg.WeightDecay):
		return errors.New("train: depthwise and norm decays must not be negative")
	}
	if err := cfg.Optimizer.Check(); err != nil {
		return err
	}
	if err := cfg.Schedule.Check(); err != nil {
		return err
	}
	return nil
}

func setup(cfg Config) (*runner, error) {
	if cfg.Train == nil {
		return nil, errors.New("train: no training data")
	}
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	r := &runner{cfg: cfg, sched: cfg.Schedule}
	trainSet, valSet := data.Limit(cfg.Train, cfg.Limit, cfg.Seed), cfg.Val
	if valSet == nil && cfg.ValSplit != 0 {
		var err error
		if trainSet, valSet, err = data.Split(trainSet, cfg.ValSplit, cfg.Seed); err != nil {
			return nil, err
		}
	}
	r.labels = trainSet.Info().Classes
	var optState map[string][]float32
	if cfg.Resume != "" {
		builder, err := archBuilder(cfg.Arch)
		if err != nil {
			return nil, err
		}
		ck, err := resumeFrom(cfg, r.labels, builder)
		if err != nil {
			return nil, err
		}
		r.g, r.state, optState = ck.Graph, *ck.State, ck.Optimizer
	} else {
		builder, err := archBuilder(cfg.Arch)
		if err != nil {
			return nil, err
		}
		g, _, err := newModel(builder, cfg.Model, len(r.labels), cfg.Init)
		if err != nil {
			return nil, err
		}
		mc, _ := cfg.Model.WithDefaults()
		mc.Classes = len(r.labels)
		r.g = g
		r.state = State{Model: mc, Labels: r.labels, Seed: cfg.Seed, Batch: cfg.Batch}
		if builder != checkpoint.MobileNetV1 {
			r.state.Builder = builder
		}
	}
	in := r.g.Values[r.g.Inputs[0]].Shape
	if c := trainSet.Info().C; c != in[3] {
		return nil, fmt.Errorf("train: the images have %d channels, the network takes %d", c, in[3])
	}
	var frozen func(*graph.Node) bool
	if cfg.FreezeBackbone {
		head := headNode(r.g)
		frozen = func(n *graph.Node) bool { return n != head }
	}
	net, err := newClassifier(r.g, netOptions{batch: cfg.Batch, threads: cfg.Threads, reference: cfg.Reference,
		bnMomentum: cfg.BNMomentum, smoothing: cfg.LabelSmoothing, frozen: frozen})
	if err != nil {
		return nil, err
	}
	if err := r.optimizer(net.prog, optState); err != nil {
		return nil, err
	}
	loader, err := data.NewLoader(trainSet, data.LoaderOptions{H: in[1], W: in[2], Resize: cfg.Resize, Batch: cfg.Batch,
		Shuffle: true, DropLast: true, Augment: cfg.Augment, Seed: cfg.Seed})
	if err != nil {
		return nil, err
	}
	r.steps = func(ctx context.Context, epoch, from int) <-chan pendingStep {
		return adapt(ctx, loader.Epoch(ctx, epoch, from), func(b *data.Batch) pendingStep {
			return pendingStep{index: b.Index, n: b.N, run: func() (float64, int, error) { return net.step(b.X, b.Labels[:b.N]) }}
		})
	}
	if valSet != nil {
		val, err := newEvaluator(r.g, valSet, cfg.Batch, max(cfg.Threads, 1), cfg.Resize)
		if err != nil {
			return nil, err
		}
		r.validate = func(ctx context.Context) (*Metrics, *DetectionMetrics, error) {
			m, err := val.run(ctx, r.g)
			return m, nil, err
		}
	}
	r.perStep = loader.Batches()
	return r, nil
}

// optimizer creates the run's optimizer over prog's trained parameters, with their decay groups, and
// restores its state when resuming.
func (r *runner) optimizer(prog *graph.TrainProgram, optState map[string][]float32) error {
	cfg := &r.cfg
	var params []optim.Param
	for _, p := range prog.Params() {
		if !p.Trainable {
			continue
		}
		decay := cfg.NormDecay
		switch p.Kind {
		case graph.ParamWeights:
			decay = cfg.WeightDecay
		case graph.ParamDepthwise:
			decay = cfg.DepthwiseDecay
		}
		params = append(params, optim.Param{Name: p.Value.Name, Data: p.Value.Data.F32, Grad: p.Grad.F32, Decay: decay})
	}
	var err error
	if r.opt, err = optim.New(cfg.Optimizer, params); err != nil {
		return err
	}
	optJSON, _ := json.Marshal(r.opt.Config())
	if cfg.Resume != "" {
		if r.state.Optimizer != string(optJSON) {
			return fmt.Errorf("train: the checkpoint's optimizer is %s, this run's %s", r.state.Optimizer, optJSON)
		}
		if err := r.opt.Restore(optState, r.state.GlobalStep); err != nil {
			return fmt.Errorf("train: %s: %v", cfg.Resume, err)
		}
	}
	r.state.Optimizer = string(optJSON)
	return nil
}

// resumeFrom loads cfg.Resume and checks it continues this run: the same builder, classes, seed and
// batch size.
func resumeFrom(cfg Config, labels []string, builder string) (*Checkpoint, error) {
	ck, err := LoadCheckpoint(cfg.Resume)
	if err != nil {
		return nil, err
	}
	if b := ck.State.Builder; b != builder {
		return nil, fmt.Errorf("train: %s is a %s checkpoint; this run trains %s", cfg.Resume, b, builder)
	}
	if err := sameLabels(ck.State.Labels, labels); err != nil {
		return nil, err
	}
	if ck.State.Seed != cfg.Seed || ck.State.Batch != cfg.Batch {
		return nil, fmt.Errorf("train: the checkpoint was trained with seed %d and batch %d, this run has %d and %d; the data order would differ",
			ck.State.Seed, ck.State.Batch, cfg.Seed, cfg.Batch)
	}
	return ck, nil
}

func sameLabels(a, b []string) error {
	if len(a) != len(b) {
		return fmt.Errorf("train: the checkpoint has %d classes, the data %d", len(a), len(b))
	}
	for i := range a {
		if a[i] != b[i] {
			return fmt.Errorf("train: class %d is %q in the checkpoint, %q in the data", i, a[i], b[i])
		}
	}
	return nil
}

// lr returns the learning rate of the step after global step s.
func (r *runner) lr(s int64) float64 { return r.sched.At(float64(s+1) / float64(r.perStep)) }

// save writes the checkpoint, unless a weight or an optimizer state holds NaN or ±Inf: a diverged run
// never replaces the last good checkpoint.
func (r *runner) save() error {
	if r.cfg.Checkpoint == "" {
		return nil
	}
	opt := r.opt.State()
	for _, v := range r.g.Values {
		if v.Const() && v.Data.DType == tensor.Float32 {
			if err := r.finite(v.Name, v.Data.F32); err != nil {
				return err
			}
		}
	}
	for name, vals := range opt {
		if err := r.finite(optimizerPrefix+name, vals); err != nil {
			return err
		}
	}
	return SaveCheckpoint(r.cfg.Checkpoint, r.g, &r.state, opt)
}

// finite returns the error of a diverged run when vals, the tensor name, holds NaN or ±Inf.
func (r *runner) finite(name string, vals []float32) error {
	for _, x := range vals {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return r.diverged(fmt.Sprintf("%s holds %v: the weights are not finite", name, x))
		}
	}
	return nil
}

// diverged is the error that stops a run whose loss or weights stopped being finite.
func (r *runner) diverged(what string) error {
	msg := fmt.Sprintf("train: %s, at step %d of epoch %d; lower the learning rate", what, r.state.Step, r.state.Epoch+1)
	if r.cfg.Checkpoint != "" {
		msg += "; " + r.cfg.Checkpoint + " was not replaced"
	}
	return errors.New(msg)
}

func (r *runner) run(ctx context.Context, cb Callbacks) (*Result, error) {
	res := &Result{Graph: r.g, Labels: r.labels}
	st := &r.state
	for st.Epoch < r.cfg.Epochs {
		start := time.Now()
		var busy time.Duration
		seenAtStart := st.EpochSeen
		ectx, cancel := context.WithCancel(ctx)
		steps := r.steps(ectx, st.Epoch, st.Step)
		for {
			if ctx.Err() != nil {
				break
			}
			b, ok := <-steps
			if !ok {
				break
			}
			t0 := time.Now()
			lr := r.lr(st.GlobalStep)
			loss, right, err := b.run()
			if err == nil && (math.IsNaN(loss) || math.IsInf(loss, 0)) {
				err = r.diverged(fmt.Sprintf("the loss became %v: it is not finite", loss))
			}
			if err != nil {
				cancel()
				return res, err
			}
			r.opt.Step(lr)
			busy += time.Since(t0)
			st.Step++
			st.GlobalStep++
			st.EpochLoss += loss * float64(b.n)
			st.EpochCorrect += right
			st.EpochSeen += b.n
			if cb.Step != nil {
				cb.Step(StepInfo{Epoch: st.Epoch, Step: b.index, Steps: r.perStep, GlobalStep: st.GlobalStep, Loss: loss,
					Accuracy: float64(right) / float64(b.n), LR: lr, ImagesPerSec: float64(st.EpochSeen-seenAtStart) / busy.Seconds()})
			}
			if r.cfg.CheckpointEvery > 0 && st.GlobalStep%int64(r.cfg.CheckpointEvery) == 0 && st.Step < r.perStep {
				if err := r.save(); err != nil {
					cancel()
					return res, err
				}
			}
		}
		cancel()
		if err := ctx.Err(); err != nil {
			res.Stopped, res.State = true, *st
			if serr := r.save(); serr != nil {
				return res, serr
			}
			return res, err
		}
		info := EpochInfo{Epoch: st.Epoch, LR: r.lr(st.GlobalStep - 1), Elapsed: time.Since(start)}
		if st.EpochSeen > 0 {
			info.TrainLoss = st.EpochLoss / float64(st.EpochSeen)
			info.TrainAcc = float64(st.EpochCorrect) / float64(st.EpochSeen)
		}
		if busy > 0 {
			info.ImagesPerSec = float64(st.EpochSeen-seenAtStart) / busy.Seconds()
		}
		if r.validate != nil {
			m, dm, err := r.validate(ctx)
			if err != nil && ctx.Err() == nil {
				return res, err
			}
			info.Val, info.Detection = m, dm
		}
		info.Elapsed = time.Since(start)
		st.Epoch++
		st.Step, st.EpochLoss, st.EpochCorrect, st.EpochSeen = 0, 0, 0, 0
		if err := r.save(); err != nil {
			return res, err
		}
		res.Epochs = append(res.Epochs, info)
		if cb.Epoch != nil {
			cb.Epoch(info)
		}
	}
	res.State = *st
	return res, nil
}
