package eval

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Limits of the readers. A file or count past one is refused before it is read further.
var (
	maxFileBytes   int64 = 4 << 30 // bytes in one JSON file
	maxImages            = 10_000_000
	maxCategories        = 100_000
	maxAnnotations       = 20_000_000 // ground-truth boxes in a file
	maxResults           = 20_000_000 // detections in a results file
)

// Category is a category of a COCO ground-truth file.
type Category struct {
	ID   int
	Name string
}

// Dataset is a COCO ground-truth file: its images, categories and box annotations.
type Dataset struct {
	Images      []int // image ids, in file order
	Categories  []Category
	Annotations []GroundTruth
}

// Evaluate scores detections against the dataset (COCO), over all its images and
// categories, as pycocotools' COCOeval does after COCO.loadRes: a detection of an image not
// in the dataset is an error ("results do not correspond"), one of a category not in it is
// left out.
func (ds *Dataset) Evaluate(dt []Detection) (*Result, error) {
	known := make(map[int]bool, len(ds.Images))
	for _, id := range ds.Images {
		known[id] = true
	}
	for i, d := range dt {
		if !known[d.Image] {
			return nil, fmt.Errorf("results do not correspond to the ground truth: detection %d is of image %d, which it does not list", i, d.Image)
		}
	}
	cats := make([]int, len(ds.Categories))
	for i, c := range ds.Categories {
		cats[i] = c.ID
	}
	// Images must not be nil, or an empty dataset would be taken as "every image seen".
	return COCO(ds.Annotations, dt, append([]int{}, ds.Images...), cats)
}

// ReadGroundTruth reads a COCO ground-truth (instances) JSON file: an object with arrays
// "images" (each with an integer "id"), "categories" ("id", "name") and "annotations"
// ("image_id", "category_id", "bbox" [x, y, w, h], "area", "iscrowd"). Other keys and
// fields, segments included, are skipped. A missing "area" is taken as w·h; "iscrowd" other
// than 0 marks a crowd; an "ignore" field is not read (pycocotools overwrites it with
// iscrowd).
//
// It refuses, with an error that says where: a file over 4 GiB, over 10 million images,
// 100 000 categories or 20 million annotations, a duplicate image or category id, an
// annotation of an image or category the file does not list, a bbox that is not 4 finite
// numbers with w, h ≥ 0, a negative area, and anything that is not such JSON.
func ReadGroundTruth(r io.Reader) (*Dataset, error) {
	ds, err := readGroundTruth(newDecoder(r))
	if err != nil {
		return nil, fmt.Errorf("ground truth: %w", err)
	}
	return ds, nil
}

func readGroundTruth(dec *json.Decoder) (*Dataset, error) {
	ds := &Dataset{}
	seen := map[string]bool{}
	err := readObject(dec, func(key string) error {
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		switch key {
		case "images":
			return readArray(dec, key, maxImages, func() error {
				var im struct {
					ID *int `json:"id"`
				}
				if err := dec.Decode(&im); err != nil {
					return err
				}
				if im.ID == nil {
					return errors.New("no id")
				}
				ds.Images = append(ds.Images, *im.ID)
				return nil
			})
		case "categories":
			return readArray(dec, key, maxCategories, func() error {
				var c struct {
					ID   *int   `json:"id"`
					Name string `json:"name"`
				}
				if err := dec.Decode(&c); err != nil {
					return err
				}
				if c.ID == nil {
					return errors.New("no id")
				}
				ds.Categories = append(ds.Categories, Category{*c.ID, c.Name})
				return nil
			})
		case "annotations":
			return readArray(dec, key, maxAnnotations, func() error {
				var a struct {
					ImageID    *int      `json:"image_id"`
					CategoryID *int      `json:"category_id"`
					BBox       []float64 `json:"bbox"`
					Area       *float64  `json:"area"`
					IsCrowd    int       `json:"iscrowd"`
				}
				if err := dec.Decode(&a); err != nil {
					return err
				}
				switch {
				case a.ImageID == nil:
					return errors.New("no image_id")
				case a.CategoryID == nil:
					return errors.New("no category_id")
				}
				b, err := box(a.BBox)
				if err != nil {
					return err
				}
				g := GroundTruth{Image: *a.ImageID, Category: *a.CategoryID, Box: b, Area: b.Area(), Crowd: a.IsCrowd != 0}
				if a.Area != nil {
					g.Area = *a.Area
				}
				if !(g.Area >= 0) || math.IsInf(g.Area, 1) {
					return fmt.Errorf("area %g is not a finite number ≥ 0", g.Area)
				}
				ds.Annotations = append(ds.Annotations, g)
				return nil
			})
		}
		var skip json.RawMessage
		return dec.Decode(&skip)
	})
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"images", "categories", "annotations"} {
		if !seen[key] {
			return nil, fmt.Errorf("no %q array", key)
		}
	}
	images := make(map[int]bool, len(ds.Images))
	for _, id := range ds.Images {
		if images[id] {
			return nil, fmt.Errorf("image id %d appears twice", id)
		}
		images[id] = true
	}
	cats := make(map[int]bool, len(ds.Categories))
	for _, c := range ds.Categories {
		if cats[c.ID] {
			return nil, fmt.Errorf("category id %d appears twice", c.ID)
		}
		cats[c.ID] = true
	}
	for i, g := range ds.Annotations {
		switch {
		case !images[g.Image]:
			return nil, fmt.Errorf("annotations[%d]: image_id %d is not in images", i, g.Image)
		case !cats[g.Category]:
			return nil, fmt.Errorf("annotations[%d]: category_id %d is not in categories", i, g.Category)
		}
	}
	return ds, nil
}

