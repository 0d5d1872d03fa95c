package vision

import (
	"fmt"
	"image"
)

// cropSide returns the first index and the length kept of a side of n
// pixels by a central crop of fraction f in (0, 1].
//
// It follows tf.image.central_crop for a static shape
// (tensorflow/python/ops/image_ops_impl.py): the start is
// int((n − n·f) / 2) in Python floats (float64, truncated toward zero), and
// the size is n − 2·start, so the crop stays centred and the size is never 0.
// For example 224 with 0.875 gives start 14 and size 196.
func cropSide(n int, f float64) (start, size int) {
	nf := float64(n)
	start = int((nf - nf*f) / 2)
	return start, n - 2*start
}

// checkFraction rejects a crop fraction outside (0, 1], NaN included.
func checkFraction(f float64) error {
	if !(f > 0 && f <= 1) {
		return fmt.Errorf("vision: central crop fraction %v is not in (0, 1]", f)
	}
	return nil
}

// cropRect is the central crop of fraction f of the rectangle b.
func cropRect(b image.Rectangle, f float64) image.Rectangle {
	y0, h := cropSide(b.Dy(), f)
	x0, w := cropSide(b.Dx(), f)
	origin := b.Min.Add(image.Pt(x0, y0))
	return image.Rectangle{Min: origin, Max: origin.Add(image.Pt(w, h))}
}

// CentralCrop returns a new image holding the central fraction of each side
// of p, with the integer arithmetic of tf.image.central_crop: on a side of n
// pixels it drops int((n − n·fraction)/2) pixels at each end. fraction must
// be in (0, 1]; 1 returns a copy of p.
func CentralCrop(p *Pixels, fraction float64) (*Pixels, error) {
	if err := checkFraction(fraction); err != nil {
		return nil, err
	}
	y0, h := cropSide(p.H, fraction)
	x0, w := cropSide(p.W, fraction)
	out, err := newPixels(h, w, p.C)
	if err != nil {
		return nil, err
	}
	rowLen := w * p.C
	for y := 0; y < h; y++ {
		src := ((y0+y)*p.W + x0) * p.C
		copy(out.Pix[y*rowLen:(y+1)*rowLen], p.Pix[src:src+rowLen])
	}
	return out, nil
}
