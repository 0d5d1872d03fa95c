package mobilenet

import (
	"image"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestDetectPhotos: the built-in detector finds cats and dogs in the cats-and-dogs photo and people in
// the Grace Hopper photo, with boxes inside the image in its own pixels.
func TestDetectPhotos(t *testing.T) {
	m, err := DefaultDetector(WithThreshold(0.4))
	if err != nil {
		t.Fatal(err)
	}
	if !m.IsDetector() || len(m.Labels()) != 90 || m.Labels()[0] != "person" {
		t.Fatalf("detector %v, %d labels", m.IsDetector(), len(m.Labels()))
	}
	for _, c := range []struct {
		file string
		want []string
	}{
		{"tfls_cats_and_dogs.jpg", []string{"cat", "dog"}},
		{"tfls_grace_hopper.jpg", []string{"person"}},
	} {
		img, dets, err := m.DetectFile(shared.Path(t, "images/"+c.file))
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		b := img.Bounds()
		for _, d := range dets {
			found[d.Label] = true
			t.Logf("%s: %s (%d) %.3f at %.0f,%.0f-%.0f,%.0f", c.file, d.Label, d.Class, d.Score, d.Box.XMin, d.Box.YMin, d.Box.XMax, d.Box.YMax)
			if d.Score < 0.4 || d.Box.XMin < 0 || d.Box.YMin < 0 || d.Box.XMax > float64(b.Dx()) || d.Box.YMax > float64(b.Dy()) || d.Box.XMin >= d.Box.XMax {
				t.Errorf("%s: bad detection %+v in a %v image", c.file, d, b.Size())
			}
		}
		for _, w := range c.want {
			if !found[w] {
				t.Errorf("%s: no %s among %v", c.file, w, dets)
			}
		}
	}
	// A classifier is not a detector.
	cls, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cls.Detect(image.NewRGBA(image.Rect(0, 0, 8, 8))); err == nil {
		t.Error("a classifier detected")
	}
}
