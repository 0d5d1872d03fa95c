package mobilenet

import (
	"bytes"
	"errors"
	"image"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/checkpoint"
	"github.com/mobilenet-go/mobilenet/graph"
	"github.com/mobilenet-go/mobilenet/internal/shared"
	"github.com/mobilenet-go/mobilenet/models/mobilenetv1"
	"github.com/mobilenet-go/mobilenet/vision"
)

// TestDefaultModelOnPhotos classifies the shared photos with the built-in model.
func TestDefaultModelOnPhotos(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Labels()) != 1001 || m.Labels()[0] != "background" {
		t.Fatalf("labels: %d, first %q", len(m.Labels()), m.Labels()[0])
	}
	for _, c := range []struct{ file, want string }{
		{"tfls_burger.jpg", "cheeseburger"},
		{"coral_parrot.jpg", "macaw"},
		{"coral_hot_dog.jpg", "hotdog"},
		{"coral_sunflower.bmp", "daisy"},
		{"tfls_grace_hopper.jpg", "military uniform"},
	} {
		preds, err := m.ClassifyFile(shared.Path(t, "images/"+c.file), 3)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %+v", c.file, preds)
		if len(preds) == 0 || len(preds) > 3 || preds[0].Label != c.want || preds[0].Score > 1 {
			t.Fatalf("%s: %+v, want at most 3 with top-1 %q at most 1", c.file, preds, c.want)
		}
		for i := 1; i < len(preds); i++ {
			if !(preds[i].Score > 0 && preds[i].Score <= preds[i-1].Score) {
				t.Errorf("%s: scores not sorted, or 0 after the first: %+v", c.file, preds)
			}
		}
	}
}

// TestEmbeddedLabels: the 0.25/224 quant model carries its labels in a zip after the flatbuffer.
func TestEmbeddedLabels(t *testing.T) {
	m := loadShared(t, "mobilenet_v1_0.25_224_quant.tflite")
	files, err := m.TFLite().AssociatedFiles()
	if err != nil || len(files) == 0 {
		t.Fatalf("associated files: %v, %v", files, err)
	}
	var packed []string
	for name, b := range files {
		if strings.HasSuffix(name, ".txt") {
			packed = parseLabels(b)
		}
	}
	if len(m.Labels()) != 1001 || len(packed) != 1001 || strings.Join(m.Labels(), "|") != strings.Join(packed, "|") {
		t.Fatalf("%d labels, %d packed in the model", len(m.Labels()), len(packed))
	}
	if got := ImageNetLabels(1000); len(got) != 1000 || got[0] != "tench" {
		t.Fatalf("1000-class list starts %q", got[0])
	}
	if ImageNetLabels(10) != nil {
		t.Fatal("a 10-class model got ImageNet labels")
	}
}

func TestBadImages(t *testing.T) {
	m, err := Default(WithMaxPixels(1_000_000))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"empty":     {},
		"text":      []byte("this is not an image"),
		"truncated": shared.ReadFile(t, "images/tfls_burger.jpg")[:2000],
	} {
		if _, err := m.ClassifyReader(bytes.NewReader(data), 5); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	// 1200×1000 pixels exceed the limit of one million: refused before decoding.
	big := shared.ReadFile(t, "images/coral_parrot.jpg")
	img, _, err := vision.Decode(bytes.NewReader(big), DefaultMaxPixels)
	if err != nil {
		t.Fatal(err)
	}
	if n := img.Bounds().Dx() * img.Bounds().Dy(); n > 1_000_000 {
		if _, err := m.ClassifyReader(bytes.NewReader(big), 5); !errors.Is(err, vision.ErrTooManyPixels) {
			t.Errorf("a %d-pixel image under a 1M limit: %v", n, err)
		}
	}
}

