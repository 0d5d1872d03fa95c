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

	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/models/zoo"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/optim"
	"github.com/mobilenet-go/mobilenet/train/plots"
)

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

// testJSON is the last --json line of train on data with a test set: the trained network on it.
type testJSON struct {
	Loss     float64 `json:"test_loss"`
	Accuracy float64 `json:"test_accuracy"`
	N        int     `json:"test_images"`
}

// detectionDefaults are the flags of train whose default differs for --task detection: the settings
// its recipes (scripts/train_raccoon.sh, scripts/train_shapes.sh) were measured with. Classification
// takes those of the 93 % Fashion-MNIST run, with a batch of 32 and no augmentation below 10 epochs for
// short runs (2 epochs of 9,000 Fashion-MNIST images: 0.76 test accuracy with a batch of 64 and
// augmentation, 0.80 without augmentation, 0.82 with a batch of 32 too).
var detectionDefaults = map[string]string{"batch": "64", "optimizer": "rmsprop", "warmup": "0",
	"weight-decay": "4e-5", "label-smoothing": "0", "bn-momentum": "0.99"}

// bnMomentumFor returns the default batch norm momentum of a classification run: min(0.99, 1 − 10/T),
// at least 0.5, for a run of T steps, so that the moving statistics forget their starting values
// (weight e^−10 at the end) and follow the network as it changes. The 30-epoch Fashion-MNIST run gets
// 0.99, a run of 300 steps 0.967. T counts the batches of the training part of cfg.Train (after
// cfg.Limit and cfg.ValSplit) over cfg.Epochs; a split that cannot be made gets 0.99 (the run then
// reports the split's error).
func bnMomentumFor(cfg train.Config) float64 {
	set := data.Limit(cfg.Train, cfg.Limit, cfg.Seed)
	if cfg.ValSplit > 0 {
		var err error
		if set, _, err = data.Split(set, cfg.ValSplit, cfg.Seed); err != nil {
			return 0.99
		}
	}
	steps := float64(cfg.Epochs * max(1, set.Len()/cfg.Batch))
	return min(0.99, max(0.5, 1-10/steps))
}

