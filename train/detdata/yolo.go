package detdata

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// readYOLO reads a YOLO folder: classes.txt, one class name a line, and every image of the folder
// with the boxes of the .txt of the same name beside it (an image without one has no boxes).
func readYOLO(dir string) (*parsed, error) {
	classFile := filepath.Join(dir, "classes.txt")
	data, err := readLimited(classFile, maxLabelBytes)
	if err != nil {
		return nil, err
	}
	classes, err := parseClassList(classFile, data)
	if err != nil {
		return nil, err
	}
	list, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("detdata: %w", err)
	}
	p := &parsed{format: "YOLO", classes: classes}
	for _, d := range list {
		name := d.Name()
		ext := filepath.Ext(name)
		if d.IsDir() || strings.HasPrefix(name, ".") || !slices.Contains(imageExts, strings.ToLower(ext)) {
			continue
		}
		e := &entry{where: filepath.Join(dir, name), name: name, dirs: []string{dir}}
		labels := filepath.Join(dir, strings.TrimSuffix(name, ext)+".txt")
		if fi, err := os.Stat(labels); err == nil && !fi.IsDir() {
			data, err := readLimited(labels, maxLabelBytes)
			if err == nil {
				e.boxes, err = parseYOLO(labels, data, classes)
			}
			e.bad = err
		}
		p.entries = append(p.entries, e)
	}
	if len(p.entries) == 0 {
		return nil, fmt.Errorf("detdata: %s: no images (%s)", dir, strings.Join(imageExts, ", "))
	}
	return p, nil
}

// parseClassList reads classes.txt: one name a line, trimmed; blank lines may only end the file.
func parseClassList(file string, data []byte) ([]string, error) {
	lines := strings.Split(strings.TrimRight(string(data), " \t\r\n"), "\n")
	seen := map[string]int{}
	var classes []string
	for i, l := range lines {
		name := strings.TrimSpace(l)
		switch {
		case name == "" && len(lines) == 1:
			return nil, errorf(file, "lists no classes")
		case name == "":
			return nil, errorf(at(file, i+1), "blank line among the class names (it would shift every class after it)")
		case seen[name] > 0:
			return nil, errorf(at(file, i+1), "class %q already named on line %d", name, seen[name])
		}
		seen[name] = i + 1
		classes = append(classes, name)
	}
	return classes, nil
}

// parseYOLO reads the labels of one image: a line "class cx cy w h" per box, the class an index
// into classes and the others fractions of the image's width and height. Blank lines are ignored.
func parseYOLO(file string, data []byte, classes []string) ([]rawBox, error) {
	var boxes []rawBox
	for i, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		where := at(file, i+1)
		if len(f) != 5 {
			return nil, errorf(where, "%d fields, want 5 (class cx cy w h)", len(f))
		}
		c, err := strconv.Atoi(f[0])
		if err != nil || c < 0 || c >= len(classes) {
			return nil, errorf(where, "unknown class %q (classes.txt names %d, from 0)", f[0], len(classes))
		}
		var v [4]float64
		for k := range v {
			if v[k], err = number(f[k+1]); err != nil {
				return nil, errorf(where, "%v", err)
			}
		}
		cx, cy, w, h := v[0], v[1], v[2], v[3]
		boxes = append(boxes, rawBox{where: where, class: classes[c], relative: true,
			xmin: cx - w/2, ymin: cy - h/2, xmax: cx + w/2, ymax: cy + h/2})
	}
	return boxes, nil
}
