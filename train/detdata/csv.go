package detdata

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// csvColumns are the columns a CSV file must have, in any order (others are ignored).
var csvColumns = []string{"filename", "width", "height", "class", "xmin", "ymin", "xmax", "ymax"}

// readCSVFile reads a CSV file of boxes; its images are looked for in opt.Images, then the file's
// folder, its images/ sub-folder and the images/ folder beside it.
func readCSVFile(path string, opt Options) (*parsed, error) {
	data, err := readLimited(path, maxFileBytes)
	if err != nil {
		return nil, err
	}
	return parseCSV(path, data, imageDirs(path, opt), opt.SkipBad)
}

// imageDirs lists the folders the images of an annotation file are looked for in.
func imageDirs(path string, opt Options) []string {
	dir := filepath.Dir(path)
	dirs := []string{dir, filepath.Join(dir, "images"), filepath.Join(dir, "..", "images")}
	if opt.Images != "" {
		dirs = append([]string{opt.Images}, dirs...)
	}
	return dirs
}

// parseCSV reads CSV data, one box per record, the records of an image grouped into one entry in
// the order the images first appear. A record that does not parse names no image for sure: it is
// an error, or with skip counted and dropped. A record whose fields are bad makes its image bad.
func parseCSV(file string, data []byte, dirs []string, skip bool) (*parsed, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, errorf(file, "empty (want the header %s)", strings.Join(csvColumns, ","))
	}
	if err != nil {
		return nil, csvError(file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[h]; dup {
			return nil, errorf(at(file, 1), "column %q appears twice", h)
		}
		col[h] = i
	}
	for _, c := range csvColumns {
		if _, ok := col[c]; !ok {
			return nil, errorf(at(file, 1), "no column %q (want the header %s)", c, strings.Join(csvColumns, ","))
		}
	}
	p := &parsed{format: "CSV"}
	byName := map[string]*entry{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if err != nil {
			err = csvError(file, err)
		} else if line, _ = r.FieldPos(0); len(rec) != len(header) {
			err = errorf(at(file, line), "%d fields, the header has %d", len(rec), len(header))
		}
		if err != nil {
			if err := p.drop(err, skip); err != nil {
				return nil, err
			}
			continue
		}
		where := at(file, line)
		name := strings.TrimSpace(rec[col["filename"]])
		if name == "" {
			if err := p.drop(errorf(where, "empty filename"), skip); err != nil {
				return nil, err
			}
			continue
		}
		e := byName[name]
		if e == nil {
			e = &entry{where: where, name: name, dirs: dirs}
			byName[name] = e
			p.entries = append(p.entries, e)
		}
		if e.bad == nil {
			e.bad = e.addCSVRecord(where, rec, col)
		}
	}
	return p, nil
}

// addCSVRecord adds the box of one record to its image, checking that the record's image size
// agrees with the image's earlier records.
func (e *entry) addCSVRecord(where string, rec []string, col map[string]int) error {
	var w, h int
	for _, c := range []struct {
		name string
		dst  *int
	}{{"width", &w}, {"height", &h}} {
		s := strings.TrimSpace(rec[col[c.name]])
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			return errorf(where, "%s %q is not a whole number > 0", c.name, s)
		}
		*c.dst = v
	}
	if e.width == 0 {
		e.width, e.height = w, h
	} else if e.width != w || e.height != h {
		return errorf(where, "image %q is %d×%d here but %d×%d at %s", e.name, w, h, e.width, e.height, e.where)
	}
	b := rawBox{where: where, class: strings.TrimSpace(rec[col["class"]])}
	if b.class == "" {
		return errorf(where, "empty class")
	}
	for _, c := range []struct {
		name string
		dst  *float64
	}{{"xmin", &b.xmin}, {"ymin", &b.ymin}, {"xmax", &b.xmax}, {"ymax", &b.ymax}} {
		v, err := number(rec[col[c.name]])
		if err != nil {
			return errorf(where, "%s: %v", c.name, err)
		}
		*c.dst = v
	}
	e.boxes = append(e.boxes, b)
	return nil
}

// csvError turns an encoding/csv error into a one-line error naming the file and line.
func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errorf(at(file, pe.Line), "malformed CSV (column %d): %v", pe.Column, pe.Err)
	}
	return errorf(file, "malformed CSV: %v", err)
}
