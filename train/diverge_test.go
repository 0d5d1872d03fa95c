package train

import (
	"context"
	"crypto/sha256"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
)

// TestDivergedRunKeepsCheckpoint: a resumed run whose loss stops being finite (here from a learning
// rate of 1e38) fails with an error before it saves, and the good checkpoint it resumed from is
// byte-identical afterwards. The diverged weights are refused by the checkpoint writer too.
func TestDivergedRunKeepsCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "good.safetensors")
	cfg := tinyConfig(quadrants(40, 1))
	cfg.Epochs, cfg.Checkpoint = 1, path
	if _, err := Run(context.Background(), cfg, Callbacks{}); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Schedule.Base, cfg.Epochs, cfg.Resume = 1e38, 2, path
	res, err := Run(context.Background(), cfg, Callbacks{})
	if err == nil || !strings.Contains(err.Error(), "not finite") || !strings.Contains(err.Error(), "not replaced") {
		t.Fatalf("diverged run: %v", err)
	}
	now, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(now) != sha256.Sum256(good) {
		t.Fatal("the diverged run changed the checkpoint")
	}
	if err := checkpoint.Save(path, res.Graph, checkpoint.MobileNetV1, res.State.Model, nil, nil); err == nil {
		t.Fatal("the checkpoint writer accepted the diverged weights")
	}
}

// TestSaveRefusesNonFiniteWeights: a weight or optimizer state that became NaN or infinite while the
// loss stayed finite stops the save, and the previous checkpoint stays byte-identical.
func TestSaveRefusesNonFiniteWeights(t *testing.T) {
	path := filepath.Join(t.TempDir(), "good.safetensors")
	cfg := tinyConfig(quadrants(20, 1))
	cfg.Checkpoint = path
	r, err := setup(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.save(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range r.g.Values {
		if v.Const() && v.Name == "Conv2d_0/weights" {
			v.Data.F32[3] = float32(math.Inf(-1))
		}
	}
	if err := r.save(); err == nil || !strings.Contains(err.Error(), `Conv2d_0/weights holds -Inf`) || !strings.Contains(err.Error(), "not replaced") {
		t.Fatalf("save of an infinite weight: %v", err)
	}
	if now, _ := os.ReadFile(path); sha256.Sum256(now) != sha256.Sum256(good) {
		t.Fatal("the refused save changed the checkpoint")
	}
}
