package vision

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/shared"
)

// TestLoadCrop checks the whole pipeline on the 8×6 pattern: a 0.5 crop
// keeps rows 1..4 ((6−3)/2 = 1.5 → 1, size 4) and columns 2..5
// ((8−4)/2 = 2), and a same-size resize keeps the values.
func TestLoadCrop(t *testing.T) {
	data := encoded(t, "png", pattern())
	p, err := Load(bytes.NewReader(data), 4, 4, 3, 0.5, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 0, 48)
	for y := 0; y < 4; y++ {
		for x := 0; x < 4; x++ {
			c := patternAt(x+2, y+1)
			want = append(want, float32(c.R), float32(c.G), float32(c.B))
		}
	}
	checkPixels(t, p, 4, 4, 3, want, 0)
}

// TestLoadResize checks Load resizes with the legacy bilinear rule: the
// pattern is linear in x and y, so halving 8×6 to 4×3 reads source
// (2y, 2x) exactly.
func TestLoadResize(t *testing.T) {
	data := encoded(t, "bmp", pattern())
	p, err := Load(bytes.NewReader(data), 3, 4, 1, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float32, 0, 12)
	for y := 0; y < 3; y++ {
		for x := 0; x < 4; x++ {
			c := patternAt(2*x, 2*y)
			want = append(want, luma(c.R, c.G, c.B))
		}
	}
	checkPixels(t, p, 3, 4, 1, want, 0)
}

// TestLoadSharedPhoto runs label_image's preprocessing on grace_hopper.
func TestLoadSharedPhoto(t *testing.T) {
	f, err := os.Open(shared.Path(t, "images/tfls_grace_hopper.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := Load(f, 224, 224, 3, 0.875, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.H != 224 || p.W != 224 || p.C != 3 {
		t.Fatalf("shape %d×%d×%d", p.H, p.W, p.C)
	}
	var sum float64
	for _, v := range p.Pix {
		// Float32 rounding in the resize may overshoot 255 by an ulp or so,
		// as in TFLite.
		if v < -1e-3 || v > 255+1e-3 {
			t.Fatalf("value %v outside 0..255", v)
		}
		sum += float64(v)
	}
	if mean := sum / float64(len(p.Pix)); mean < 20 || mean > 235 {
		t.Fatalf("mean %v: not a photo", mean)
	}
}

func TestLoadErrors(t *testing.T) {
	data := encoded(t, "png", pattern())
	tests := []struct {
		name      string
		h, w, c   int
		crop      float64
		maxPixels int64
		want      error
	}{
		{"2 channels", 4, 4, 2, 0, 0, nil},
		{"crop 1.5", 4, 4, 3, 1.5, 0, nil},
		{"crop -0.5", 4, 4, 3, -0.5, 0, nil},
		{"zero height", 0, 4, 3, 0, 0, nil},
		{"output over the limit", 100, 100, 3, 0, 1000, ErrTooManyPixels},
		{"image over the limit", 4, 4, 3, 0, 47, ErrTooManyPixels},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(bytes.NewReader(data), tc.h, tc.w, tc.c, tc.crop, tc.maxPixels)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := Load(bytes.NewReader([]byte("not an image")), 4, 4, 3, 0, 0); !errors.Is(err, ErrUnknownFormat) {
		t.Fatalf("text: error %v", err)
	}
}
