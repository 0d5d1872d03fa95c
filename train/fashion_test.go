package train

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/optim"
)

// envFloat reads a float from the environment, or def.
func envFloat(name string, def float64) float64 {
	if v, err := strconv.ParseFloat(os.Getenv(name), 64); err == nil {
		return v
	}
	return def
}

// TestFashionMNIST trains on Fashion-MNIST and reports test accuracy per epoch. It is the project's
// accuracy demonstration, run by hand (it takes tens of minutes): MOBILENET_FASHION=1, with the
// settings in MOBILENET_ALPHA, _RES, _RESIZE, _EPOCHS, _BATCH, _OPT, _NESTEROV, _LR, _WARMUP, _WD, _LS,
// _BNM, _SHIFT, _NOFLIP, _THREADS, _LIMIT, _CHECKPOINT and _DEADLINE (seconds).
func TestFashionMNIST(t *testing.T) {
	if os.Getenv("MOBILENET_FASHION") == "" {
		t.Skip("set MOBILENET_FASHION=1 to train on Fashion-MNIST")
	}
	// The shared Fashion-MNIST files, or those of MOBILENET_FASHION_DIR.
	dir := os.Getenv("MOBILENET_FASHION_DIR")
	if dir == "" {
		dir = shared.Path(t, "datasets/fashion-mnist")
	}
	dir += string(filepath.Separator)
	tr, err := data.LoadIDX(dir+"train-images-idx3-ubyte.gz", dir+"train-labels-idx1-ubyte.gz", data.FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	te, err := data.LoadIDX(dir+"t10k-images-idx3-ubyte.gz", dir+"t10k-labels-idx1-ubyte.gz", data.FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	epochs := int(envFloat("MOBILENET_EPOCHS", 10))
	cfg := Config{
		Model:          mobilenetv1.Config{Alpha: envFloat("MOBILENET_ALPHA", 0.5), Resolution: int(envFloat("MOBILENET_RES", 32)), Channels: 1, Seed: 1},
		Train:          tr,
		Val:            te,
		Limit:          int(envFloat("MOBILENET_LIMIT", 0)),
		Resize:         os.Getenv("MOBILENET_RESIZE") != "",
		Epochs:         epochs,
		Batch:          int(envFloat("MOBILENET_BATCH", 128)),
		Optimizer:      optim.Config{Kind: optim.Kind(os.Getenv("MOBILENET_OPT")), Nesterov: os.Getenv("MOBILENET_NESTEROV") != ""},
		BNMomentum:     envFloat("MOBILENET_BNM", 0.99),
		Schedule:       optim.Schedule{Decay: optim.Cosine, Base: envFloat("MOBILENET_LR", 0), Warmup: envFloat("MOBILENET_WARMUP", 0.3)},
		WeightDecay:    envFloat("MOBILENET_WD", 4e-5),
		LabelSmoothing: envFloat("MOBILENET_LS", 0),
		Augment:        data.Augment{Shift: int(envFloat("MOBILENET_SHIFT", 2)), Flip: os.Getenv("MOBILENET_NOFLIP") == ""},
		Seed:           1,
		Threads:        int(envFloat("MOBILENET_THREADS", 2)),
		Checkpoint:     os.Getenv("MOBILENET_CHECKPOINT"),
	}
	ctx := context.Background()
	if d := envFloat("MOBILENET_DEADLINE", 0); d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(d*float64(time.Second)))
		defer cancel()
	}
	start := time.Now()
	_, err = Run(ctx, cfg, Callbacks{
		Step: func(s StepInfo) {
			if s.Step%int(envFloat("MOBILENET_LOGEVERY", 100)) == 0 {
				t.Logf("epoch %d step %d/%d loss %.4f lr %.5f %.0f img/s", s.Epoch, s.Step, s.Steps, s.Loss, s.LR, s.ImagesPerSec)
			}
		},
		Epoch: func(e EpochInfo) {
			t.Logf("EPOCH %d time %.1fs train loss %.4f acc %.4f test loss %.4f acc %.4f lr %.5f %.0f img/s",
				e.Epoch, time.Since(start).Seconds(), e.TrainLoss, e.TrainAcc, e.Val.Loss, e.Val.Accuracy, e.LR, e.ImagesPerSec)
		},
	})
	if err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
}
