package detdata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// readCOCOFile reads a COCO annotation file; its images are looked for as a CSV file's are.
func readCOCOFile(path string, opt Options) (*parsed, error) {
	data, err := readLimited(path, maxFileBytes)
	if err != nil {
		return nil, err
	}
	return parseCOCO(path, data, imageDirs(path, opt), opt.SkipBad)
}

// cocoImage, cocoAnnotation and cocoCategory are the elements of COCO's three lists, as far as
// they are read; a nil id is one that is missing.
type cocoImage struct {
	ID       *int64 `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
}

type cocoAnnotation struct {
	ImageID    *int64    `json:"image_id"`
	CategoryID *int64    `json:"category_id"`
	BBox       []float64 `json:"bbox"`
	IsCrowd    int       `json:"iscrowd"`
}

type cocoCategory struct {
	ID   *int64 `json:"id"`
	Name string `json:"name"`
}

// located is a list element with the line it starts on and the error decoding it gave.
type located[T any] struct {
	v    T
	line int
	err  error
}

// cocoLists are the three lists of a COCO file.
type cocoLists struct {
	images      []located[cocoImage]
	annotations []located[cocoAnnotation]
	categories  []located[cocoCategory]
}

// parseCOCO reads COCO JSON data. The classes are the categories, in their order; a crowd
// annotation (iscrowd 1) gives a difficult box. The file must be well-formed JSON and its
// categories sound, whatever skip says; a bad image element or annotation makes its image bad, and
// one that names no known image is an error or, with skip, counted and dropped.
func parseCOCO(file string, data []byte, dirs []string, skip bool) (*parsed, error) {
	var l cocoLists
	if err := l.read(file, data); err != nil {
		return nil, err
	}
	p := &parsed{format: "COCO"}
	catName := map[int64]string{}
	names := map[string]bool{}
	for _, c := range l.categories {
		where := at(file, c.line)
		switch {
		case c.err != nil:
			return nil, errorf(where, "category: %v", c.err)
		case c.v.ID == nil:
			return nil, errorf(where, "category without an id")
		case c.v.Name == "":
			return nil, errorf(where, "category %d without a name", *c.v.ID)
		case catName[*c.v.ID] != "":
			return nil, errorf(where, "category id %d appears twice", *c.v.ID)
		case names[c.v.Name]:
			return nil, errorf(where, "category name %q appears twice", c.v.Name)
		}
		catName[*c.v.ID] = c.v.Name
		names[c.v.Name] = true
		p.classes = append(p.classes, c.v.Name)
	}
	if len(p.classes) == 0 {
		return nil, errorf(file, "no categories")
	}
	byID := map[int64]*entry{}
	for _, im := range l.images {
		where := at(file, im.line)
		var bad error
		switch {
		case im.v.ID == nil:
			bad = errorf(where, "image without an id")
		case byID[*im.v.ID] != nil:
			bad = errorf(where, "image id %d appears twice (first at %s)", *im.v.ID, byID[*im.v.ID].where)
		}
		if bad != nil {
			if err := p.drop(bad, skip); err != nil {
				return nil, err
			}
			continue
		}
		e := &entry{where: where, name: im.v.FileName, dirs: dirs, width: im.v.Width, height: im.v.Height}
		switch {
		case im.err != nil:
			e.bad = errorf(where, "image: %v", im.err)
		case e.name == "":
			e.bad = errorf(where, "image %d without a file_name", *im.v.ID)
		case e.width < 0 || e.height < 0 || (e.width == 0) != (e.height == 0):
			e.bad = errorf(where, "image %d has size %d×%d", *im.v.ID, e.width, e.height)
		}
		byID[*im.v.ID] = e
		p.entries = append(p.entries, e)
	}
	for _, a := range l.annotations {
		where := at(file, a.line)
		var e *entry
		if a.v.ImageID != nil {
			e = byID[*a.v.ImageID]
		}
		if e == nil {
			bad := errorf(where, "annotation of no known image")
			if a.v.ImageID != nil {
				bad = errorf(where, "annotation of image %d, which the images do not list", *a.v.ImageID)
			}
			if err := p.drop(bad, skip); err != nil {
				return nil, err
			}
			continue
		}
		if e.bad == nil {
			e.bad = e.addCOCOAnnotation(where, a, catName)
		}
	}
	return p, nil
}

// addCOCOAnnotation adds the box of an annotation to its image.
func (e *entry) addCOCOAnnotation(where string, a located[cocoAnnotation], catName map[int64]string) error {
	switch {
	case a.err != nil:
		return errorf(where, "annotation: %v", a.err)
	case a.v.CategoryID == nil:
		return errorf(where, "annotation without a category_id")
	case catName[*a.v.CategoryID] == "":
		return errorf(where, "unknown class: category_id %d is not among the categories", *a.v.CategoryID)
	case len(a.v.BBox) != 4:
		return errorf(where, "bbox has %d numbers, want 4 (x, y, width, height)", len(a.v.BBox))
	}
	x, y, w, h := a.v.BBox[0], a.v.BBox[1], a.v.BBox[2], a.v.BBox[3]
	e.boxes = append(e.boxes, rawBox{where: where, class: catName[*a.v.CategoryID],
		xmin: x, ymin: y, xmax: x + w, ymax: y + h, difficult: a.v.IsCrowd != 0})
	return nil
}

// read decodes the top-level object of a COCO file, keeping its images, annotations and categories
// with the line each element starts on, and skipping every other key. A syntax error, or a list
// that is not a list, is an error; an element of the wrong shape keeps its error for the caller.
func (l *cocoLists) read(file string, data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	lines := lineCounter{data: data, line: 1}
	fail := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return errorf(at(file, lineAt(data, se.Offset)), "malformed JSON: %v", se)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return errorf(at(file, lineAt(data, int64(len(data)))), "malformed JSON: unexpected end of file")
		}
		return errorf(at(file, lineAt(data, d.InputOffset())), "malformed JSON: %v", err)
	}
	expect := func(want json.Delim, what string) error {
		tok, err := d.Token()
		if err != nil {
			return fail(err)
		}
		if tok != want {
			return errorf(at(file, lineAt(data, d.InputOffset())), "%s: found %v, want %q", what, tok, string(want))
		}
		return nil
	}
	if err := expect('{', "top level"); err != nil {
		return err
	}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fail(err)
		}
		switch key, _ := tok.(string); key {
		case "images":
			err = readList(d, &lines, &l.images, expect, fail)
		case "annotations":
			err = readList(d, &lines, &l.annotations, expect, fail)
		case "categories":
			err = readList(d, &lines, &l.categories, expect, fail)
		default:
			var skip json.RawMessage
			if err := d.Decode(&skip); err != nil {
				return fail(err)
			}
		}
		if err != nil {
			return err
		}
	}
	if err := expect('}', "top level"); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errorf(at(file, lineAt(data, d.InputOffset())), "malformed JSON: data after the top-level object")
	}
	return nil
}

// readList reads a JSON list of T, noting the line each element starts on.
func readList[T any](d *json.Decoder, lines *lineCounter, out *[]located[T], expect func(json.Delim, string) error, fail func(error) error) error {
	if err := expect('[', "list"); err != nil {
		return err
	}
	for d.More() {
		line := lines.next(d.InputOffset())
		var el located[T]
		el.line = line
		if err := d.Decode(&el.v); err != nil {
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				return fail(err)
			}
			el.err = fmt.Errorf("field %q: a JSON %s where %s belongs", te.Field, te.Value, te.Type)
		}
		*out = append(*out, el)
	}
	return expect(']', "list")
}

// lineCounter finds the lines of increasing offsets into data, counting each newline once.
type lineCounter struct {
	data []byte
	off  int // newlines before off are counted in line
	line int
}

// next returns the line of the first byte at or after off that is neither white space nor a comma:
// the start of the next JSON value.
func (c *lineCounter) next(off int64) int {
	pos := max(int(off), c.off)
	for pos < len(c.data) && strings.IndexByte(" \t\r\n,", c.data[pos]) >= 0 {
		pos++
	}
	c.line += bytes.Count(c.data[c.off:pos], []byte{'\n'})
	c.off = pos
	return c.line
}

// lineAt returns the line of offset off in data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte{'\n'})
}
