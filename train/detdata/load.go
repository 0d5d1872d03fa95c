package detdata

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options choose how Load reads a data set.
type Options struct {
	// Split names the VOC image list ImageSets/Main/Split.txt to read (for example "train" or
	// "val"); empty means every annotation in the folder. Only VOC folders have lists.
	Split string
	// Images is the folder holding the images. VOC: instead of JPEGImages/ (or images/). CSV and
	// COCO: looked in first, before the annotation file's folder, its images/ sub-folder and the
	// images/ folder beside it. YOLO keeps its images beside their labels and ignores it.
	Images string
	// Classes, when not empty, is the class list to use instead of the annotations' own (sorted
	// names for VOC and CSV, categories for COCO, classes.txt for YOLO): a box of any other class
	// is a bad annotation. Give a test set the list of its training set this way.
	Classes []string
	// SkipBad leaves out, and counts in Set.Skipped, every image with a bad annotation (and every
	// CSV record or COCO annotation that names no usable image) instead of failing.
	SkipBad bool
	// MaxPixels refuses images whose header claims more pixels; 0 means vision.DefaultMaxPixels.
	MaxPixels int64
}

// Annotation files larger than these are refused before they are read.
const (
	maxFileBytes  = 1 << 30 // a CSV or COCO file holding a whole data set
	maxLabelBytes = 1 << 24 // one VOC .xml, one YOLO .txt, a list or classes.txt
)

// imageExts are the file name extensions of images a YOLO folder is searched for.
var imageExts = []string{".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"}

// entry is one image as the annotations describe it, before its file is checked.
type entry struct {
	where         string   // file:line naming the image in the annotations
	name          string   // the image's file name as the annotations give it
	dirs          []string // folders to look for it in, in order
	width, height int      // 0 when the annotations do not say
	boxes         []rawBox
	bad           error // the first thing wrong with the annotations of this image
	path          string
}

// rawBox is a box as the annotations give it.
type rawBox struct {
	where                  string
	class                  string
	xmin, ymin, xmax, ymax float64
	relative               bool // YOLO: fractions of the image size, known once the header is read
	difficult              bool
}

// parsed is what a format's reader found.
type parsed struct {
	format  string
	entries []*entry
	classes []string // the format's own class list; nil for "sorted names of the boxes"
	skipped int      // records dropped while reading, with SkipBad
}

// errorf returns a one-line error "detdata: where: message"; line breaks that came from the data
// are written as \n.
func errorf(where, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	msg = strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(msg)
	return errors.New("detdata: " + where + ": " + msg)
}

// at names a line of a file.
func at(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }

// drop reports a bad record that belongs to no image: with skip it is counted, otherwise returned.
func (p *parsed) drop(err error, skip bool) error {
	if !skip {
		return err
	}
	p.skipped++
	return nil
}

// Load reads the detection data set at path: a VOC folder (holding Annotations/ or annotations/),
// a YOLO folder (holding classes.txt), a CSV file (.csv) or a COCO file (.json). See the package
// documentation for the formats and Options for the choices.
func Load(path string, opt Options) (*Set, error) {
	if opt.MaxPixels <= 0 {
		opt.MaxPixels = defaultMaxPixels
	}
	if err := checkClasses(opt.Classes); err != nil {
		return nil, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("detdata: %w", err)
	}
	voc := fi.IsDir() && (isDir(filepath.Join(path, "Annotations")) || isDir(filepath.Join(path, "annotations")))
	if opt.Split != "" && !voc {
		return nil, fmt.Errorf("detdata: %s: Options.Split %q needs a VOC folder (only VOC has image lists)", path, opt.Split)
	}
	var p *parsed
	switch {
	case voc:
		p, err = readVOC(path, opt)
	case fi.IsDir() && isFile(filepath.Join(path, "classes.txt")):
		p, err = readYOLO(path)
	case fi.IsDir():
		return nil, fmt.Errorf("detdata: %s: neither a VOC folder (no Annotations/ or annotations/) nor a YOLO folder (no classes.txt)", path)
	case strings.EqualFold(filepath.Ext(path), ".csv"):
		p, err = readCSVFile(path, opt)
	case strings.EqualFold(filepath.Ext(path), ".json"):
		p, err = readCOCOFile(path, opt)
	default:
		return nil, fmt.Errorf("detdata: %s: unknown format (want a VOC or YOLO folder, a .csv or a COCO .json)", path)
	}
	if err != nil {
		return nil, err
	}
	s, err := finish(p, opt)
	if err != nil {
		return nil, err
	}
	s.Source = p.format + " " + path
	return s, nil
}

