package detdata

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// readVOC reads a VOC folder: the annotations listed in ImageSets/Main/<opt.Split>.txt, or every
// .xml of the annotation folder when no split is given.
func readVOC(dir string, opt Options) (*parsed, error) {
	annDir := filepath.Join(dir, "Annotations")
	if !isDir(annDir) {
		annDir = filepath.Join(dir, "annotations")
	}
	imgDir := opt.Images
	if imgDir == "" {
		imgDir = filepath.Join(dir, "JPEGImages")
		if !isDir(imgDir) {
			imgDir = filepath.Join(dir, "images")
		}
	}
	p := &parsed{format: "VOC"}
	var files []string
	if opt.Split == "" {
		list, err := os.ReadDir(annDir)
		if err != nil {
			return nil, fmt.Errorf("detdata: %w", err)
		}
		for _, d := range list {
			if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") && strings.EqualFold(filepath.Ext(d.Name()), ".xml") {
				files = append(files, filepath.Join(annDir, d.Name()))
			}
		}
		slices.Sort(files)
		if len(files) == 0 {
			return nil, fmt.Errorf("detdata: %s: no .xml annotations", annDir)
		}
	} else {
		var err error
		if files, err = readVOCList(dir, annDir, opt, p); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		data, err := readLimited(f, maxLabelBytes)
		var e *entry
		if err != nil {
			e = &entry{where: f, bad: err}
		} else {
			e = parseVOC(f, data)
		}
		e.dirs = []string{imgDir}
		p.entries = append(p.entries, e)
	}
	return p, nil
}

// readVOCList returns the annotation files named by the list ImageSets/Main/<opt.Split>.txt: the
// first word of each line that is not blank is an image id, annotated in <annDir>/<id>.xml.
func readVOCList(dir, annDir string, opt Options, p *parsed) ([]string, error) {
	if !filepath.IsLocal(opt.Split) || strings.ContainsAny(opt.Split, `/\`) {
		return nil, fmt.Errorf("detdata: Options.Split %q is not a plain list name", opt.Split)
	}
	list := filepath.Join(dir, "ImageSets", "Main", opt.Split+".txt")
	data, err := readLimited(list, maxLabelBytes)
	if err != nil {
		return nil, err
	}
	var files []string
	for i, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		id := fields[0]
		f := filepath.Join(annDir, id+".xml")
		switch {
		case !filepath.IsLocal(id) || strings.ContainsAny(id, `/\`):
			err = errorf(at(list, i+1), "image id %q is not a plain file name", id)
		case !isFile(f):
			err = errorf(at(list, i+1), "no annotation %s for image id %q", f, id)
		default:
			files = append(files, f)
			continue
		}
		if err := p.drop(err, opt.SkipBad); err != nil {
			return nil, err
		}
	}
	if len(files) == 0 && p.skipped == 0 {
		return nil, fmt.Errorf("detdata: %s: lists no images", list)
	}
	return files, nil
}

// vocObject is an <object> element: the fields read, as text, so that their errors can be told.
type vocObject struct {
	Name      string `xml:"name"`
	Difficult string `xml:"difficult"`
	Box       *struct {
		XMin string `xml:"xmin"`
		YMin string `xml:"ymin"`
		XMax string `xml:"xmax"`
		YMax string `xml:"ymax"`
	} `xml:"bndbox"`
}

// vocSize is a <size> element.
type vocSize struct {
	Width  string `xml:"width"`
	Height string `xml:"height"`
}

// parseVOC reads one VOC annotation: <annotation> holding <filename>, <size> (optional) and
// <object> elements with <name>, <difficult> (optional) and <bndbox>. Other elements are ignored.
// A problem is kept in the entry's bad field, with the file and line.
func parseVOC(file string, data []byte) *entry {
	e := &entry{where: file}
	d := xml.NewDecoder(bytes.NewReader(data))
	lineOf := func() int { l, _ := d.InputPos(); return l }
	fail := func(line int, format string, args ...any) *entry {
		e.bad = errorf(at(file, line), format, args...)
		return e
	}
	xmlFail := func(err error) *entry {
		var se *xml.SyntaxError
		if errors.As(err, &se) {
			return fail(se.Line, "malformed XML: %s", se.Msg)
		}
		if errors.Is(err, io.EOF) {
			return fail(lineOf(), "malformed XML: unexpected end of file")
		}
		return fail(lineOf(), "malformed XML: %v", err)
	}
	// The root element.
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return fail(lineOf(), "no <annotation> element")
		}
		if err != nil {
			return xmlFail(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "annotation" {
				return fail(lineOf(), "root element <%s>, want <annotation>", se.Name.Local)
			}
			break
		}
	}
	named := false
	for {
		tok, err := d.Token()
		if err != nil {
			return xmlFail(err)
		}
		if _, ok := tok.(xml.EndElement); ok {
			break
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		line := lineOf()
		switch se.Name.Local {
		case "filename":
			if err := d.DecodeElement(&e.name, &se); err != nil {
				return xmlFail(err)
			}
			e.name = strings.TrimSpace(e.name)
			e.where, named = at(file, line), true
		case "size":
			var sz vocSize
			if err := d.DecodeElement(&sz, &se); err != nil {
				return xmlFail(err)
			}
			if e.width, err = sizeField(sz.Width); err != nil {
				return fail(line, "<width>: %v", err)
			}
			if e.height, err = sizeField(sz.Height); err != nil {
				return fail(line, "<height>: %v", err)
			}
		case "object":
			var o vocObject
			if err := d.DecodeElement(&o, &se); err != nil {
				return xmlFail(err)
			}
			b, err := o.box(at(file, line))
			if err != nil {
				e.bad = err
				return e
			}
			e.boxes = append(e.boxes, b)
		default:
			if err := d.Skip(); err != nil {
				return xmlFail(err)
			}
		}
	}
	switch {
	case !named || e.name == "":
		e.bad = errorf(file, "no <filename>")
	case (e.width == 0) != (e.height == 0):
		e.bad = errorf(file, "<size> gives only one of width and height")
	}
	return e
}

// sizeField reads a <width> or <height>: a whole number ≥ 0, where empty or 0 means unknown.
func sizeField(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a whole number ≥ 0", s)
	}
	return v, nil
}

// box reads the object's class, corners and difficult flag.
func (o *vocObject) box(where string) (rawBox, error) {
	b := rawBox{where: where, class: strings.TrimSpace(o.Name)}
	if b.class == "" {
		return b, errorf(where, "<object> without a <name>")
	}
	if o.Box == nil {
		return b, errorf(where, "<object> without a <bndbox>")
	}
	for _, c := range []struct {
		name string
		text string
		dst  *float64
	}{{"xmin", o.Box.XMin, &b.xmin}, {"ymin", o.Box.YMin, &b.ymin}, {"xmax", o.Box.XMax, &b.xmax}, {"ymax", o.Box.YMax, &b.ymax}} {
		v, err := number(c.text)
		if err != nil {
			return b, errorf(where, "<%s>: %v", c.name, err)
		}
		*c.dst = v
	}
	switch strings.TrimSpace(o.Difficult) {
	case "", "0", "false":
	case "1", "true":
		b.difficult = true
	default:
		return b, errorf(where, "<difficult> %q is not 0 or 1", o.Difficult)
	}
	return b, nil
}

// number reads a finite decimal number.
func number(s string) (float64, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !finite(v) {
		return 0, fmt.Errorf("%q is not a finite number", s)
	}
	return v, nil
}
