package serve

import (
	"bytes"
	"image/png"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mobilenet-go/mobilenet"
)

// hopperJPEG is the repository's copy of the Grace Hopper photo (no ../shared needed).
func hopperJPEG(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/images/grace_hopper.jpg")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSegment: /v1/segment answers the library's shares for the photo (person first), and with
// ?draw=1 the library's blended image, pixel for pixel; a corrupt image is a 4xx with one line.
func TestSegment(t *testing.T) {
	if testing.Short() {
		t.Skip("runs DeepLab at 513×513")
	}
	seg, err := mobilenet.DefaultSegmenter()
	if err != nil {
		t.Fatal(err)
	}
	_, ts := start(t, Config{Segmenter: seg, Concurrency: 1, Timeout: 5 * time.Minute})
	jpeg := hopperJPEG(t)
	img, s, err := seg.SegmentReader(bytes.NewReader(jpeg))
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.Shares()
	if err != nil {
		t.Fatal(err)
	}
	res, body := do(t, "POST", ts.URL+"/v1/segment", "image/jpeg", bytes.NewReader(jpeg))
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	got := decodeJSON[SegmentResult](t, body)
	b := img.Bounds()
	if got.Image != "body" || got.Width != b.Dx() || got.Height != b.Dy() || !reflect.DeepEqual(got.Classes, want) || got.Classes[0].Label != "person" {
		t.Errorf("got %+v, want %dx%d %+v", got, b.Dx(), b.Dy(), want)
	}
	res, body = do(t, "POST", ts.URL+"/v1/segment?draw=1", "image/jpeg", bytes.NewReader(jpeg))
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("draw: status %d, type %q: %.200s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	drawn, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := mobilenet.DrawSegmentation(img, s)
	if err != nil {
		t.Fatal(err)
	}
	if drawn.Bounds() != ref.Bounds() {
		t.Fatalf("drawn %v, want %v", drawn.Bounds(), ref.Bounds())
	}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			r0, g0, b0, _ := drawn.At(x, y).RGBA()
			r1, g1, b1, _ := ref.At(x, y).RGBA()
			if r0 != r1 || g0 != g1 || b0 != b1 {
				t.Fatalf("pixel (%d, %d): got %d %d %d, want %d %d %d", x, y, r0, g0, b0, r1, g1, b1)
			}
		}
	}
	res, body = do(t, "POST", ts.URL+"/v1/segment", "image/jpeg", bytes.NewReader(jpeg[:200]))
	if res.StatusCode < 400 || res.StatusCode >= 500 || strings.Count(string(bytes.TrimSpace(body)), "\n") != 0 {
		t.Errorf("a truncated JPEG: status %d: %s", res.StatusCode, body)
	}
}

// TestNoSegmenter: without a segmentation model /v1/segment is a 404, and a model that does not
// segment is refused by New.
func TestNoSegmenter(t *testing.T) {
	_, ts := start(t, Config{})
	res, body := do(t, "POST", ts.URL+"/v1/segment", "", bytes.NewReader(pngImage(t, 8, 8)))
	if res.StatusCode != 404 || !strings.Contains(decodeJSON[errorBody](t, body).Error, "no segmentation model") {
		t.Errorf("status %d: %s", res.StatusCode, body)
	}
	if _, err := New(Config{Classifier: smallClassifier(t), Segmenter: smallClassifier(t)}); err == nil || !strings.Contains(err.Error(), "not a segmentation model") {
		t.Errorf("a classifier as the segmenter: %v", err)
	}
}
