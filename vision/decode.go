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

// DefaultMaxProgressivePixels is the limit on progressive JPEGs used when
// [Limits.MaxProgressivePixels] is zero or less: 16 M pixels. Go's JPEG
// decoder keeps every DCT coefficient of a progressive image, 4 bytes per
// coefficient (up to 12 bytes a pixel), allocated at the first scan from the
// header alone.
const DefaultMaxProgressivePixels = 16_000_000

// Limits bounds the images [Limits.Decode] accepts, judged from the header
// before any pixel buffer is allocated.
type Limits struct {
	// MaxPixels is the largest image in pixels; ≤ 0 means [DefaultMaxPixels].
	MaxPixels int64
	// MaxProgressivePixels is the largest progressive JPEG in pixels (at
	// most MaxPixels); ≤ 0 means [DefaultMaxProgressivePixels].
	MaxProgressivePixels int64
}

// Header is what an image's header says.
type Header struct {
	Format        string // "jpeg", "png", "gif", "bmp" or "webp"
	Width, Height int
	Progressive   bool // a progressive JPEG
}

// Pixels returns Width·Height.
func (h Header) Pixels() int64 { return int64(h.Width) * int64(h.Height) }

// Decode reads one image (JPEG, PNG, the first frame of a GIF, BMP or WebP)
// from r and returns it with its format name ("jpeg", "png", "gif", "bmp",
// "webp"). A GIF frame is returned as stored: where it covers only part of
// the GIF's screen, its bounds are that part. It is [Limits.Decode] with
// MaxPixels maxPixels and the default limit on progressive JPEGs.
func Decode(r io.Reader, maxPixels int64) (img image.Image, format string, err error) {
	return Limits{MaxPixels: maxPixels}.Decode(r)
}

// Decode reads one image as the function [Decode] does. It first reads only
// the header ([Limits.Header]) and refuses, before any pixel buffer is
// allocated, an image over the limits (ErrTooManyPixels) or with a zero or
// negative dimension (ErrCorrupt). Data of no known format gives
// ErrUnknownFormat; data that fails to decode gives ErrCorrupt, which also
// wraps the decoder's own error. Decode does not limit the number of bytes
// read: wrap r in an [io.LimitedReader] for that. EXIF orientation is not
// applied.
func (l Limits) Decode(r io.Reader) (img image.Image, format string, err error) {
	// Every byte the header consumes is kept in head, so the full decode
	// can replay it before reading on from r.
	var head bytes.Buffer
	h, err := l.header(io.TeeReader(r, &head), &head)
	if err != nil {
		return nil, h.Format, err
	}
	img, _, err = safeDecode(io.MultiReader(&head, r))
	if err != nil {
		return nil, h.Format, fmt.Errorf("%w (%s): %w", ErrCorrupt, h.Format, err)
	}
	// A GIF's first frame may be smaller than its screen; no format may
	// give more pixels than its header promised.
	if b := img.Bounds(); b.Empty() || b.Dx() > h.Width || b.Dy() > h.Height {
		return nil, h.Format, fmt.Errorf("%w (%s): header says %d×%d but the pixels are %d×%d",
			ErrCorrupt, h.Format, h.Width, h.Height, b.Dx(), b.Dy())
	}
	return img, h.Format, nil
}

// Header reads the header of an image from r and checks it against the
// limits, with the errors of [Limits.Decode]; it reads no pixel data.
func (l Limits) Header(r io.Reader) (Header, error) {
	var head bytes.Buffer
	return l.header(io.TeeReader(r, &head), &head)
}

// header reads the header from r, whose bytes read so far are in head.
func (l Limits) header(r io.Reader, head *bytes.Buffer) (Header, error) {
	cfg, format, err := safeDecodeConfig(r)
	h := Header{Format: format, Width: cfg.Width, Height: cfg.Height}
	if err != nil {
		if errors.Is(err, image.ErrFormat) {
			return h, ErrUnknownFormat
		}
		return h, fmt.Errorf("%w (%s header): %w", ErrCorrupt, format, err)
	}
	maxPixels, maxProgressive := l.MaxPixels, l.MaxProgressivePixels
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	if maxProgressive <= 0 {
		maxProgressive = DefaultMaxProgressivePixels
	}
	if err := checkSize(format, cfg.Width, cfg.Height, maxPixels); err != nil {
		return h, err
	}
	if format == "jpeg" && jpegProgressive(head.Bytes()) {
		h.Progressive = true
		if int64(h.Width) > maxProgressive/int64(h.Height) {
			return h, fmt.Errorf("%w: progressive jpeg header says %d×%d, limit is %d pixels for progressive JPEGs",
				ErrTooManyPixels, h.Width, h.Height, maxProgressive)
		}
	}
	return h, nil
}

// jpegProgressive reports whether the JPEG stream b has a progressive frame
// header (SOF2, the only progressive kind Go decodes) before its first scan.
// It walks the markers as image/jpeg does: bytes between segments are
// skipped, as are fill bytes and restart markers.
func jpegProgressive(b []byte) bool {
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xd8 {
		return false
	}
	for i := 2; i+1 < len(b); {
		if b[i] != 0xff {
			i++
			continue
		}
		i++
		for i < len(b) && b[i] == 0xff {
			i++
		}
		if i+2 >= len(b) {
			return false
		}
		m := b[i]
		i++
		switch {
		case m == 0: // an escaped 0xff outside a segment
			continue
		case m == 0xc2:
			return true
		case m == 0xc0, m == 0xc1, m == 0xda, m == 0xd9: // another frame, a scan, the end
			return false
		case m >= 0xd0 && m <= 0xd7: // restart markers have no length
			continue
		}
		i += int(b[i])<<8 | int(b[i+1])
	}
	return false
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
