package train

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// TestRunArchs trains V2, V3-Large and V3-Small for two epochs on the tiny quadrants set: the loss falls,
// the checkpoint records the architecture's builder, and loading it gives the trained weights bit for bit.
func TestRunArchs(t *testing.T) {
	for arch, builder := range map[string]string{"v2": checkpoint.MobileNetV2, "v3-large": checkpoint.MobileNetV3Large, "v3-small": checkpoint.MobileNetV3Small} {
		cfg := tinyConfig(quadrants(200, 1))
		cfg.Arch = arch
		cfg.Model.Alpha = 0.35
		cfg.Checkpoint = filepath.Join(t.TempDir(), arch+".safetensors")
		res, err := Run(context.Background(), cfg, Callbacks{})
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		e := res.Epochs
		t.Logf("%s: train loss %.3f → %.3f, accuracy %.2f → %.2f", arch, e[0].TrainLoss, e[1].TrainLoss, e[0].TrainAcc, e[1].TrainAcc)
		if !(e[1].TrainLoss < e[0].TrainLoss) {
			t.Errorf("%s: the loss did not fall", arch)
		}
		ck, err := LoadCheckpoint(cfg.Checkpoint)
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if ck.State.Builder != builder || ck.State.Model.Alpha != 0.35 || ck.State.Model.Classes != 4 {
			t.Errorf("%s: checkpoint state %+v", arch, ck.State)
		}
		for i, v := range res.Graph.Values {
			if v.Const() {
				if err := approx.Close(ck.Graph.Values[i].Data.F32, v.Data.F32, 0, 0); err != nil {
					t.Fatalf("%s: %s: %v", arch, v.Name, err)
				}
			}
		}
	}
	cfg := tinyConfig(quadrants(20, 1))
	cfg.Arch = "v4"
	if _, err := Run(context.Background(), cfg, Callbacks{}); err == nil {
		t.Error("arch v4 accepted")
	}
}
