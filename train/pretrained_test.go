package train

import (
	"context"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
)

// TestPretrainedNewHead fine-tunes the official float MobileNet V1 0.25/224 (1001 ImageNet classes,
// RGB) on four grey classes at 32×32: the weights come through mobilenetv1.CopyWeights and Init, the
// classifier is new, the backbone frozen. The backbone keeps the official weights (the first filter
// summed over colours) and training lowers the loss.
func TestPretrainedNewHead(t *testing.T) {
	m, err := tflite.ReadFile(shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite"))
	if err != nil {
		t.Fatal(err)
	}
	src, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	init, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 224, Classes: 1001})
	if err != nil {
		t.Fatal(err)
	}
	if err := mobilenetv1.CopyWeights(init, src); err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig(quadrants(200, 1))
	cfg.Model = mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Channels: 1, Seed: 3}
	cfg.Init = init
	cfg.FreezeBackbone = true
	cfg.Resize = true
	cfg.Optimizer.Kind = "adam"
	cfg.Schedule.Base = 0.01
	res, err := Run(context.Background(), cfg, Callbacks{})
	if err != nil {
		t.Fatal(err)
	}
	e := res.Epochs
	t.Logf("loss %.3f → %.3f, accuracy %.2f → %.2f", e[0].TrainLoss, e[1].TrainLoss, e[0].TrainAcc, e[1].TrainAcc)
	if !(e[1].TrainLoss < e[0].TrainLoss) {
		t.Fatalf("loss %g then %g", e[0].TrainLoss, e[1].TrainLoss)
	}
	want, got := weights(init), weights(res.Graph)
	for i, v := range got["Conv2d_0/weights"] {
		w := want["Conv2d_0/weights"]
		if v != w[3*i]+w[3*i+1]+w[3*i+2] {
			t.Fatalf("first filter %d = %g, not the sum of the official colour filters", i, v)
		}
	}
	for i, v := range want["Conv2d_7_pointwise/weights"] {
		if got["Conv2d_7_pointwise/weights"][i] != v {
			t.Fatal("a frozen official weight changed")
		}
	}
	if len(got["Logits/Conv2d_1c_1x1/biases"]) != 4 {
		t.Fatal("the head was not replaced")
	}
}
