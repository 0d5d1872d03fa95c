package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/tensor"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/optim"
	"github.com/mobilenet-go/mobilenet/train/plots"
)

// dataset is what --data names: the training set and, where the data has one, its test set.
type dataset struct {
	train, test data.Dataset
	idx         bool // IDX files (28×28 grey digits-style data) rather than an image folder
}

// idxNames are the file names of an IDX dataset directory (MNIST, Fashion-MNIST), each with or without .gz.
var idxNames = map[string][2]string{
	"train": {"train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
	"test":  {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
}

// findIDX returns the path of an IDX file in dir, gzipped or not, or "".
func findIDX(dir, name string) string {
	for _, n := range []string{name + ".gz", name} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return filepath.Join(dir, n)
		}
	}
	return ""
}

// loadData reads --data: a directory of IDX files, or an image folder with one sub-folder per class
// (resized to res×res with the given channels). Class names of IDX data come from labelsPath, else
// labels.txt beside the files, else Fashion-MNIST's names for a directory named like it, else the label
// numbers; an image folder names its classes by its sub-folders.
func loadData(path string, res, channels int, labelsPath string) (*dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--data %s: not a directory (want IDX files or one sub-folder per class)", path)
	}
	if findIDX(path, idxNames["train"][0]) == "" && findIDX(path, idxNames["test"][0]) == "" {
		set, err := data.LoadFolder(path, data.FolderOptions{H: res, W: res, Channels: channels, Threads: runtime.NumCPU()})
		if err != nil {
			return nil, err
		}
		return &dataset{train: set}, nil
	}
	var classes []string
	if labelsPath == "" {
		labelsPath = filepath.Join(path, "labels.txt")
		if _, err := os.Stat(labelsPath); err != nil {
			labelsPath = ""
		}
	}
	if labelsPath == "" && strings.Contains(strings.ToLower(filepath.Base(filepath.Clean(path))), "fashion") {
		classes = data.FashionMNIST
	}
	if labelsPath != "" {
		b, err := os.ReadFile(labelsPath)
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(strings.TrimRight(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n"), "\n") {
			classes = append(classes, strings.TrimSpace(l))
		}
	}
	ds := &dataset{idx: true}
	for split, names := range idxNames {
		im, lb := findIDX(path, names[0]), findIDX(path, names[1])
		if im == "" || lb == "" {
			continue
		}
		set, err := data.LoadIDX(im, lb, classes)
		if err != nil {
			return nil, err
		}
		if split == "train" {
			ds.train = set
		} else {
			ds.test = set
		}
	}
	if ds.train == nil && ds.test == nil {
		return nil, fmt.Errorf("--data %s: IDX images without their labels file", path)
	}
	return ds, nil
}

// fromModel reads --from: the official float .tflite MobileNet V1 or a checkpoint, and the
// architecture it has (α from Conv2d_0's filters, resolution and channels from its input).
func fromModel(path string) (*graph.Graph, mobilenetv1.Config, error) {
	if strings.HasSuffix(path, ".safetensors") {
		ck, err := train.LoadCheckpoint(path)
		if err != nil {
			return nil, mobilenetv1.Config{}, err
		}
		return ck.Graph, ck.State.Model, nil
	}
	m, err := tflite.ReadFile(path)
	if err != nil {
		return nil, mobilenetv1.Config{}, err
	}
	g, err := m.Graph()
	if err != nil {
		return nil, mobilenetv1.Config{}, err
	}
	in := g.Values[g.Inputs[0]]
	if in.DType != tensor.Float32 || len(in.Shape) != 4 || in.Shape[1] != in.Shape[2] {
		return nil, mobilenetv1.Config{}, fmt.Errorf("--from %s: want a float32 MobileNet V1 with a square input, got %v %v", path, in.DType, in.Shape)
	}
	var first *graph.Node
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.Conv2D); ok {
			first = n
			break
		}
	}
	if first == nil {
		return nil, mobilenetv1.Config{}, fmt.Errorf("--from %s: no convolution", path)
	}
	alpha := float64(g.Input(first, 1).Shape[0]) / mobilenetv1.FirstDepth
	out := g.Values[g.Outputs[0]].Shape
	arch := mobilenetv1.Config{Alpha: alpha, Resolution: in.Shape[1], Channels: in.Shape[3], Classes: out[len(out)-1]}
	// The builder's network, given the official weights (batch norm already folded into them).
	init, err := mobilenetv1.Build(arch)
	if err != nil {
		return nil, arch, fmt.Errorf("--from %s: %w", path, err)
	}
	if err := mobilenetv1.CopyWeights(init, g); err != nil {
		return nil, arch, fmt.Errorf("--from %s: %w", path, err)
	}
	return init, arch, nil
}

