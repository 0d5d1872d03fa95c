package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"text/tabwriter"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/detdata"
	"github.com/mobilenet-go/mobilenet/train/plots"
)

// evalJSON is the --json output of eval.
type evalJSON struct {
	Model     string             `json:"model"`
	Split     string             `json:"split"`
	N         int                `json:"n"`
	Accuracy  float64            `json:"accuracy"`
	Loss      float64            `json:"loss"`
	PerClass  map[string]float64 `json:"per_class"`
	Classes   []string           `json:"classes"`
	Confusion [][]int            `json:"confusion"`
}

func init() {
	c := &command{name: "eval", summary: "measure a trained checkpoint: a classifier's accuracy and confusion matrix, a detector's COCO mAP",
		usage: "--model M.safetensors --data PATH [--split test|train|NAME] [--images DIR] [--threads N] [--resize=false] [--json] [--plot FILE.png]"}
	c.run = func(args []string, stdout, stderr io.Writer) error {
		fs := newFlags(c, stdout)
		model := fs.String("model", "", "a checkpoint written by mobilenet train, or a .tflite model (float or 8-bit, as mobilenet quantize writes) (required)")
		dataPath := fs.String("data", "", "IDX files or a folder of one sub-folder per class (required)")
		split := fs.String("split", "test", "with IDX data: test (t10k-*) or train; an image folder is evaluated whole; a detector's VOC data: the list ImageSets/Main/NAME.txt")
		threads := fs.Int("threads", runtime.NumCPU(), "threads")
		asJSON := fs.Bool("json", false, "print one JSON object")
		plotPath := fs.String("plot", "", "also draw the confusion matrix as a PNG")
		resize := fs.Bool("resize", true, "fit IDX images of another size by bilinear resizing, as train does by default (false: centre them)")
		images := fs.String("images", "", "a detector's data: the folder of the images of CSV or COCO annotations")
		if err := parse(fs, args); err != nil {
			return err
		}
		splitSet := false
		fs.Visit(func(f *flag.Flag) { splitSet = splitSet || f.Name == "split" })
		switch {
		case fs.NArg() > 0:
			return usagef("takes no arguments, got %q", fs.Arg(0))
		case *model == "" || *dataPath == "":
			return usagef("--model and --data are required")
		case *threads < 1 || *threads > 1024:
			return usagef("--threads %d out of range: want 1 to 1024", *threads)
		}
		ck, err := loadEvalModel(*model)
		if err != nil {
			return err
		}
		if ck.State.Builder == checkpoint.SSDMobileNetV1 {
			vocSplit := ""
			if splitSet {
				vocSplit = *split
			}
			return evalDetector(ck, *model, *dataPath, detdata.Options{Split: vocSplit, Images: *images}, *threads, *asJSON, stdout)
		}
		if *split != "test" && *split != "train" {
			return usagef("--split %q: want test or train", *split)
		}
		m := ck.State.Model
		ds, err := data.OpenDir(*dataPath, data.DirOptions{Folder: data.FolderOptions{
			H: m.Resolution, W: m.Resolution, Channels: m.Channels, Threads: runtime.NumCPU()}})
		if err != nil {
			return err
		}
		var set data.Dataset
		switch {
		case !ds.IDX:
			set, *split = ds.Train, "all"
		case *split == "test":
			set = ds.Test
		default:
			set = ds.Train
		}
		if set == nil {
			return fmt.Errorf("--data %s has no %s split", *dataPath, *split)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		met, err := train.Evaluate(ctx, ck.Graph, set, train.EvalOptions{Threads: *threads, Resize: *resize})
		if err != nil {
			return err
		}
		if len(ck.State.Labels) == len(met.Classes) {
			met.Classes = ck.State.Labels
		}
		if *plotPath != "" {
			if err := plots.Confusion(*plotPath, met); err != nil {
				return err
			}
		}
		if *asJSON {
			res := evalJSON{Model: *model, Split: *split, N: met.N, Accuracy: met.Accuracy, Loss: met.Loss,
				PerClass: map[string]float64{}, Classes: met.Classes, Confusion: met.Confusion}
			for i, a := range met.PerClass {
				if !math.IsNaN(a) {
					res.PerClass[met.Classes[i]] = a
				}
			}
			return json.NewEncoder(stdout).Encode(res)
		}
		fmt.Fprintf(stdout, "%s on %s (%s, %d images): accuracy %.2f %%, loss %.4f\n\n", *model, *dataPath, *split, met.N, 100*met.Accuracy, met.Loss)
		tw := tabwriter.NewWriter(stdout, 0, 0, 1, ' ', tabwriter.AlignRight)
		fmt.Fprint(tw, "true \\ predicted\t")
		for i := range met.Classes {
			fmt.Fprintf(tw, "%d\t", i)
		}
		fmt.Fprintln(tw, "accuracy\t")
		for i, row := range met.Confusion {
			fmt.Fprintf(tw, "%d %s\t", i, met.Classes[i])
			for _, v := range row {
				fmt.Fprintf(tw, "%d\t", v)
			}
			fmt.Fprintf(tw, "%.2f %%\t\n", 100*met.PerClass[i])
		}
		return tw.Flush()
	}
	register(c)
}

// detEvalJSON is the --json output of eval for a detector.
type detEvalJSON struct {
	Model    string             `json:"model"`
	MAP      float64            `json:"map"`
	MAP50    float64            `json:"map50"`
	MAP75    float64            `json:"map75"`
	PerClass map[string]float64 `json:"per_class"`
	Images   int                `json:"images"`
	Boxes    int                `json:"boxes"`
}

// evalDetector prints a detector checkpoint's COCO metrics on a data set of boxes.
func evalDetector(ck *train.Checkpoint, model, dataPath string, opt detdata.Options, threads int, asJSON bool, stdout io.Writer) error {
	set, err := detdata.Load(dataPath, opt)
	if err != nil {
		return err
	}
	if err := sameClasses(ck.State.Labels, set.Classes); err != nil {
		return fmt.Errorf("--data %s: %w", dataPath, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m, err := train.EvaluateDetector(ctx, ck.Graph, set, 8, threads)
	if err != nil {
		return err
	}
	res := detEvalJSON{Model: model, MAP: m.MAP, MAP50: m.MAP50, MAP75: m.MAP75, PerClass: map[string]float64{}, Images: m.Images, Boxes: m.Boxes}
	for i, ap := range m.PerClass {
		if !math.IsNaN(ap) {
			res.PerClass[set.Classes[i]] = ap
		}
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	fmt.Fprintf(stdout, "%s on %s (%d images, %d boxes): mAP %.3f, mAP@0.5 %.3f, mAP@0.75 %.3f\n", model, dataPath, m.Images, m.Boxes, m.MAP, m.MAP50, m.MAP75)
	for i, c := range set.Classes {
		fmt.Fprintf(stdout, "  %-20s AP@0.5 %.3f\n", c, m.PerClass[i])
	}
	return nil
}