// ReadResults reads a COCO results JSON file: an array of objects with "image_id",
// "category_id", "bbox" [x, y, w, h] and "score"; other fields are skipped.
//
// It refuses, with an error that says where: a file over 4 GiB or over 20 million
// detections, a missing field, a bbox that is not 4 finite numbers with w, h ≥ 0, and
// anything that is not such JSON.
func ReadResults(r io.Reader) ([]Detection, error) {
	dec := newDecoder(r)
	var dt []Detection
	err := readArray(dec, "results", maxResults, func() error {
		var d struct {
			ImageID    *int      `json:"image_id"`
			CategoryID *int      `json:"category_id"`
			BBox       []float64 `json:"bbox"`
			Score      *float64  `json:"score"`
		}
		if err := dec.Decode(&d); err != nil {
			return err
		}
		switch {
		case d.ImageID == nil:
			return errors.New("no image_id")
		case d.CategoryID == nil:
			return errors.New("no category_id")
		case d.Score == nil:
			return errors.New("no score")
		}
		b, err := box(d.BBox)
		if err != nil {
			return err
		}
		dt = append(dt, Detection{Image: *d.ImageID, Category: *d.CategoryID, Box: b, Score: *d.Score})
		return nil
	})
	if err == nil {
		err = atEnd(dec)
	}
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	return dt, nil
}

// box turns a JSON bbox into a Box, checking it.
func box(v []float64) (Box, error) {
	if len(v) != 4 {
		return Box{}, fmt.Errorf("bbox has %d numbers, want 4 (x, y, w, h)", len(v))
	}
	b := Box{v[0], v[1], v[2], v[3]}
	return b, checkBox(b)
}

// errTooLarge is returned by a limitedReader past its limit.
var errTooLarge = errors.New("file too large")

// limitedReader reads from r until n bytes have been read, then fails with errTooLarge.
type limitedReader struct {
	r io.Reader
	n int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, fmt.Errorf("%w: over %d bytes", errTooLarge, maxFileBytes)
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

func newDecoder(r io.Reader) *json.Decoder {
	// One byte over the limit, so a file of exactly the limit reads to its end.
	return json.NewDecoder(&limitedReader{r, maxFileBytes + 1})
}

// readObject reads a JSON object, calling each for every key with the decoder before its
// value; each must consume the value.
func readObject(dec *json.Decoder, each func(key string) error) error {
	if err := expect(dec, '{', "an object"); err != nil {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return at(dec, err)
		}
		key, ok := tok.(string)
		if !ok {
			return at(dec, fmt.Errorf("want a key, got %v", tok))
		}
		if err := each(key); err != nil {
			return err
		}
	}
	if err := expect(dec, '}', "the end of the object"); err != nil {
		return err
	}
	return atEnd(dec)
}

// readArray reads a JSON array of at most limit elements named name, calling each to
// decode every element.
func readArray(dec *json.Decoder, name string, limit int, each func() error) error {
	if err := expect(dec, '[', fmt.Sprintf("%s to be an array", name)); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		if i == limit {
			return fmt.Errorf("%s: more than %d entries", name, limit)
		}
		if err := each(); err != nil {
			return fmt.Errorf("%s[%d]: %w", name, i, at(dec, err))
		}
	}
	return expect(dec, ']', fmt.Sprintf("the end of %s", name))
}

// expect reads the delimiter want, or fails saying what was wanted.
func expect(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return at(dec, err)
	}
	if tok != want {
		return at(dec, fmt.Errorf("want %s, got %v", what, describe(tok)))
	}
	return nil
}

// atEnd fails unless only white space follows the value just read.
func atEnd(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != io.EOF {
		if err != nil {
			return at(dec, err)
		}
		return at(dec, fmt.Errorf("data after the end: %v", describe(tok)))
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", v)
	case nil:
		return "null"
	default:
		return fmt.Sprint(v)
	}
}

// at adds the decoder's byte offset to err, unless it is the reader's size limit or end of
// input, which say where they are already.
func at(dec *json.Decoder, err error) error {
	switch {
	case errors.Is(err, errTooLarge):
		return err
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("unexpected end of the file")
	}
	return fmt.Errorf("%v (near byte %d)", err, dec.InputOffset())
}
