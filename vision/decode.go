package vision

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"os"

	// Decoders register themselves with package image.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/bmp"
	_ "golang.org/x/image/webp"
)

// DefaultMaxPixels is the pixel limit used when a caller passes a limit of
// zero or less: 2^26 pixels, e.g. 8192×8192.
const DefaultMaxPixels = 1 << 26

var (
	// ErrTooManyPixels is wrapped by the errors for images whose header
	// claims more pixels than the caller's limit, or dimensions whose product
	// overflows.
	ErrTooManyPixels = errors.New("vision: image has too many pixels")
	// ErrUnknownFormat is wrapped by the errors for data that is not an
	// image of a known format (JPEG, PNG, GIF, BMP, WebP).
	ErrUnknownFormat = errors.New("vision: unknown image format")
	// ErrCorrupt is wrapped by the errors for data that starts like an image
	// of a known format but cannot be decoded.
	ErrCorrupt = errors.New("vision: corrupt image")
)

// Decode reads one image (JPEG, PNG, the first frame of a GIF, BMP or WebP)
// from r and returns it with its format name ("jpeg", "png", "gif", "bmp",
// "webp"). A GIF frame is returned as stored: where it covers only part of
// the GIF's screen, its bounds are that part.
//
// It first reads only the header and refuses, before any pixel buffer is
// allocated, an image that claims more than maxPixels pixels
// (ErrTooManyPixels; maxPixels ≤ 0 means [DefaultMaxPixels]) or a zero or
// negative dimension (ErrCorrupt). Data of no known format gives
// ErrUnknownFormat; data that fails to decode gives ErrCorrupt, which also
// wraps the decoder's own error. Decode does not limit the number of bytes
// read: wrap r in an [io.LimitedReader] for that. EXIF orientation is not
// applied.
func Decode(r io.Reader, maxPixels int64) (img image.Image, format string, err error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	// Every byte DecodeConfig consumes is kept in head, so the full decode
	// can replay it before reading on from r.
	var head bytes.Buffer
	cfg, format, err := safeDecodeConfig(io.TeeReader(r, &head))
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return nil, "", ErrUnknownFormat
		}
		return nil, format, fmt.Errorf("%w (%s header): %w", ErrCorrupt, format, err)
	}
	if err := checkSize(format, cfg.Width, cfg.Height, maxPixels); err != nil {
		return nil, format, err
	}
	img, _, err = safeDecode(io.MultiReader(&head, r))
	if err != nil {
		return nil, format, fmt.Errorf("%w (%s): %w", ErrCorrupt, format, err)
	}
	// A GIF's first frame may be smaller than its screen; no format may
	// give more pixels than its header promised.
	if b := img.Bounds(); b.Empty() || b.Dx() > cfg.Width || b.Dy() > cfg.Height {
		return nil, format, fmt.Errorf("%w (%s): header says %d×%d but the pixels are %d×%d",
			ErrCorrupt, format, cfg.Width, cfg.Height, b.Dx(), b.Dy())
	}
	return img, format, nil
}

// DecodeFile opens path and decodes it as [Decode] does.
func DecodeFile(path string, maxPixels int64) (image.Image, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("vision: %w", err)
	}
	defer f.Close()
	img, format, err := Decode(bufio.NewReader(f), maxPixels)
	if err != nil {
		return nil, format, fmt.Errorf("%w (in %s)", err, path)
	}
	return img, format, nil
}

// checkSize refuses dimensions that are not positive or whose product
// exceeds maxPixels, without computing a product that could overflow.
func checkSize(format string, w, h int, maxPixels int64) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("%w (%s): header says %d×%d pixels", ErrCorrupt, format, w, h)
	}
	if int64(w) > maxPixels/int64(h) {
		return fmt.Errorf("%w: %s header says %d×%d, limit is %d pixels",
			ErrTooManyPixels, format, w, h, maxPixels)
	}
	return nil
}

// safeDecodeConfig is image.DecodeConfig with a decoder panic turned into an
// error, so that no input can crash the caller.
func safeDecodeConfig(r io.Reader) (cfg image.Config, format string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return image.DecodeConfig(r)
}

// safeDecode is image.Decode with a decoder panic turned into an error.
func safeDecode(r io.Reader) (img image.Image, format string, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return image.Decode(r)
}