// checkClasses refuses an empty or repeated class name in a class list.
func checkClasses(classes []string) error {
	seen := make(map[string]bool, len(classes))
	for _, c := range classes {
		if c == "" || seen[c] {
			return fmt.Errorf("detdata: Options.Classes: class name %q empty or repeated", c)
		}
		seen[c] = true
	}
	return nil
}

// isDir reports whether path is a folder.
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// isFile reports whether path is a regular file.
func isFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular()
}

// readLimited reads a whole file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("detdata: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("detdata: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("detdata: %s: larger than %d bytes", path, limit)
	}
	return b, nil
}

// finish checks every image of p (found, readable, of the size its annotation says), converts and
// checks its boxes, chooses the class list, and builds the Set, failing on the first bad image or,
// with SkipBad, leaving it out.
func finish(p *parsed, opt Options) (*Set, error) {
	classes := opt.Classes
	if len(classes) == 0 {
		classes = p.classes
	}
	var index map[string]int
	if classes != nil {
		index = make(map[string]int, len(classes))
		for i, c := range classes {
			index[c] = i
		}
	}
	checkImages(p.entries, opt.MaxPixels)
	s := &Set{Skipped: p.skipped}
	for _, e := range p.entries {
		if e.bad == nil {
			e.bad = checkBoxes(e, index)
		}
		if e.bad != nil {
			if !opt.SkipBad {
				return nil, e.bad
			}
			s.Skipped++
			continue
		}
		s.Samples = append(s.Samples, Sample{Path: e.path, Width: e.width, Height: e.height})
	}
	if len(s.Samples) == 0 {
		if s.Skipped > 0 {
			return nil, fmt.Errorf("detdata: every image of the data set was skipped as bad (%d)", s.Skipped)
		}
		return nil, fmt.Errorf("detdata: the data set holds no images")
	}
	if classes == nil {
		seen := map[string]bool{}
		for _, e := range p.entries {
			for _, b := range e.boxes {
				if e.bad == nil && !seen[b.class] {
					seen[b.class] = true
					classes = append(classes, b.class)
				}
			}
		}
		slices.Sort(classes)
		index = make(map[string]int, len(classes))
		for i, c := range classes {
			index[c] = i
		}
	}
	s.Classes = slices.Clone(classes)
	j := 0
	for _, e := range p.entries {
		if e.bad != nil {
			continue
		}
		boxes := make([]Box, len(e.boxes))
		for k, b := range e.boxes {
			boxes[k] = Box{Class: index[b.class], XMin: b.xmin, YMin: b.ymin, XMax: b.xmax, YMax: b.ymax, Difficult: b.difficult}
		}
		s.Samples[j].Boxes = boxes
		j++
	}
	return s, nil
}

// checkBoxes converts the relative boxes of e to pixels (clipping corners less than half a pixel
// outside the image, as rounding of the fractions makes them) and checks every box and class.
func checkBoxes(e *entry, index map[string]int) error {
	w, h := float64(e.width), float64(e.height)
	for k := range e.boxes {
		b := &e.boxes[k]
		if b.relative {
			b.xmin, b.xmax = clipHalfPixel(b.xmin*w, w), clipHalfPixel(b.xmax*w, w)
			b.ymin, b.ymax = clipHalfPixel(b.ymin*h, h), clipHalfPixel(b.ymax*h, h)
			b.relative = false
		}
		if !(b.xmin < b.xmax && b.ymin < b.ymax) {
			return errorf(b.where, "box (%g, %g)–(%g, %g) has no area (want xmin < xmax and ymin < ymax)",
				b.xmin, b.ymin, b.xmax, b.ymax)
		}
		if !(0 <= b.xmin && b.xmax <= w && 0 <= b.ymin && b.ymax <= h) {
			return errorf(b.where, "box (%g, %g)–(%g, %g) is not inside the %d×%d image",
				b.xmin, b.ymin, b.xmax, b.ymax, e.width, e.height)
		}
		if index != nil {
			if _, ok := index[b.class]; !ok {
				return errorf(b.where, "unknown class %q", b.class)
			}
		}
	}
	return nil
}

// clipHalfPixel moves v into [0, size] when it lies less than half a pixel outside.
func clipHalfPixel(v, size float64) float64 {
	switch {
	case v < 0 && v > -0.5:
		return 0
	case v > size && v < size+0.5:
		return size
	}
	return v
}

// finite reports whether v is neither infinite nor NaN.
func finite(v float64) bool { return !math.IsInf(v, 0) && !math.IsNaN(v) }
