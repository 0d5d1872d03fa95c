package vision

import (
	"fmt"
	"io"
)

// Load decodes an image from r as [Decode] does (refusing more than
// maxPixels pixels; ≤ 0 means [DefaultMaxPixels]), keeps its central crop
// fraction (0 or 1: no crop; otherwise in (0, 1), as [CentralCrop]), and
// resizes it to h×w with [ResizeBilinear], giving channels 3 (RGB) or 1
// (grey) float32 values in 0..255. It converts only the pixels the resize
// reads ([ResizeImage]): beyond the decoded image, its memory is that of the
// result. Turn the result into a tensor with
// [Pixels.Float32], [Pixels.Uint8] or [Pixels.Int8].
func Load(r io.Reader, h, w, channels int, crop float64, maxPixels int64) (*Pixels, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("vision: %d channels requested, want 1 or 3", channels)
	}
	if crop == 1 {
		crop = 0
	}
	if crop != 0 {
		if err := checkFraction(crop); err != nil {
			return nil, err
		}
	}
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if h < 1 || w < 1 {
		return nil, fmt.Errorf("vision: output size %d×%d is not positive", h, w)
	}
	if int64(w) > maxPixels/int64(h) {
		return nil, fmt.Errorf("%w: output size %d×%d, limit is %d pixels", ErrTooManyPixels, h, w, maxPixels)
	}
	img, _, err := Decode(r, maxPixels)
	if err != nil {
		return nil, err
	}
	return ResizeImage(img, h, w, channels, crop)
}
