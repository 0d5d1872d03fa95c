package detdata

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mobilenet-go/mobilenet/train/data"
)

// Box is a labelled box in pixel corners of its image: x to the right, y down, the image spanning
// [0, width] × [0, height].
type Box struct {
	Class                  int // index into Set.Classes
	XMin, YMin, XMax, YMax float64
	Difficult              bool // VOC's difficult flag, or COCO's iscrowd
}

// Sample is one image and its boxes.
type Sample struct {
	Path          string // the image file
	Width, Height int    // the image's size in pixels, from its header
	Boxes         []Box  // possibly none: an image of background only
}

// Set is a detection data set.
type Set struct {
	Classes []string
	Samples []Sample
	// Skipped counts what Options.SkipBad left out: images with a bad annotation, and records that
	// name no usable image (unreadable CSV records, COCO annotations of unknown images, lines of a
	// VOC list without an annotation).
	Skipped int
	Source  string // the format and path it was read from
}

// Count returns the number of images and of boxes.
func (s *Set) Count() (images, boxes int) {
	for _, sm := range s.Samples {
		boxes += len(sm.Boxes)
	}
	return len(s.Samples), boxes
}

// String summarises the set on one line, for example
// "VOC raccoon: 200 images, 217 boxes, 1 class (raccoon)".
func (s *Set) String() string {
	images, boxes := s.Count()
	names := s.Classes
	more := ""
	if len(names) > 6 {
		names, more = names[:6], ", …"
	}
	plural := "es"
	if len(s.Classes) == 1 {
		plural = ""
	}
	line := fmt.Sprintf("%s: %d images, %d boxes, %d class%s (%s%s)", s.Source, images, boxes,
		len(s.Classes), plural, strings.Join(names, ", "), more)
	if s.Skipped > 0 {
		line += fmt.Sprintf(", %d skipped", s.Skipped)
	}
	return line
}

// Split divides the set at random (from seed) into a training part and a validation part holding
// the fraction val of the images (rounded, at least one, and at least one left for training). Both
// parts keep the order of s and share its classes; their samples are copies.
func (s *Set) Split(val float64, seed uint64) (train, valid *Set, err error) {
	n := len(s.Samples)
	if !(val > 0 && val < 1) {
		return nil, nil, fmt.Errorf("detdata: validation fraction %g out of range (0, 1)", val)
	}
	k := int(float64(n)*val + 0.5)
	if k < 1 || k >= n {
		return nil, nil, fmt.Errorf("detdata: a validation fraction %g of %d images leaves an empty part", val, n)
	}
	p := data.Permutation(n, seed, 1)
	valIdx, trainIdx := p[:k], p[k:]
	slices.Sort(valIdx)
	slices.Sort(trainIdx)
	part := func(idx []int, name string) *Set {
		out := &Set{
			Classes: slices.Clone(s.Classes),
			Samples: make([]Sample, len(idx)),
			Source:  fmt.Sprintf("%s [%s part of a split %g, seed %d]", s.Source, name, val, seed),
		}
		for j, i := range idx {
			out.Samples[j] = s.Samples[i]
			out.Samples[j].Boxes = slices.Clone(s.Samples[i].Boxes)
		}
		return out
	}
	return part(trainIdx, "training"), part(valIdx, "validation"), nil
}
