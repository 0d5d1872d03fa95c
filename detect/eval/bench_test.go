package eval

import (
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/lcg"
)

// synthetic returns a COCO-like evaluation: images × 7 boxes over 80 categories, and per
// image perImage detections, half near a box, half anywhere.
func synthetic(images, perImage int) ([]GroundTruth, []Detection) {
	r := lcg.New(1)
	u := func(n float64) float64 { return float64(r.Next()%1_000_000) / 1_000_000 * n }
	var gt []GroundTruth
	var dt []Detection
	for img := range images {
		first := len(gt)
		for range 7 {
			gt = append(gt, gtBox(img, int(r.Next()%80), u(500), u(400), 4+u(200), 4+u(200)))
		}
		for i := range perImage {
			d := Detection{Image: img, Category: int(r.Next() % 80), Box: Box{u(500), u(400), 4 + u(200), 4 + u(200)}, Score: u(1)}
			if i%2 == 0 {
				g := gt[first+i/2%7]
				d.Category, d.Box = g.Category, Box{g.Box.X + u(10), g.Box.Y + u(10), g.Box.W + u(10), g.Box.H}
			}
			dt = append(dt, d)
		}
	}
	return gt, dt
}

// BenchmarkCOCO5000 evaluates 5000 images × 100 detections (the size of COCO val2017 with a
// detector's usual output).
func BenchmarkCOCO5000(b *testing.B) {
	gt, dt := synthetic(5000, 100)
	b.ResetTimer()
	for range b.N {
		if _, err := COCO(gt, dt, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCOCOFixture evaluates the shared 100-image fixture, reading included.
func BenchmarkCOCOFixture(b *testing.B) {
	for range b.N {
		fixtureResult(b)
	}
}
