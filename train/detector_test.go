package train

import (
	"context"
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/internal/synthdet"
	"github.com/mobilenet-go/mobilenet/models/ssd"
	"github.com/mobilenet-go/mobilenet/train/detdata"
	"github.com/mobilenet-go/mobilenet/train/optim"
)

// TestDetectorLearnsShapes trains a small SSD from scratch (α 0.25, 96×96) on shapes drawn onto noise
// for a few epochs: the training loss falls by half and the detector finds the shapes of held-out images
// better than chance (validation mAP@0.5 above 0.1).
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
	if err := approx.Within("last loss / first loss", last.TrainLoss/first.TrainLoss, 0.5); err != nil {
		t.Error(err)
	}
	if !(last.Detection.MAP50 > 0.1) || math.IsNaN(last.Detection.MAP50) {
		t.Errorf("validation mAP@0.5 %.3f, want above 0.1", last.Detection.MAP50)
	}
}
