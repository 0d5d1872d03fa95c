package mobilenet

import (
	"image"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
	"github.com/mobilenet-go/mobilenet/vision"
)

// TestPascalVOCLabels: 21 classes, background first, person 15, and the file's trailing note left out.
func TestPascalVOCLabels(t *testing.T) {
	l := PascalVOCLabels()
	if len(l) != 21 || l[0] != "background" || l[personClass] != "person" || l[20] != "tvmonitor" {
		t.Fatalf("labels %q", l)
	}
	for _, s := range l {
		if s == "" || strings.Contains(s, " ") {
			t.Errorf("label %q", s)
		}
	}
}

// TestSegmentationShares works the shares of a 2×2 mask over a 3×2 image by hand: columns 0, 1, 2
// take mask columns 0, 1, 1, so class 7 (left column) covers 2 of 6 pixels and class 15 4 of 6.
func TestSegmentationShares(t *testing.T) {
	s := &Segmentation{Mask: vision.Mask{Width: 2, Height: 2, Classes: []int32{7, 15, 7, 15}},
		ImageWidth: 3, ImageHeight: 2, Labels: PascalVOCLabels()}
	got, err := s.Shares()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Label != "person" || got[0].Index != 15 || got[1].Label != "car" {
		t.Fatalf("shares %+v", got)
	}
	if err := approx.Close([]float64{got[0].Share, got[1].Share}, []float64{4.0 / 6, 2.0 / 6}, 1e-15, 0); err != nil {
		t.Error(err)
	}
	s.Classes[0] = 99 // a class past the labels is named by its number
	if got, _ := s.Shares(); got[len(got)-1].Label != "99" {
		t.Errorf("shares %+v", got)
	}
}

// TestSegmentRefusesOtherModels: a classifier is not a segmenter, and Segment says so in one line; the
// built-in segmenter is one.
func TestSegmentRefusesOtherModels(t *testing.T) {
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if c.IsSegmenter() {
		t.Error("the classifier claims to segment")
	}
	_, err = c.Segment(image.NewRGBA(image.Rect(0, 0, 4, 4)))
	if err == nil || !strings.Contains(err.Error(), "not a segmentation model") || strings.Contains(err.Error(), "\n") {
		t.Errorf("Segment on a classifier: %v", err)
	}
	s, err := DefaultSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	if !s.IsSegmenter() || s.IsClassifier() || s.IsDetector() {
		t.Errorf("built-in segmenter: segmenter %v classifier %v detector %v", s.IsSegmenter(), s.IsClassifier(), s.IsDetector())
	}
	if _, err := s.Segment(image.NewRGBA(image.Rect(0, 0, 0, 5))); err == nil {
		t.Error("an empty image segmented")
	}
	if _, _, err := s.SegmentReader(strings.NewReader("GIF89a garbage")); err == nil || strings.Contains(err.Error(), "\n") {
		t.Errorf("a corrupt image: %v", err)
	}
}
