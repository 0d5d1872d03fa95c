package detdata

import (
	"bufio"
	"fmt"
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

// imageSize reads the header of the image at path and returns its size, with the checks of
// vision.Limits.Header: a known format, a positive size, at most maxPixels pixels (and the limit
// on progressive JPEGs).
func imageSize(path string, maxPixels int64) (w, h int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	hd, err := vision.Limits{MaxPixels: maxPixels}.Header(bufio.NewReader(f))
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	return hd.Width, hd.Height, nil
}