// TestBadModels: truncated or corrupted model files give one-line errors.
func TestBadModels(t *testing.T) {
	b := shared.ReadFile(t, "models/mobilenet_v1_0.25_128_quant.tflite")
	for _, n := range []int{0, 7, 100, 4096, len(b) / 2, len(b) - 1000} {
		if _, err := LoadBytes("cut", b[:n]); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := Load("testdata/does-not-exist.tflite"); err == nil {
		t.Error("missing file accepted")
	}
}

// TestTopStopsAtZeroScores: the built-in model gives the burger a score of 0 in most of its 1001
// classes; asking for all of them returns only the classes with a score (after the first).
func TestTopStopsAtZeroScores(t *testing.T) {
	m, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	preds, err := m.ClassifyFile("testdata/images/burger.jpg", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(preds) == 0 || len(preds) >= 1000 || preds[0].Label != "cheeseburger" {
		t.Fatalf("%d predictions, the first %+v", len(preds), preds[0])
	}
	for _, p := range preds[1:] {
		if !(p.Score > 0) {
			t.Errorf("a class of score %v among the top %d", p.Score, len(preds))
		}
	}
}

// TestIsClassifier: the built-in classifier and a built network are classifiers whose scores are
// probabilities; the same network cut before its softmax is one whose scores are raw; the built-in
// detector is not a classifier, and Classify refuses it with a one-line error.
func TestIsClassifier(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	g, err := mobilenetv1.Build(mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Channels: 3, Classes: 10})
	if err != nil {
		t.Fatal(err)
	}
	built, err := newModel("built", graph.Fold(g), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	logits := graph.Fold(g)
	logits.Outputs = []int{logits.Find("Predictions").Inputs[0]}
	raw, err := newModel("logits", logits, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, err := DefaultDetector()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m                    *Model
		classifier, probable bool
	}{{c, true, true}, {built, true, true}, {raw, true, false}, {d, false, false}} {
		if c.m.IsClassifier() != c.classifier || c.classifier && c.m.ScoresAreProbabilities() != c.probable {
			t.Errorf("%s: IsClassifier %v, ScoresAreProbabilities %v", c.m.Name(), c.m.IsClassifier(), c.m.ScoresAreProbabilities())
		}
	}
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	if _, err := d.Classify(img, 3); err == nil || !strings.Contains(err.Error(), "not a classifier") || strings.Contains(err.Error(), "\n") {
		t.Errorf("classifying with the detector: %v", err)
	}
	if preds, err := raw.Classify(img, 10); err != nil || len(preds) != 10 {
		t.Errorf("raw scores: %d predictions, %v; want all 10", len(preds), err)
	}
}

// TestReadGraph: a .tflite file reads as its graph, a checkpoint in its training form (batch norm
// nodes), which Load folds; the checkpoint's labels come with it.
func TestReadGraph(t *testing.T) {
	d, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	g, err := ReadGraph("internal/assets/mobilenet_v1_0.75_192_quant.tflite")
	if err != nil || len(g.Nodes) != len(d.Graph().Nodes) {
		t.Fatalf(".tflite: %v", err)
	}
	cfg := mobilenetv1.Config{Alpha: 0.25, Resolution: 32, Channels: 1, Classes: 2}
	built, err := mobilenetv1.Build(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := checkpoint.Save(path, built, checkpoint.MobileNetV1, cfg, map[string]string{checkpoint.KeyLabels: `["cat","dog"]`}, nil); err != nil {
		t.Fatal(err)
	}
	batchNorms := func(g *graph.Graph) (n int) {
		for _, node := range g.Nodes {
			if _, ok := node.Op.(*graph.BatchNorm); ok {
				n++
			}
		}
		return n
	}
	g, err = ReadGraph(path)
	if err != nil || batchNorms(g) == 0 {
		t.Fatalf("checkpoint: %v, %d batch norms", err, batchNorms(g))
	}
	m, err := Load(path)
	if err != nil || batchNorms(m.Graph()) != 0 || strings.Join(m.Labels(), ",") != "cat,dog" {
		t.Fatalf("Load of the checkpoint: %v, labels %q", err, m.Labels())
	}
}
