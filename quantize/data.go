package quantize

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mobilenet-go/mobilenet/train/data"
	"github.com/mobilenet-go/mobilenet/train/detdata"
	"github.com/mobilenet-go/mobilenet/vision"
)

// imageExts are the file name extensions of images in a flat folder.
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".bmp": true, ".webp": true}

// LoadImages reads up to n calibration images (all when n ≤ 0 or when there are fewer), each resized to
// h×w with c channels, as H·W·C bytes: path is a folder of images, a folder of one sub-folder per
// class, IDX files (the training split), or a detection data set (a VOC or YOLO folder, a .csv or a
// COCO .json). When there are more than n, n are chosen at random from seed. IDX images must have c
// channels: their channel count cannot be converted.
func LoadImages(path string, h, w, c, n int, seed uint64) ([][]uint8, error) {
	if c != 1 && c != 3 {
		return nil, fmt.Errorf("quantize: the model takes %d channels; calibration images have 1 or 3", c)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	if !st.IsDir() || isDetection(path) {
		set, err := detdata.Load(path, detdata.Options{SkipBad: true})
		if err != nil {
			return nil, err
		}
		files := make([]string, len(set.Samples))
		for i, s := range set.Samples {
			files[i] = s.Path
		}
		return decodeFiles(pick(files, n, seed), h, w, c)
	}
	if data.HasIDX(path) {
		d, err := data.OpenDir(path, data.DirOptions{})
		if err != nil {
			return nil, err
		}
		ds := d.Train
		if ds == nil {
			ds = d.Test
		}
		return fromDataset(ds, h, w, c, n, seed)
	}
	files, err := listImages(path)
	if err != nil {
		return nil, err
	}
	if len(files) > 0 {
		return decodeFiles(pick(files, n, seed), h, w, c)
	}
	if !hasSubfolders(path) {
		return nil, fmt.Errorf("quantize: %s holds no calibration images (want images, class folders of images, IDX files or a detection data set)", path)
	}
	set, err := data.LoadFolder(path, data.FolderOptions{H: h, W: w, Channels: c})
	if err != nil {
		return nil, err
	}
	return fromDataset(set, h, w, c, n, seed)
}

// isDetection reports whether the folder is a VOC or YOLO detection set.
func isDetection(dir string) bool {
	for _, n := range []string{"Annotations", "annotations", "classes.txt"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

// listImages returns the image files directly in dir, sorted.
func listImages(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("quantize: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasPrefix(name, ".") && imageExts[strings.ToLower(filepath.Ext(name))] {
			out = append(out, filepath.Join(dir, name))
		}
	}
	sort.Strings(out)
	return out, nil
}

// pick returns n of files chosen at random from seed, in their order, or all of them.
func pick(files []string, n int, seed uint64) []string {
	if n <= 0 || n >= len(files) {
		return files
	}
	p := data.Permutation(len(files), seed, 3)[:n]
	sort.Ints(p)
	out := make([]string, n)
	for i, j := range p {
		out[i] = files[j]
	}
	return out
}

func decodeFiles(files []string, h, w, c int) ([][]uint8, error) {
	out := make([][]uint8, 0, len(files))
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("quantize: %w", err)
		}
		px, err := vision.Load(r, h, w, c, 0, 0)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("quantize: %s: %v", f, err)
		}
		out = append(out, px.Uint8())
	}
	return out, nil
}

// fromDataset returns n images of ds (chosen from seed), resized to h×w when their size differs.
func fromDataset(ds data.Dataset, h, w, c, n int, seed uint64) ([][]uint8, error) {
	info := ds.Info()
	if info.C != c {
		return nil, fmt.Errorf("quantize: the calibration images have %d channels, the model takes %d", info.C, c)
	}
	ds = data.Limit(ds, n, seed)
	out := make([][]uint8, ds.Len())
	p := &vision.Pixels{H: info.H, W: info.W, C: info.C, Pix: make([]float32, info.H*info.W*info.C)}
	for i := range out {
		px, _ := ds.Example(i)
		if info.H == h && info.W == w {
			out[i] = append([]uint8(nil), px...)
			continue
		}
		for j, v := range px {
			p.Pix[j] = float32(v)
		}
		out[i] = vision.ResizeBilinear(p, h, w).Uint8()
	}
	return out, nil
}

// hasSubfolders reports whether dir holds a folder that is not hidden.
func hasSubfolders(dir string) bool {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			return true
		}
	}
	return false
}
