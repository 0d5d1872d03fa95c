package plots

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet/train"
)

func decodes(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img.Bounds().Dx(), img.Bounds().Dy()
}

func TestCurvesAndConfusion(t *testing.T) {
	dir := t.TempDir()
	var eps []train.EpochInfo
	for e := 0; e < 5; e++ {
		eps = append(eps, train.EpochInfo{Epoch: e, TrainLoss: 2 / float64(e+1), TrainAcc: 0.5 + 0.1*float64(e),
			Val: &train.Metrics{Loss: 2.2 / float64(e+1), Accuracy: 0.45 + 0.1*float64(e)}, Elapsed: time.Second})
	}
	curves := filepath.Join(dir, "c.png")
	if err := Curves(curves, eps); err != nil {
		t.Fatal(err)
	}
	if w, h := decodes(t, curves); w < 600 || h < 200 {
		t.Errorf("curves %d×%d", w, h)
	}
	cm := filepath.Join(dir, "cm.png")
	m := &train.Metrics{N: 10, Accuracy: 0.7, Confusion: [][]int{{3, 1, 0}, {0, 2, 1}, {1, 0, 2}}, Classes: []string{"cat", "dog", "bird"}}
	if err := Confusion(cm, m); err != nil {
		t.Fatal(err)
	}
	decodes(t, cm)
	if Curves(filepath.Join(dir, "x.png"), nil) == nil || Confusion(filepath.Join(dir, "y.png"), &train.Metrics{}) == nil {
		t.Error("empty input accepted")
	}
	if _, err := os.Stat(filepath.Join(dir, "x.png")); err == nil {
		t.Error("a failed plot wrote a file")
	}
}
