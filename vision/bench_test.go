package vision

import (
	"bytes"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// BenchmarkResizeBilinear resizes a 480×640 RGB image to MobileNet's
// 224×224.
func BenchmarkResizeBilinear(b *testing.B) {
	p := &Pixels{H: 480, W: 640, C: 3, Pix: make([]float32, 480*640*3)}
	for i := range p.Pix {
		p.Pix[i] = float32(i % 256)
	}
	for b.Loop() {
		ResizeBilinear(p, 224, 224)
	}
}

// BenchmarkLoad runs the whole pipeline on a 1200×600 progressive JPEG.
func BenchmarkLoad(b *testing.B) {
	data := shared.ReadFile(b, "images/tfls_cats_and_dogs.jpg")
	for b.Loop() {
		if _, err := Load(bytes.NewReader(data), 224, 224, 3, 0.875, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToPixels converts a decoded 1200×600 YCbCr JPEG to RGB floats.
func BenchmarkToPixels(b *testing.B) {
	img, _, err := DecodeFile(shared.Path(b, "images/tfls_cats_and_dogs.jpg"), 0)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ToPixels(img, 3); err != nil {
			b.Fatal(err)
		}
	}
}
