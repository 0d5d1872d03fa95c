package main

import (
	"encoding/json"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/vision"
)

// fashionFolder writes an image-folder dataset of perClass Fashion-MNIST training images for each of
// the given classes, as PNG files in one sub-folder per class, and returns its path.
func fashionFolder(t *testing.T, classes []int, perClass int) string {
	dir := shared.Path(t, "datasets/fashion-mnist")
	set, err := data.LoadIDX(filepath.Join(dir, "train-images-idx3-ubyte.gz"), filepath.Join(dir, "train-labels-idx1-ubyte.gz"), data.FashionMNIST)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	count := map[int]int{}
	want := map[int]bool{}
	for _, c := range classes {
		want[c] = true
		if err := os.MkdirAll(filepath.Join(root, strings.ReplaceAll(data.FashionMNIST[c], "/", "-")), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < set.Len(); i++ {
		px, label := set.Example(i)
		if !want[label] || count[label] == perClass {
			continue
		}
		img := image.NewGray(image.Rect(0, 0, 28, 28))
		copy(img.Pix, px)
		name := filepath.Join(root, strings.ReplaceAll(data.FashionMNIST[label], "/", "-"), fmt.Sprintf("%05d.png", i))
		if err := vision.SaveImage(name, img); err != nil {
			t.Fatal(err)
		}
		count[label]++
	}
	return root
}

// TestFineTuneBeatsScratch: on a small folder of images (Fashion-MNIST PNGs of four classes), starting
// from the official float MobileNet V1 0.25/224 (ImageNet weights, a new head) reaches a better
// validation accuracy than training from scratch, with the same steps, data, seed and settings.
func TestFineTuneBeatsScratch(t *testing.T) {
	official := shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite")
	folder := fashionFolder(t, []int{0, 1, 7, 8}, 80) // T-shirt, trouser, sneaker, bag
	acc := func(from string) float64 {
		out := filepath.Join(t.TempDir(), "m.safetensors")
		// Every setting explicit: those of the measurement below.
		args := []string{"train", "--data", folder, "--resolution", "64", "--epochs", "8", "--batch", "16", "--bn-momentum", "0.9",
			"--optimizer", "adam", "--lr", "0.001", "--warmup", "0", "--weight-decay", "4e-5", "--label-smoothing", "0", "--augment",
			"--val-split", "0.25", "--seed", "3", "--json", "--out", out}
		if from != "" {
			args = append(args, "--from", from)
		} else {
			args = append(args, "--alpha", "0.25")
		}
		code, stdout, errs := cli(args...)
		if code != 0 {
			t.Fatalf("train %v: %s", args, errs)
		}
		lines := strings.Split(strings.TrimSpace(stdout), "\n")
		var last epochJSON
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatal(err)
		}
		return last.ValAcc
	}
	scratch, tuned := acc(""), acc(official)
	t.Logf("validation accuracy after 8 epochs: from scratch %.3f, fine-tuned from the official model %.3f", scratch, tuned)
	// Measured: 0.800 against 0.412 with seed 3 (0.775 against 0.450 with seed 4).
	if tuned < scratch+0.1 {
		t.Errorf("fine-tuning (%.3f) does not beat training from scratch (%.3f) by 0.1", tuned, scratch)
	}
}

// TestProbeThenFineTune runs the README's transfer-learning recipe: a linear probe on the official
// weights (backbone frozen), then the whole network from the probe's checkpoint, then eval and
// classify with the result.
func TestProbeThenFineTune(t *testing.T) {
	official := shared.Path(t, "models/mobilenet_v1_0.25_224_1_default_1.tflite")
	folder := fashionFolder(t, []int{1, 8}, 24)
	dir := t.TempDir()
	probe, tuned := filepath.Join(dir, "probe.safetensors"), filepath.Join(dir, "tuned.safetensors")
	common := []string{"--data", folder, "--resolution", "48", "--epochs", "2", "--batch", "8", "--json"}
	if code, _, errs := cli(append([]string{"train", "--from", official, "--freeze-backbone", "--out", probe}, common...)...); code != 0 {
		t.Fatalf("probe: %s", errs)
	}
	if code, _, errs := cli(append([]string{"train", "--from", probe, "--optimizer", "adam", "--lr", "0.0005", "--out", tuned}, common...)...); code != 0 {
		t.Fatalf("fine-tune: %s", errs)
	}
	if _, err := os.Stat(strings.TrimSuffix(tuned, ".safetensors") + ".curves.png"); err != nil {
		t.Errorf("no curves beside the checkpoint: %v", err)
	}
	code, out, errs := cli("eval", "--model", tuned, "--data", folder, "--json", "--plot", filepath.Join(dir, "cm.png"))
	var ev struct {
		N        int     `json:"n"`
		Accuracy float64 `json:"accuracy"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &ev) != nil || ev.N != 48 {
		t.Fatalf("eval: exit %d %q %s", code, out, errs)
	}
	img, _ := filepath.Glob(filepath.Join(folder, "Bag", "*.png"))
	code, out, errs = cli("classify", "--model", tuned, "--top", "2", img[0])
	if code != 0 || !strings.Contains(out, "Bag") || !strings.Contains(out, "Trouser") {
		t.Fatalf("classify with the checkpoint: exit %d %q %s", code, out, errs)
	}
}
