package detdata

import (
	"path/filepath"
	"strings"
	"testing"
)

// badCase is a data set with one bad annotation (and, unless fatal, one good image beside it).
type badCase struct {
	name  string
	setup func(t *testing.T, dir string) // writes the files
	path  string                         // what Load reads, in the folder
	opt   Options
	want  string // in the error: file:line and what is wrong
	fatal bool   // an error even with SkipBad
	// With SkipBad: the images loaded and the count skipped (1 and 1 unless given).
	images, skipped int
}

// vocWith writes a VOC folder holding the good image a (40×30, one box) and the annotation b.xml
// of the 40×30 image b.png.
func vocWith(bXML string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		writeImage(t, dir, "JPEGImages/a.png", 40, 30)
		writeImage(t, dir, "JPEGImages/b.png", 40, 30)
		writeFile(t, dir, "Annotations/a.xml", vocXML("a.png", 40, 30, box("dog", 0, 0, 40, 30)))
		writeFile(t, dir, "Annotations/b.xml", bXML)
	}
}

const csvHeader = "filename,width,height,class,xmin,ymin,xmax,ymax\n"

// csvWith writes l.csv with the good image a.png (8×6) on line 2 and the given lines after it.
func csvWith(lines string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		writeImage(t, dir, "a.png", 8, 6)
		writeImage(t, dir, "b.png", 8, 6)
		writeFile(t, dir, "l.csv", csvHeader+"a.png,8,6,x,0,0,8,6\n"+lines)
	}
}

// cocoWith writes c.json with images 1 (a.png, 8×6) and 2 (b.png, 8×6), a category 1 "x", a good
// annotation of image 1 on line 2 and the given annotation of image 2 on line 3.
func cocoWith(ann string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		writeImage(t, dir, "a.png", 8, 6)
		writeImage(t, dir, "b.png", 8, 6)
		writeFile(t, dir, "c.json", `{"categories": [{"id": 1, "name": "x"}], "annotations": [
{"image_id": 1, "category_id": 1, "bbox": [0, 0, 8, 6]},
`+ann+`],
"images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}, {"id": 2, "file_name": "b.png", "width": 8, "height": 6}]}`)
	}
}

// yoloWith writes a YOLO folder with classes x and y, the good image a.png (8×6) and b.png whose
// labels are given.
func yoloWith(classes, bLabels string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		writeImage(t, dir, "a.png", 8, 6)
		writeImage(t, dir, "b.png", 8, 6)
		writeFile(t, dir, "classes.txt", classes)
		writeFile(t, dir, "a.txt", "0 0.5 0.5 1 1\n")
		writeFile(t, dir, "b.txt", bLabels)
	}
}

