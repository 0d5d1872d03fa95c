package mobilenet

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		preds, err := m.ClassifyFile(filepath.Join("../shared/images", c.file), 3)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s %.4f, %s %.4f", c.file, preds[0].Label, preds[0].Score, preds[1].Label, preds[1].Score)
		if preds[0].Label != c.want {
			t.Errorf("%s: top-1 %q (%.3f), want %q", c.file, preds[0].Label, preds[0].Score, c.want)
		}
		if preds[0].Score < preds[1].Score || preds[0].Score > 1 {
			t.Errorf("%s: scores not sorted or above 1: %v", c.file, preds)
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
		"truncated": truncated(t, "../shared/images/tfls_burger.jpg", 2000),
	} {
		if _, err := m.ClassifyReader(bytes.NewReader(data), 5); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v", name, err)
		}
	}
	// 1200×1000 pixels exceed the limit of one million: refused before decoding.
	big, err := os.ReadFile("../shared/images/coral_parrot.jpg")
	if err != nil {
		t.Fatal(err)
	}
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

func truncated(t *testing.T, path string, n int) []byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b[:n]
}

// TestBadModels: truncated or corrupted model files give one-line errors.
func TestBadModels(t *testing.T) {
	b, err := os.ReadFile("../shared/models/mobilenet_v1_0.25_128_quant.tflite")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 7, 100, 4096, len(b) / 2, len(b) - 1000} {
		if _, err := LoadBytes("cut", b[:n]); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
	}
	if _, err := Load("testdata/does-not-exist.tflite"); err == nil {
		t.Error("missing file accepted")
	}
}
