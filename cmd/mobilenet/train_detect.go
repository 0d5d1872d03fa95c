package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/assets"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/train"
	"github.com/mobilenet-go/mobilenet/train/detdata"
)

// detectorRun is what `train --task detection` was asked.
type detectorRun struct {
	cfg                      train.Config // the common options, parsed by train
	data, split, val, images string
	skipBad                  bool
	from                     string // coco (the default), none, or a classifier to take the backbone from
	fromSet                  bool   // --from or --alpha was given
	alpha                    float64
	resolution               int
	augment                  bool
	valSplit                 float64
	epochs                   int
	json                     bool
	out                      string
}

// detEpochJSON is one --json line of detection training.
type detEpochJSON struct {
	Epoch        int     `json:"epoch"`
	TrainLoss    float64 `json:"train_loss"`
	ValMAP       float64 `json:"val_map"`
	ValMAP50     float64 `json:"val_map50"`
	LR           float64 `json:"lr"`
	Seconds      float64 `json:"seconds"`
	ImagesPerSec float64 `json:"img_per_s"`
}

// trainDetector trains an SSD detector: the data, the starting point, the run and its curves.
func trainDetector(r detectorRun, stdout, stderr io.Writer) error {
	opt := detdata.Options{Split: r.split, Images: r.images, SkipBad: r.skipBad}
	set, err := detdata.Load(r.data, opt)
	if err != nil {
		return err
	}
	if set.Skipped > 0 {
		fmt.Fprintf(stderr, "mobilenet train: skipped %d bad annotations in %s\n", set.Skipped, r.data)
	}
	dc := train.DetectorConfig{Config: r.cfg, Boxes: set, BoxAugment: r.augment,
		Best: strings.TrimSuffix(r.out, filepath.Ext(r.out)) + ".best" + filepath.Ext(r.out)}
	dc.ValSplit = r.valSplit
	if r.val != "" {
		if dc.ValBoxes, err = detdata.Load(r.val, opt); err != nil {
			return err
		}
		if err := sameClasses(set.Classes, dc.ValBoxes.Classes); err != nil {
			return fmt.Errorf("--val %s: %w", r.val, err)
		}
	}
	if r.cfg.Resume == "" {
		if err := startDetector(&dc, r, len(set.Classes)); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	var done []train.EpochInfo
	cb := train.Callbacks{Epoch: func(e train.EpochInfo) {
		done = append(done, e)
		line := detEpochJSON{Epoch: e.Epoch + 1, TrainLoss: e.TrainLoss, LR: e.LR, Seconds: e.Elapsed.Seconds(), ImagesPerSec: e.ImagesPerSec}
		if e.Detection != nil {
			line.ValMAP, line.ValMAP50 = e.Detection.MAP, e.Detection.MAP50
		}
		if r.json {
			json.NewEncoder(stdout).Encode(line)
			return
		}
		fmt.Fprintf(stdout, "epoch %d/%d: train loss %.4f  validation mAP %.3f  mAP@0.5 %.3f  lr %.3g  %.1f img/s  %s\n", line.Epoch, r.epochs,
			line.TrainLoss, line.ValMAP, line.ValMAP50, line.LR, line.ImagesPerSec, e.Elapsed.Round(time.Second))
	}}
	_, err = train.RunDetector(ctx, dc, cb)
	curvesErr := writeCurves(r.out, done)
	if err != nil {
		if curvesErr != nil {
			fmt.Fprintf(stderr, "mobilenet train: %v\n", curvesErr)
		}
		if errors.Is(err, context.Canceled) {
			return fmt.Errorf("interrupted after %s; the checkpoint %s holds the run: continue it with --resume", time.Since(start).Round(time.Second), r.out)
		}
		return err
	}
	if curvesErr != nil {
		return curvesErr
	}
	if !r.json {
		fmt.Fprintf(stdout, "wrote %s and the best by validation mAP@0.5, %s (%s in %s)\n", r.out, dc.Best,
			strings.Join(set.Classes[:min(len(set.Classes), 10)], ", "), time.Since(start).Round(time.Second))
	}
	return nil
}

func sameClasses(a, b []string) error {
	if strings.Join(a, "\x00") != strings.Join(b, "\x00") {
		return fmt.Errorf("classes %v differ from the training data's %v", b, a)
	}
	return nil
}

// startDetector sets the starting detector of a new run from --from: the built-in COCO detector's
// weights (coco, the default), a MobileNet V1 classifier's backbone (a float .tflite or a checkpoint),
// or nothing.
func startDetector(dc *train.DetectorConfig, r detectorRun, classes int) error {
	from := r.from
	if from == "" {
		from = "coco"
		if r.fromSet {
			from = "none"
		}
	}
	res := r.resolution
	if res == 0 {
		res = 300
	}
	seed := r.cfg.Seed
	switch from {
	case "coco":
		if r.resolution != 0 && r.resolution != 300 {
			return usagef("--from coco trains at the COCO detector's 300×300, not --resolution %d", r.resolution)
		}
		m, err := tflite.Parse(assets.DefaultDetector)
		if err != nil {
			return err
		}
		official, err := m.Graph()
		if err != nil {
			return err
		}
		g, c, err := ssd.FromOfficial(official, classes, seed)
		if err != nil {
			return err
		}
		dc.Start, dc.Detector = g, c
		return nil
	case "none":
		dc.Detector = ssd.Config{Alpha: r.alpha, Resolution: res, Classes: classes, Seed: seed}
		return nil
	}
	backbone, arch, err := train.InitFrom(from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	if arch.Channels != 3 {
		return fmt.Errorf("--from %s: the backbone takes %d channels; a detector takes RGB", from, arch.Channels)
	}
	c := ssd.Config{Alpha: arch.Alpha, Resolution: res, Classes: classes, Seed: seed}
	g, err := ssd.Build(c)
	if err != nil {
		return err
	}
	n, err := copyBackbone(g, backbone)
	if err != nil {
		return fmt.Errorf("--from %s: %w", from, err)
	}
	if n == 0 {
		return fmt.Errorf("--from %s: no weight of the backbone fits the detector", from)
	}
	dc.Start, dc.Detector = g, c
	return nil
}

// copyBackbone copies every constant of src into the constant of dst with the same name and shape (the
// builders name MobileNet V1's layers alike), and returns how many it copied.
func copyBackbone(dst, src *graph.Graph) (int, error) {
	byName := map[string]*graph.Value{}
	for _, v := range src.Values {
		if v.Const() {
			byName[v.Name] = v
		}
	}
	n := 0
	for _, v := range dst.Values {
		s := byName[v.Name]
		if !v.Const() || s == nil || !s.Shape.Equal(v.Shape) {
			continue
		}
		f, err := s.Data.Dequantize()
		if err != nil {
			return n, err
		}
		copy(v.Data.F32, f)
		n++
	}
	return n, nil
}
