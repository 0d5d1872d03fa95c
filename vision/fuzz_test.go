package vision

import (
	"bytes"
	"errors"
	"image"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to Decode: it must not panic, every
// error must wrap one of the package's three error values, and an image
// that decodes must respect the limit and convert to pixels, whole or resized.
func FuzzDecode(f *testing.F) {
	small := image.NewNRGBA(image.Rect(0, 0, 3, 2))
	copy(small.Pix, pattern().Pix)
	for _, format := range []string{"png", "jpeg", "gif", "bmp"} {
		f.Add(encoded(f, format, small))
	}
	for _, name := range []string{"lossless.webp", "lossy.webp", "lossy_alpha.webp"} {
		f.Add(readTestdata(f, name))
	}
	f.Add(pngHeader(100000, 100000))
	f.Add(jpegHeader(300, 200))
	f.Add(bmpHeader(4, 4))
	f.Add(gifHeader(2, 2))
	f.Add(webpVP8XHeader(5, 5))
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := Decode(bytes.NewReader(data), limit)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrTooManyPixels) {
				t.Fatalf("error %v wraps none of the package's errors", err)
			}
			return
		}
		b := img.Bounds()
		if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx()*b.Dy() > limit {
			t.Fatalf("decoded bounds %v", b)
		}
		for _, c := range []int{1, 3} {
			p, err := ToPixels(img, c)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ResizeImage(img, 5, 7, c, 0.875); err != nil {
				t.Fatal(err)
			}
			for _, v := range p.Pix {
				if !(v >= 0 && v <= 255) {
					t.Fatalf("value %v outside 0..255", v)
				}
			}
		}
	})
}
