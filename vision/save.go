package vision

import (
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"github.com/mobilenet-go/mobilenet/internal/atomicfile"
)

// encoderFor returns the encoder for a file name's extension: .png, or
// .jpg/.jpeg (quality 90), in any letter case.
func encoderFor(path string) (func(io.Writer, image.Image) error, error) {
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".png":
		return png.Encode, nil
	case ".jpg", ".jpeg":
		return func(w io.Writer, img image.Image) error {
			return jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
		}, nil
	default:
		return nil, fmt.Errorf("vision: cannot save %s: extension %q is not .png, .jpg or .jpeg", path, ext)
	}
}

// SaveImage writes img to path as PNG or as JPEG (quality 90), chosen by the
// extension (.png, .jpg, .jpeg); any other extension is an error. The write
// is atomic: the image goes to a temporary file in the same directory, which
// is synced and then renamed over path, so a failure leaves an existing file
// untouched. The new file has mode 0644.
func SaveImage(path string, img image.Image) error {
	encode, err := encoderFor(path)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, func(w io.Writer) error { return encode(w, img) }); err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	return nil
}
