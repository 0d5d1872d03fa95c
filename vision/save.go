package vision

import (
	"bufio"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
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
func SaveImage(path string, img image.Image) (err error) {
	encode, err := encoderFor(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriter(tmp)
	if err := encode(w, img); err != nil {
		return fmt.Errorf("vision: encoding %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("vision: writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("vision: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable where the system allows syncing a
// directory; where it does not, the rename has still happened, so errors
// are ignored.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
