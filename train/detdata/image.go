package detdata

import (
	"bufio"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/mobilenet-go/mobilenet/vision"
)

// defaultMaxPixels is the pixel limit when the options give none.
const defaultMaxPixels = vision.DefaultMaxPixels

// checkImages finds the file of every entry not already bad and reads its header, on as many
// goroutines as there are CPUs; an entry whose image is missing, not an image, too large or of
// another size than its annotation says becomes bad.
func checkImages(entries []*entry, maxPixels int64) {
	next := make(chan *entry)
	var wg sync.WaitGroup
	for range max(runtime.NumCPU(), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range next {
				e.bad = checkImage(e, maxPixels)
			}
		}()
	}
	for _, e := range entries {
		if e.bad == nil {
			next <- e
		}
	}
	close(next)
	wg.Wait()
}

// checkImage finds e's image file, reads its header and fills e.path, e.width and e.height.
func checkImage(e *entry, maxPixels int64) error {
	if !filepath.IsLocal(e.name) {
		return errorf(e.where, "image name %q is not a relative path inside the image folder", e.name)
	}
	for _, dir := range e.dirs {
		p := filepath.Join(dir, e.name)
		if fi, err := os.Stat(p); err == nil {
			if !fi.Mode().IsRegular() {
				return errorf(e.where, "image %s is not a regular file", p)
			}
			e.path = p
			break
		}
	}
	if e.path == "" {
		return errorf(e.where, "image %q not found in %s", e.name, strings.Join(e.dirs, ", "))
	}
	w, h, err := imageSize(e.path, maxPixels)
	if err != nil {
		return errorf(e.where, "%v", err)
	}
	if (e.width != 0 || e.height != 0) && (e.width != w || e.height != h) {
		return errorf(e.where, "the annotation says %d×%d but image %s is %d×%d", e.width, e.height, e.path, w, h)
	}
	e.width, e.height = w, h
	return nil
}

// imageSize reads the header of the image at path and returns its size, refusing data of no known
// format, a size that is not positive and more than maxPixels pixels.
func imageSize(path string, maxPixels int64) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	cfg, format, err := decodeConfig(bufio.NewReader(f))
	switch {
	case errors.Is(err, image.ErrFormat):
		return 0, 0, fmt.Errorf("%s: not an image of a known format (JPEG, PNG, GIF, BMP, WebP)", path)
	case err != nil:
		return 0, 0, fmt.Errorf("%s: bad %s header: %v", path, format, err)
	case cfg.Width <= 0 || cfg.Height <= 0:
		return 0, 0, fmt.Errorf("%s: %s header says %d×%d pixels", path, format, cfg.Width, cfg.Height)
	case int64(cfg.Width) > maxPixels/int64(cfg.Height):
		return 0, 0, fmt.Errorf("%s: %s header says %d×%d, more than the limit of %d pixels", path, format, cfg.Width, cfg.Height, maxPixels)
	}
	return cfg.Width, cfg.Height, nil
}

// decodeConfig is image.DecodeConfig (with the decoders package vision registers) that turns a
// decoder's panic into an error.
func decodeConfig(r *bufio.Reader) (cfg image.Config, format string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder panicked: %v", p)
		}
	}()
	return image.DecodeConfig(r)
}