// isTerminal reports whether w is a terminal (a character device), where a progress bar can redraw
// itself; piped or redirected output gets none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func init() {
	c := &command{name: "train", summary: "train MobileNet V1, V2 or V3 (--arch) on IDX files or a folder of photos (one sub-folder per class), or an SSD detector (--task detection)",
		usage: "--data PATH [--arch v1|v2|v3-large|v3-small] [--alpha A] [--resolution R] [--epochs N] [--batch B] [--optimizer rmsprop|sgd|nesterov|adam|adamw] [--lr LR] [--schedule cosine|step|exponential|constant] [--warmup E] [--weight-decay W] [--label-smoothing S] [--bn-momentum M] [--augment] [--from MODEL] [--freeze-backbone] [--limit N] [--val-split F] [--seed S] [--threads N] --out FILE.safetensors [--resume] [--json]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		dataPath := fs.String("data", "", "training data: a directory of IDX files (train-images-idx3-ubyte[.gz] …) or of one sub-folder per class (required)")
		alpha := fs.Float64("alpha", 1, "width multiplier α, in (0, 4]")
		arch := fs.String("arch", "v1", "architecture of a classifier trained from scratch: v1, v2, v3-large or v3-small")
		res := fs.Int("resolution", 0, "input size (default 48 for IDX data, 224 for photos, the model's with --from)")
		epochs := fs.Int("epochs", 10, "passes over the training data")
		batch := fs.Int("batch", 32, "images per step (detection: 64 by default)")
		opt := fs.String("optimizer", "nesterov", "rmsprop (the paper's), sgd (momentum 0.9), nesterov (SGD with Nesterov momentum 0.9), adam or adamw (detection: rmsprop by default)")
		lr := fs.Float64("lr", 0, "base learning rate (default 0.1 for sgd and nesterov, 0.001 for adam and adamw, else 0.01; detection: 0.01 for sgd and nesterov)")
		schedule := fs.String("schedule", "cosine", "learning-rate schedule: cosine, step (×0.94 every 2.5 epochs), exponential or constant")
		warmup := fs.Float64("warmup", 0.3, "epochs of linear warm-up (detection: 0 by default)")
		wd := fs.Float64("weight-decay", 1e-4, "L2 weight decay of convolution and classifier weights, not depthwise filters nor batch norm (detection: 4e-5 by default)")
		smoothing := fs.Float64("label-smoothing", 0.1, "label smoothing, in [0, 1) (detection: 0 by default)")
		bnMomentum := fs.Float64("bn-momentum", 0, "decay of batch norm's moving statistics, in (0, 1); default: scaled to the run's length, min(0.99, 1 − 10/steps) and at least 0.5, so that the averages forget their start within the run (detection: 0.99)")
		augment := fs.Bool("augment", true, "random crops (shifts of up to 1/8 of the size) and horizontal flips; a classifier's by default only for runs of 10 epochs or more (shorter runs underfit rather than overfit)")
		resize := fs.Bool("resize", true, "fit IDX images of another size to the resolution by bilinear resizing (false: centre them)")
		from := fs.String("from", "", "start from a model: the official float .tflite MobileNet V1 (a new head for the data's classes) or a checkpoint")
		freeze := fs.Bool("freeze-backbone", false, "train only the classifier (a linear probe)")
		limit := fs.Int("limit", 0, "train on the first N examples (drawn from the seed); 0: all")
		valSplit := fs.Float64("val-split", 0.1, "validate after each epoch on this fraction of the training data, drawn from --seed after --limit (0: none); IDX data's test set is evaluated once, at the end")
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
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if *task == "detection" {
			for name, v := range detectionDefaults {
				if !set[name] {
					fs.Set(name, v)
				}
			}
		} else {
			if *lr == 0 && (*opt == "sgd" || *opt == "nesterov") {
				*lr = 0.1
			}
			if !set["augment"] && *epochs < 10 {
				*augment = false
			}
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
		case !(*bnMomentum >= 0 && *bnMomentum < 1):
			return usagef("--bn-momentum %g out of range: want (0, 1), or 0 for the default", *bnMomentum)
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
		if err := zoo.Check(*arch); err != nil {
			return usagef("--arch: %v", err)
		}
		if *arch != zoo.V1 && (*from != "" || *task == "detection") {
			return usagef("--arch %s trains a classifier from scratch: drop --from and --task detection", *arch)
		}
		if *task == "detection" {
			if *resume {
				cfg.Resume = *out
			}
			return trainDetector(detectorRun{cfg: cfg, data: *dataPath, split: *split, val: *valPath, images: *images,
				skipBad: *skipBad, from: *from, fromSet: set["from"] || set["alpha"], alpha: *alpha, resolution: *res, augment: *augment,
				valSplit: *valSplit, epochs: *epochs, json: *asJSON, out: *out}, stdout, stderr)
		}
		model := mobilenetv1.Config{Alpha: *alpha, Resolution: *res, Seed: *seed}
		if *from != "" {
			init, arch, err := train.InitFrom(*from)
			if err != nil {
				return fmt.Errorf("--from: %w", err)
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
		probeIDX := data.HasIDX(*dataPath)
		if model.Channels == 0 {
			model.Channels = 3
			if probeIDX {
				model.Channels = 1
			}
		}
		if model.Resolution == 0 {
			model.Resolution = 224
			if probeIDX {
				model.Resolution = 48
			}
		}
		if _, err := archFlags(model.Alpha, model.Resolution, model.Channels, 1, "separable"); err != nil {
			return err
		}
		ds, err := data.OpenDir(*dataPath, data.DirOptions{Labels: *labelsPath, Folder: data.FolderOptions{
			H: model.Resolution, W: model.Resolution, Channels: model.Channels, Threads: runtime.NumCPU()}})
		if err != nil {
			return err
		}
		if ds.Train == nil {
			return fmt.Errorf("--data %s: no training set (train-images-idx3-ubyte)", *dataPath)
		}
		cfg.Train, cfg.Model, cfg.Resize, cfg.ValSplit = ds.Train, model, *resize, *valSplit
		cfg.Arch = *arch
		if *bnMomentum == 0 {
			cfg.BNMomentum = bnMomentumFor(cfg)
		}
		if *augment {
			info := ds.Train.Info()
			cfg.Augment = data.Augment{Shift: max(1, info.H/8), Flip: true}
		}

		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		var bar *progressbar.ProgressBar
		showBar := !*asJSON && isTerminal(stderr) // a bar redraws itself: on a terminal only
		start := time.Now()
		var epochsDone []train.EpochInfo
		lrEpoch, firstLR := -1, 0.0 // the epoch of the last step seen, and the learning rate of its first step
		cb := train.Callbacks{
			Step: func(s train.StepInfo) {
				if s.Epoch != lrEpoch {
					lrEpoch, firstLR = s.Epoch, s.LR
				}
				if !showBar {
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
				lr := fmt.Sprintf("%.3g", line.LR)
				if lrEpoch == e.Epoch && firstLR != line.LR {
					lr = fmt.Sprintf("%.3g→%s", firstLR, lr)
				}
				fmt.Fprintf(stdout, "  lr %s  %.0f img/s  %s\n", lr, line.ImagesPerSec, e.Elapsed.Round(time.Second))
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
		if ds.Test != nil {
			m, err := train.Evaluate(ctx, result.Graph, ds.Test, train.EvalOptions{Threads: *threads, Resize: *resize})
			if err != nil {
				return fmt.Errorf("the test set of %s: %w", *dataPath, err)
			}
			if *asJSON {
				json.NewEncoder(stdout).Encode(testJSON{Loss: m.Loss, Accuracy: m.Accuracy, N: m.N})
			} else {
				fmt.Fprintf(stdout, "test set: loss %.4f acc %.4f (%d images)\n", m.Loss, m.Accuracy, m.N)
			}
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