var badCases = []badCase{
	// VOC
	{name: "VOC box outside", setup: vocWith(vocXML("b.png", 40, 30, box("dog", 1, 1, 5, 5), box("dog", 10, 0, 41, 20))),
		want: "Annotations/b.xml:5: box (10, 0)–(41, 20) is not inside the 40×30 image"},
	{name: "VOC negative corner", setup: vocWith(vocXML("b.png", 40, 30, box("dog", -1, 0, 10, 20))),
		want: "Annotations/b.xml:4: box (-1, 0)–(10, 20) is not inside"},
	{name: "VOC zero area", setup: vocWith(vocXML("b.png", 40, 30, box("dog", 10, 0, 10, 20))),
		want: "Annotations/b.xml:4: box (10, 0)–(10, 20) has no area"},
	{name: "VOC NaN corner", setup: vocWith(vocXML("b.png", 40, 30, obj{"dog", "1", "NaN", "5", "5", "0"})),
		want: `Annotations/b.xml:4: <ymin>: "NaN" is not a finite number`},
	{name: "VOC bad difficult", setup: vocWith(vocXML("b.png", 40, 30, obj{"dog", "1", "1", "5", "5", "maybe"})),
		want: `Annotations/b.xml:4: <difficult> "maybe" is not 0 or 1`},
	{name: "VOC object without name", setup: vocWith(vocXML("b.png", 40, 30, box("", 1, 1, 5, 5))),
		want: "Annotations/b.xml:4: <object> without a <name>"},
	{name: "VOC object without bndbox", setup: vocWith("<annotation>\n<filename>b.png</filename>\n<object><name>dog</name></object>\n</annotation>"),
		want: "Annotations/b.xml:3: <object> without a <bndbox>"},
	{name: "VOC unknown class", setup: vocWith(vocXML("b.png", 40, 30, box("cat", 1, 1, 5, 5))), opt: Options{Classes: []string{"dog"}},
		want: `Annotations/b.xml:4: unknown class "cat"`},
	{name: "VOC missing image", setup: vocWith(vocXML("nothere.png", 40, 30)),
		want: `Annotations/b.xml:2: image "nothere.png" not found in `},
	{name: "VOC image outside its folder", setup: vocWith(vocXML("../Annotations/a.xml", 40, 30)),
		want: `Annotations/b.xml:2: image name "../Annotations/a.xml" is not a relative path inside the image folder`},
	{name: "VOC not an image", setup: func(t *testing.T, dir string) {
		vocWith(vocXML("c.jpg", 40, 30))(t, dir)
		writeFile(t, dir, "JPEGImages/c.jpg", "this is text, not a JPEG")
	}, want: "JPEGImages/c.jpg: vision: unknown image format"},
	{name: "VOC truncated header", setup: func(t *testing.T, dir string) {
		vocWith(vocXML("c.png", 40, 30))(t, dir)
		writeFile(t, dir, "JPEGImages/c.png", "\x89PNG\r\n\x1a\n\x00\x00")
	}, want: "JPEGImages/c.png: vision: corrupt image (png header)"},
	{name: "VOC size mismatch", setup: vocWith(vocXML("b.png", 50, 30, box("dog", 1, 1, 5, 5))),
		want: "Annotations/b.xml:2: the annotation says 50×30 but image "},
	{name: "VOC too many pixels", setup: func(t *testing.T, dir string) {
		vocWith(vocXML("c.png", 0, 0))(t, dir)
		writeImage(t, dir, "JPEGImages/c.png", 60, 60)
	}, opt: Options{MaxPixels: 2000}, want: "JPEGImages/c.png: vision: image has too many pixels: png header says 60×60, limit is 2000 pixels"},
	{name: "VOC malformed XML", setup: vocWith("<annotation>\n<filename>b.png</filename>\n<object><name>dog</nam></object>\n</annotation>"),
		want: "Annotations/b.xml:3: malformed XML: element <name> closed by </nam>"},
	{name: "VOC truncated XML", setup: vocWith("<annotation>\n<filename>b.png</filename>\n<object>"),
		want: "Annotations/b.xml:3: malformed XML: "},
	{name: "VOC wrong root", setup: vocWith("<?xml version=\"1.0\"?>\n<html></html>"),
		want: "Annotations/b.xml:2: root element <html>, want <annotation>"},
	{name: "VOC no filename", setup: vocWith("<annotation>\n</annotation>"),
		want: "Annotations/b.xml: no <filename>"},
	{name: "VOC bad width", setup: vocWith("<annotation>\n<filename>b.png</filename>\n<size><width>wide</width><height>3</height></size>\n</annotation>"),
		want: `Annotations/b.xml:3: <width>: "wide" is not a whole number ≥ 0`},
	{name: "VOC split lists a missing annotation", setup: func(t *testing.T, dir string) {
		vocWith(vocXML("b.png", 40, 30))(t, dir)
		writeFile(t, dir, "ImageSets/Main/train.txt", "a\nb\n\nmissing\n")
	}, opt: Options{Split: "train"}, images: 2,
		want: `ImageSets/Main/train.txt:4: no annotation `},
	{name: "VOC split list absent", setup: vocWith(vocXML("b.png", 40, 30)), opt: Options{Split: "test"}, fatal: true,
		want: "test.txt: no such file"},
	{name: "VOC split not a name", setup: vocWith(vocXML("b.png", 40, 30)), opt: Options{Split: "../x"}, fatal: true,
		want: `Options.Split "../x" is not a plain list name`},

	// CSV
	{name: "CSV bad header", setup: func(t *testing.T, dir string) {
		writeFile(t, dir, "bad.csv", "file,width,height,class,xmin,ymin,xmax,ymax\na.png,8,6,x,0,0,8,6\n")
	}, path: "bad.csv", fatal: true, want: `bad.csv:1: no column "filename"`},
	{name: "CSV empty", setup: func(t *testing.T, dir string) { writeFile(t, dir, "e.csv", "") }, path: "e.csv", fatal: true,
		want: "e.csv: empty (want the header filename,width,height,class,xmin,ymin,xmax,ymax)"},
	{name: "CSV bad number", setup: csvWith("b.png,8,6,x,0,zero,8,6\n"), path: "l.csv",
		want: `l.csv:3: ymin: "zero" is not a finite number`},
	{name: "CSV bad width", setup: csvWith("b.png,8.5,6,x,0,0,8,6\n"), path: "l.csv",
		want: `l.csv:3: width "8.5" is not a whole number > 0`},
	{name: "CSV sizes disagree", setup: csvWith("b.png,8,6,x,0,0,8,6\nb.png,8,7,x,0,0,8,6\n"), path: "l.csv",
		want: `l.csv:4: image "b.png" is 8×7 here but 8×6 at `},
	{name: "CSV box outside", setup: csvWith("b.png,8,6,x,0,0,9,6\n"), path: "l.csv",
		want: "l.csv:3: box (0, 0)–(9, 6) is not inside the 8×6 image"},
	{name: "CSV zero area", setup: csvWith("b.png,8,6,x,2,0,2,6\n"), path: "l.csv",
		want: "l.csv:3: box (2, 0)–(2, 6) has no area"},
	{name: "CSV empty class", setup: csvWith("b.png,8,6, ,0,0,8,6\n"), path: "l.csv",
		want: "l.csv:3: empty class"},
	{name: "CSV unknown class", setup: csvWith("b.png,8,6,y,0,0,8,6\n"), path: "l.csv", opt: Options{Classes: []string{"x"}},
		want: `l.csv:3: unknown class "y"`},
	{name: "CSV size disagrees with the image", setup: csvWith("b.png,6,8,x,0,0,6,8\n"), path: "l.csv",
		want: "l.csv:3: the annotation says 6×8 but image "},
	{name: "CSV missing image", setup: csvWith("c.png,8,6,x,0,0,8,6\n"), path: "l.csv",
		want: `l.csv:3: image "c.png" not found in `},
	{name: "CSV too few fields", setup: csvWith("b.png,8,6,x,0,0,8\n"), path: "l.csv", images: 1,
		want: "l.csv:3: 7 fields, the header has 8"},
	{name: "CSV bare quote", setup: csvWith("b.png,8,6,x\"y,0,0,8,6\nb.png,8,6,x,0,0,8,6\n"), path: "l.csv", images: 2,
		want: `l.csv:3: malformed CSV (column 12): bare " in non-quoted-field`},
	{name: "CSV empty filename", setup: csvWith(",8,6,x,0,0,8,6\n"), path: "l.csv", images: 1,
		want: "l.csv:3: empty filename"},

	// COCO
	{name: "COCO malformed JSON", setup: cocoWith(`{"image_id": 2, "category_id": 1, "bbox": [0, 0, 8, 6],}`), path: "c.json", fatal: true,
		want: "c.json:3: malformed JSON: invalid character '}'"},
	{name: "COCO truncated", setup: func(t *testing.T, dir string) {
		writeFile(t, dir, "c.json", "{\"images\": [\n{\"id\": 1,")
	}, path: "c.json", fatal: true, want: "c.json:2: malformed JSON: unexpected end of file"},
	{name: "COCO list not a list", setup: func(t *testing.T, dir string) {
		writeFile(t, dir, "c.json", "{\"images\": {}}")
	}, path: "c.json", fatal: true, want: `c.json:1: list: found {, want "["`},
	{name: "COCO unknown category", setup: cocoWith(`{"image_id": 2, "category_id": 5, "bbox": [0, 0, 8, 6]}`), path: "c.json",
		want: "c.json:3: unknown class: category_id 5 is not among the categories"},
	{name: "COCO unknown image", setup: cocoWith(`{"image_id": 3, "category_id": 1, "bbox": [0, 0, 8, 6]}`), path: "c.json", images: 2,
		want: "c.json:3: annotation of image 3, which the images do not list"},
	{name: "COCO short bbox", setup: cocoWith(`{"image_id": 2, "category_id": 1, "bbox": [0, 0, 8]}`), path: "c.json",
		want: "c.json:3: bbox has 3 numbers, want 4"},
	{name: "COCO bbox of strings", setup: cocoWith(`{"image_id": 2, "category_id": 1, "bbox": ["0", 0, 8, 6]}`), path: "c.json",
		want: `c.json:3: annotation: field "bbox`},
	{name: "COCO box outside", setup: cocoWith(`{"image_id": 2, "category_id": 1, "bbox": [1, 1, 8, 5]}`), path: "c.json",
		want: "c.json:3: box (1, 1)–(9, 6) is not inside the 8×6 image"},
	{name: "COCO zero-width box", setup: cocoWith(`{"image_id": 2, "category_id": 1, "bbox": [1, 1, 0, 5]}`), path: "c.json",
		want: "c.json:3: box (1, 1)–(1, 6) has no area"},
	{name: "COCO repeated category", setup: func(t *testing.T, dir string) {
		writeFile(t, dir, "c.json", "{\"categories\": [{\"id\": 1, \"name\": \"x\"},\n{\"id\": 2, \"name\": \"x\"}]}")
	}, path: "c.json", fatal: true, want: `c.json:2: category name "x" appears twice`},

	// YOLO
	{name: "YOLO class out of range", setup: yoloWith("x\ny\n", "0 0.5 0.5 0.5 0.5\n2 0.5 0.5 0.5 0.5\n"),
		want: `b.txt:2: unknown class "2" (classes.txt names 2, from 0)`},
	{name: "YOLO class not a number", setup: yoloWith("x\ny\n", "x 0.5 0.5 0.5 0.5\n"),
		want: `b.txt:1: unknown class "x"`},
	{name: "YOLO four fields", setup: yoloWith("x\ny\n", "\n1 0.5 0.5 0.5\n"),
		want: "b.txt:2: 4 fields, want 5 (class cx cy w h)"},
	{name: "YOLO box outside", setup: yoloWith("x\ny\n", "1 0.9 0.5 0.5 0.5\n"),
		want: "b.txt:1: box (5.2, 1.5)–(9.2, 4.5) is not inside the 8×6 image"},
	{name: "YOLO Inf", setup: yoloWith("x\ny\n", "1 0.5 0.5 +Inf 0.5\n"),
		want: `b.txt:1: "+Inf" is not a finite number`},
	{name: "YOLO repeated class", setup: yoloWith("x\ny\nx\n", ""), fatal: true,
		want: `classes.txt:3: class "x" already named on line 1`},
	{name: "YOLO blank class line", setup: yoloWith("x\n\ny\n", ""), fatal: true,
		want: "classes.txt:2: blank line among the class names"},
	{name: "YOLO no classes", setup: yoloWith("\n", ""), fatal: true, want: "classes.txt: lists no classes"},
}