// epochJSON is one --json log line of train.
type epochJSON struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	TrainAcc     float64 `json:"train_accuracy"`
	ValLoss      float64 `json:"val_loss,omitempty"`
	ValAcc       float64 `json:"val_accuracy,omitempty"`
	LR           float64 `json:"lr"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"img_per_s"`
}

func init() {
	c := &command{name: "train", summary: "train MobileNet V1 on IDX files or a folder of photos (one sub-folder per class)",
		usage: "--data PATH [--alpha A] [--resolution R] [--epochs N] [--batch B] [--optimizer rmsprop|sgd|nesterov|adam|adamw] [--lr LR] [--schedule cosine|step|exponential|constant] [--warmup E] [--weight-decay W] [--label-smoothing S] [--bn-momentum M] [--augment] [--from MODEL] [--freeze-backbone] [--limit N] [--val-split F] [--seed S] [--threads N] --out FILE.safetensors [--resume] [--json]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		dataPath := fs.String("data", "", "training data: a directory of IDX files (train-images-idx3-ubyte[.gz] …) or of one sub-folder per class (required)")
		alpha := fs.Float64("alpha", 1, "width multiplier α, in (0, 4]")
		res := fs.Int("resolution", 0, "input size (default 32 for IDX data, 224 for photos, the model's with --from)")
		epochs := fs.Int("epochs", 10, "passes over the training data")
		batch := fs.Int("batch", 64, "images per step")
		opt := fs.String("optimizer", "rmsprop", "rmsprop (the paper's), sgd (momentum 0.9), nesterov, adam or adamw")
		lr := fs.Float64("lr", 0, "base learning rate (default 0.001 for adam/adamw, 0.01 otherwise)")
		schedule := fs.String("schedule", "cosine", "learning-rate schedule: cosine, step (×0.94 every 2.5 epochs), exponential or constant")
		warmup := fs.Float64("warmup", 0, "epochs of linear warm-up")
		wd := fs.Float64("weight-decay", 4e-5, "L2 weight decay of convolution and classifier weights (not depthwise filters nor batch norm)")
		smoothing := fs.Float64("label-smoothing", 0, "label smoothing, in [0, 1)")
		bnMomentum := fs.Float64("bn-momentum", 0.99, "decay of batch norm's moving statistics, in (0, 1): lower for short runs")
		augment := fs.Bool("augment", true, "random crops (shifts of up to 1/8 of the size) and horizontal flips")
		resize := fs.Bool("resize", true, "fit IDX images of another size to the resolution by bilinear resizing (false: centre them)")
		from := fs.String("from", "", "start from a model: the official float .tflite MobileNet V1 (a new head for the data's classes) or a checkpoint")
		freeze := fs.Bool("freeze-backbone", false, "train only the classifier (a linear probe)")
		limit := fs.Int("limit", 0, "train on the first N examples (drawn from the seed); 0: all")
		valSplit := fs.Float64("val-split", 0, "validate on this fraction of the training data (default: the test set of IDX data, else 0.1)")
		seed := fs.Uint64("seed", 1, "seed of the weights, the data order and the augmentation")
		threads := fs.Int("threads", runtime.NumCPU(), "threads")
		out := fs.String("out", "", "the checkpoint to write after every epoch (.safetensors; required); the curves go beside it as .png")
		every := fs.Int("checkpoint-every", 0, "also write the checkpoint every N steps (0: at the end of each epoch only)")
		labelsPath := fs.String("labels", "", "class names for IDX data, one per line (default: labels.txt beside the IDX files, else the label numbers)")
		resume := fs.Bool("resume", false, "continue the run saved in --out")
		asJSON := fs.Bool("json", false, "print one JSON line per epoch instead of the progress bar")
		task := fs.String("task", "classification", "classification, or detection: an SSD detector on boxes (Pascal VOC, CSV, COCO JSON or YOLO data)")
		split := fs.String("split", "", "detection: the image list ImageSets/Main/NAME.txt of VOC data (default: every annotated image)")
		valPath := fs.String("val", "", "detection: validation data (default: a seeded 10 % of the training images)")
		images := fs.String("images", "", "detection: the folder of the images of CSV or COCO annotations")
		skipBad := fs.Bool("skip-bad", false, "detection: skip bad annotations (counted) instead of stopping at the first")
		if err := parse(fs, args); err != nil {
			return err
		}
		if *task != "classification" && *task != "detection" {
			return usagef("--task %q: want classification or detection", *task)
		}
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *dataPath == "":
			return usagef("--data is required")
		case *out == "":
			return usagef("--out is required")
		case *epochs < 1 || *epochs > 100000:
			return usagef("--epochs %d out of range: want 1 to 100000", *epochs)
		case *batch < 1 || *batch > 4096:
			return usagef("--batch %d out of range: want 1 to 4096", *batch)
		case !(*smoothing >= 0 && *smoothing < 1):
			return usagef("--label-smoothing %g out of range: want [0, 1)", *smoothing)
		case !(*bnMomentum > 0 && *bnMomentum < 1):
			return usagef("--bn-momentum %g out of range: want (0, 1)", *bnMomentum)
		case !(*valSplit >= 0 && *valSplit < 1):
			return usagef("--val-split %g out of range: want [0, 1)", *valSplit)
		case *threads < 1 || *threads > 1024:
			return usagef("--threads %d out of range: want 1 to 1024", *threads)
		case *limit < 0:
			return usagef("--limit %d: want 0 or more", *limit)
		case *every < 0:
			return usagef("--checkpoint-every %d: want 0 or more", *every)
		case !(*lr >= 0) || !(*wd >= 0) || !(*warmup >= 0):
			return usagef("--lr, --weight-decay and --warmup must not be negative")
		}
		if _, err := os.Stat(*out); err == nil && !*resume {
			return fmt.Errorf("%s exists: pass --resume to continue it, or choose another --out (an existing checkpoint is never overwritten by a new run)", *out)
		} else if err != nil && *resume {
			return fmt.Errorf("--resume: %w", err)
		}
		cfg := train.Config{Epochs: *epochs, Batch: *batch, LabelSmoothing: *smoothing, FreezeBackbone: *freeze,
			Limit: *limit, Seed: *seed, Threads: *threads, Checkpoint: *out, CheckpointEvery: *every, WeightDecay: *wd,
			BNMomentum: *bnMomentum}
		if *wd == 0 {
			cfg.WeightDecay = -1
		}
		switch *opt {
		case "rmsprop":
			cfg.Optimizer = optim.Config{Kind: optim.RMSProp}
		case "sgd":
			cfg.Optimizer = optim.Config{Kind: optim.SGD}
		case "nesterov":
			cfg.Optimizer = optim.Config{Kind: optim.SGD, Nesterov: true}
		case "adam":
			cfg.Optimizer = optim.Config{Kind: optim.Adam}
		case "adamw":
			cfg.Optimizer = optim.Config{Kind: optim.AdamW}
		default:
			return usagef("--optimizer %q: want rmsprop, sgd, nesterov, adam or adamw", *opt)
		}
		cfg.Schedule = optim.Schedule{Base: *lr, Warmup: *warmup}
		switch *schedule {
		case "cosine":
			cfg.Schedule.Decay = optim.Cosine
		case "step":
			cfg.Schedule.Decay, cfg.Schedule.Every, cfg.Schedule.Factor = optim.Step, 2.5, 0.94
		case "exponential":
			cfg.Schedule.Decay, cfg.Schedule.Every, cfg.Schedule.Factor = optim.Exponential, 2.5, 0.94
		case "constant":
			cfg.Schedule.Decay = optim.Constant
		default:
			return usagef("--schedule %q: want cosine, step, exponential or constant", *schedule)
		}
		if *task == "detection" {
			if *resume {
				cfg.Resume = *out
			}
			fromSet := false
			fs.Visit(func(f *flag.Flag) { fromSet = fromSet || f.Name == "from" || f.Name == "alpha" })
			return trainDetector(detectorRun{cfg: cfg, data: *dataPath, split: *split, val: *valPath, images: *images,
				skipBad: *skipBad, from: *from, fromSet: fromSet, alpha: *alpha, resolution: *res, augment: *augment,
				valSplit: *valSplit, epochs: *epochs, json: *asJSON, out: *out}, stdout, stderr)
		}
		model := mobilenetv1.Config{Alpha: *alpha, Resolution: *res, Seed: *seed}
		if *from != "" {
			init, arch, err := fromModel(*from)
			if err != nil {
				return err
			}
			cfg.Init = init
			model.Alpha, model.Channels = arch.Alpha, arch.Channels
			if model.Resolution == 0 {
				model.Resolution = arch.Resolution
			}
		}
		if *resume {
			cfg.Resume = *out
		}
		// The data: its kind sets the defaults of resolution and channels.
		probeIDX := findIDX(*dataPath, idxNames["train"][0]) != ""
		if model.Channels == 0 {
			model.Channels = 3
			if probeIDX {
				model.Channels = 1
			}
		}
		if model.Resolution == 0 {
			model.Resolution = 224
			if probeIDX {
				model.Resolution = 32
			}
		}
		if _, err := archFlags(model.Alpha, model.Resolution, model.Channels, 1, "separable"); err != nil {
			return err
		}
		ds, err := loadData(*dataPath, model.Resolution, model.Channels, *labelsPath)
		if err != nil {
			return err
		}
		if ds.train == nil {
			return fmt.Errorf("--data %s: no training set (train-images-idx3-ubyte)", *dataPath)
		}
		cfg.Train, cfg.Model, cfg.Resize = ds.train, model, *resize
		switch {
		case *valSplit > 0:
			cfg.ValSplit = *valSplit
		case ds.test != nil:
			cfg.Val = ds.test
		default:
			cfg.ValSplit = 0.1
		}
		if *augment {
			info := ds.train.Info()
			cfg.Augment = data.Augment{Shift: max(1, info.H/8), Flip: true}
		}

		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		var bar *progressbar.ProgressBar
		start := time.Now()
		var epochsDone []train.EpochInfo
		cb := train.Callbacks{
			Step: func(s train.StepInfo) {
				if *asJSON {
					return
				}
				if bar == nil || s.Step == 0 {
					if bar != nil {
						bar.Finish()
						fmt.Fprintln(stderr)
					}
					bar = progressbar.NewOptions(s.Steps, progressbar.OptionSetWriter(stderr),
						progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", s.Epoch+1, *epochs)),
						progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
						progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionSetWidth(24))
				}
				bar.Describe(fmt.Sprintf("epoch %d/%d  loss %.4f  acc %.3f  %.0f img/s", s.Epoch+1, *epochs, s.Loss, s.Accuracy, s.ImagesPerSec))
				bar.Set(s.Step + 1)
			},
			Epoch: func(e train.EpochInfo) {
				epochsDone = append(epochsDone, e)
				line := epochJSON{Epoch: e.Epoch + 1, TrainLoss: e.TrainLoss, TrainAcc: e.TrainAcc, LR: e.LR,
					Seconds: e.Elapsed.Seconds(), ImagesPerSec: e.ImagesPerSec}
				if e.Val != nil {
					line.ValLoss, line.ValAcc = e.Val.Loss, e.Val.Accuracy
				}
				if *asJSON {
					json.NewEncoder(stdout).Encode(line)
					return
				}
				if bar != nil {
					bar.Finish()
					bar = nil
					fmt.Fprintln(stderr)
				}
				fmt.Fprintf(stdout, "epoch %d: train loss %.4f acc %.4f", line.Epoch, line.TrainLoss, line.TrainAcc)
				if e.Val != nil {
					fmt.Fprintf(stdout, "  validation loss %.4f acc %.4f", line.ValLoss, line.ValAcc)
				}
				fmt.Fprintf(stdout, "  lr %.3g  %.0f img/s  %s\n", line.LR, line.ImagesPerSec, e.Elapsed.Round(time.Second))
			},
		}
		result, err := train.Run(ctx, cfg, cb)
		curvesErr := writeCurves(*out, epochsDone)
		if err != nil {
			if curvesErr != nil {
				fmt.Fprintf(stderr, "mobilenet train: %v\n", curvesErr)
			}
			if errors.Is(err, context.Canceled) {
				return fmt.Errorf("interrupted after %s; the checkpoint %s holds the run: continue it with --resume", time.Since(start).Round(time.Second), *out)
			}
			return err
		}
		if curvesErr != nil {
			return curvesErr
		}
		if !*asJSON {
			fmt.Fprintf(stdout, "wrote %s (%s in %s)\n", *out, strings.Join(result.Labels[:min(len(result.Labels), 10)], ", "), time.Since(start).Round(time.Second))
		}
		return nil
	}
	register(c)
}

// writeCurves plots the loss and accuracy of the epochs that ended beside the checkpoint out, as
// NAME.curves.png; it does nothing when no epoch ended.
func writeCurves(out string, epochs []train.EpochInfo) error {
	if len(epochs) == 0 {
		return nil
	}
	if err := plots.Curves(strings.TrimSuffix(out, filepath.Ext(out))+".curves.png", epochs); err != nil {
		return fmt.Errorf("the curves of %s: %w", out, err)
	}
	return nil
}
