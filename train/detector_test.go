package train

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/assets"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/synthdet"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/train/detdata"
	"github.com/mobilenet-go/mobilenet/train/optim"
)

// TestDetectorLearnsShapes trains a small SSD from scratch (α 0.25, 96×96) on shapes drawn onto noise
// for a few epochs: the training loss falls by more than a third, and validation runs every epoch
// (its mAP stays near 0 this early from scratch; the raccoon run of the README is the accuracy check).
func TestDetectorLearnsShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a detector (about 20 s)")
	}
	csv, err := synthdet.Write(t.TempDir(), synthdet.Options{Images: 96, Size: 96, MaxShapes: 2, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	set, err := detdata.Load(csv, detdata.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := DetectorConfig{Config: Config{Epochs: 6, Batch: 8, Seed: 1, Threads: 2, BNMomentum: 0.9,
		Optimizer: optim.Config{Kind: optim.Adam}, Schedule: optim.Schedule{Base: 3e-3, Decay: optim.Cosine}},
		Detector: ssd.Config{Alpha: 0.25, Resolution: 96, Seed: 1}, Boxes: set}
	cfg.ValSplit = 0.15
	res, err := RunDetector(context.Background(), cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	first, last := res.Epochs[0], res.Epochs[len(res.Epochs)-1]
	for _, e := range res.Epochs {
		t.Logf("epoch %d: loss %.4f, validation mAP@0.5 %.3f, %.1f img/s", e.Epoch+1, e.TrainLoss, e.Detection.MAP50, e.ImagesPerSec)
	}
	if err := approx.Within("last loss / first loss", last.TrainLoss/first.TrainLoss, 0.65); err != nil {
		t.Error(err)
	}
	if m := last.Detection; m == nil || m.Images == 0 || m.Boxes == 0 || math.IsNaN(m.MAP50) {
		t.Errorf("validation %+v: want images, boxes and a number", m)
	}
}

// BenchmarkDetectorStep times training steps (forward, targets, loss, backward; no optimizer) of the
// COCO-initialised SSD MobileNet V1 (α 0.75, 300×300) on batches of 8 synthetic images with boxes, with
// MOBILENET_THREADS workers (default 2). With -cpuprofile it shows where the time goes.
func BenchmarkDetectorStep(b *testing.B) {
	m, err := tflite.Parse(assets.DefaultDetector)
	if err != nil {
		b.Fatal(err)
	}
	official, err := m.Graph()
	if err != nil {
		b.Fatal(err)
	}
	g, _, err := ssd.FromOfficial(official, 3, 1)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 8
	d, err := newDetector(g, netOptions{batch: batch, threads: int(envFloat("MOBILENET_THREADS", 2)), bnMomentum: 0.99}, 3)
	if err != nil {
		b.Fatal(err)
	}
	x := randInput(rand.New(rand.NewPCG(1, 1)), batch*300*300*3)
	boxes := make([][]detdata.NormBox, batch)
	for i := range boxes {
		boxes[i] = []detdata.NormBox{{Box: detect.Box{YMin: 0.1, XMin: 0.2, YMax: 0.6, XMax: 0.5}, Class: i % 3}}
	}
	b.ResetTimer()
	for range b.N {
		if _, _, err := d.step(x, boxes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
}
