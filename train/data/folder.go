package data

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/mobilenet-go/mobilenet/vision"
)

// FolderOptions choose how LoadFolder reads images.
type FolderOptions struct {
	H, W      int   // size every image is resized to (bilinear, the aspect ratio not kept)
	Channels  int   // 1 (grey) or 3 (RGB); 0 means 3
	MaxImages int   // refuse folders holding more images than this; 0 means 1,000,000
	MaxPixels int64 // per decoded image; 0 means vision.DefaultMaxPixels
	Threads   int   // decoders running at once; 0 means 4
}

// imageExts are the file name extensions LoadFolder reads; other files are skipped.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".webp": true}

// LoadFolder reads a folder holding one sub-folder per class, named by the class, each holding images
// (JPEG, PNG, GIF, BMP, WebP; other files and hidden entries are skipped). Classes are sorted by name;
// every image is decoded, converted and resized to the options' size. It fails, naming the path, for a
// folder without class sub-folders, a single class, a class without images and an image that does not
// decode.
func LoadFolder(dir string, opt FolderOptions) (*Set, error) {
	if opt.Channels == 0 {
		opt.Channels = 3
	}
	if opt.MaxImages <= 0 {
		opt.MaxImages = 1_000_000
	}
	if opt.Threads <= 0 {
		opt.Threads = 4
	}
	if opt.Channels != 1 && opt.Channels != 3 {
		return nil, fmt.Errorf("data: %d channels requested, want 1 or 3", opt.Channels)
	}
	if opt.H < 1 || opt.W < 1 || opt.H > 4096 || opt.W > 4096 {
		return nil, fmt.Errorf("data: image size %d×%d out of range [1, 4096]", opt.H, opt.W)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	var classes []string
	var files []string
	var labels []int
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub := filepath.Join(dir, e.Name())
		imgs, err := listImages(sub)
		if err != nil {
			return nil, err
		}
		if len(imgs) == 0 {
			return nil, fmt.Errorf("data: %s: class folder holds no images", sub)
		}
		if len(files)+len(imgs) > opt.MaxImages {
			return nil, fmt.Errorf("data: %s: more than %d images", dir, opt.MaxImages)
		}
		for _, f := range imgs {
			files = append(files, f)
			labels = append(labels, len(classes))
		}
		classes = append(classes, e.Name())
	}
	switch len(classes) {
	case 0:
		return nil, fmt.Errorf("data: %s: no class sub-folders (want one folder of images per class)", dir)
	case 1:
		return nil, fmt.Errorf("data: %s: only one class (%s); training needs at least two", dir, classes[0])
	}
	per := opt.H * opt.W * opt.Channels
	s := &Set{Meta: Info{H: opt.H, W: opt.W, C: opt.Channels, Classes: classes}, Pixels: make([]uint8, len(files)*per), Labels: labels}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < opt.Threads; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = decodeInto(s.Pixels[i*per:(i+1)*per], files[i], opt)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// listImages returns the image files of a class folder, sorted by name.
func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("data: %v", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !imageExts[strings.ToLower(filepath.Ext(name))] {
			continue
		}
		out = append(out, filepath.Join(dir, name))
	}
	sort.Strings(out)
	return out, nil
}

func decodeInto(dst []uint8, path string, opt FolderOptions) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %v", err)
	}
	defer f.Close()
	p, err := vision.Load(f, opt.H, opt.W, opt.Channels, 0, opt.MaxPixels)
	if err != nil {
		return fmt.Errorf("data: %s: %v", path, err)
	}
	copy(dst, p.Uint8())
	return nil
}