// TestBadAnnotations loads every bad case: without SkipBad the error is one line naming the file
// (and line) and what is wrong; with SkipBad the bad image is left out and counted.
func TestBadAnnotations(t *testing.T) {
	for _, c := range badCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			c.setup(t, dir)
			path := filepath.Join(dir, c.path)
			_, err := Load(path, c.opt)
			if err == nil {
				t.Fatal("loaded without error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "detdata: ") || strings.ContainsAny(msg, "\n\r") || !strings.Contains(msg, filepath.FromSlash(c.want)) {
				t.Fatalf("error %q, want one line holding %q", msg, filepath.FromSlash(c.want))
			}
			opt := c.opt
			opt.SkipBad = true
			s, err := Load(path, opt)
			if c.fatal {
				if err == nil {
					t.Fatalf("with SkipBad: loaded %v, want an error", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("with SkipBad: %v", err)
			}
			images, skipped := max(c.images, 1), 1
			if len(s.Samples) != images || s.Skipped != skipped {
				t.Fatalf("with SkipBad: %v; want %d images, %d skipped", s, images, skipped)
			}
		})
	}
}

// TestLoadRefuses checks the errors of Load that are not about one annotation.
func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "empty/readme.md", "nothing here")
	writeFile(t, dir, "x.txt", "")
	writeFile(t, dir, "voc/Annotations/readme.md", "")
	writeFile(t, dir, "only-bad/annotations/a.xml", vocXML("a.png", 4, 4))
	cases := []struct {
		path string
		opt  Options
		want string
	}{
		{"missing", Options{}, "no such file"},
		{"empty", Options{}, "neither a VOC folder"},
		{"x.txt", Options{}, "unknown format"},
		{"x.txt", Options{Split: "train"}, "needs a VOC folder"},
		{"voc", Options{}, "no .xml annotations"},
		{"only-bad", Options{SkipBad: true}, "every image of the data set was skipped as bad (1)"},
		{"voc", Options{Classes: []string{"a", "a"}}, `Options.Classes: class name "a" empty or repeated`},
	}
	for _, c := range cases {
		_, err := Load(filepath.Join(dir, c.path), c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("Load(%s, %+v) = %v, want an error holding %q", c.path, c.opt, err, c.want)
		}
	}
}
