package detdata

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestVOCImageSets reads a VOC folder with Annotations/, JPEGImages/ and two lists: a split reads
// the images listed, no split every annotation; classes are the sorted names; difficult is kept;
// a VOC file without <size> takes the size of its image.
func TestVOCImageSets(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "JPEGImages/a.jpg", 40, 30)
	writeImage(t, dir, "JPEGImages/b.png", 20, 10)
	writeImage(t, dir, "JPEGImages/c.png", 16, 16)
	writeFile(t, dir, "Annotations/a.xml", vocXML("a.jpg", 40, 30, box("dog", 1, 2, 40, 30), obj{"cat", "0.5", "1", "10.25", "9", "1"}))
	writeFile(t, dir, "Annotations/b.xml", vocXML("b.png", 0, 0, box("bird", 0, 0, 20, 10)))
	writeFile(t, dir, "Annotations/c.xml", vocXML("c.png", 16, 16))
	writeFile(t, dir, "ImageSets/Main/train.txt", "a\n\nc\n")
	writeFile(t, dir, "ImageSets/Main/val.txt", "b  1\n")

	all := mustLoad(t, dir, Options{})
	if want := []string{"bird", "cat", "dog"}; !reflect.DeepEqual(all.Classes, want) {
		t.Fatalf("classes %q, want %q", all.Classes, want)
	}
	if images, boxes := all.Count(); images != 3 || boxes != 3 {
		t.Fatalf("%v; want 3 images, 3 boxes", all)
	}
	a := all.Samples[0]
	wantA := []Box{{Class: 2, XMin: 1, YMin: 2, XMax: 40, YMax: 30}, {Class: 1, XMin: 0.5, YMin: 1, XMax: 10.25, YMax: 9, Difficult: true}}
	if filepath.Base(a.Path) != "a.jpg" || a.Width != 40 || a.Height != 30 || !reflect.DeepEqual(a.Boxes, wantA) {
		t.Fatalf("a: %+v, want boxes %+v", a, wantA)
	}
	if b := all.Samples[1]; b.Width != 20 || b.Height != 10 {
		t.Fatalf("b without <size>: %d×%d, want the image's 20×10", b.Width, b.Height)
	}
	if c := all.Samples[2]; len(c.Boxes) != 0 {
		t.Fatalf("c: %d boxes, want none", len(c.Boxes))
	}
	train := mustLoad(t, dir, Options{Split: "train"})
	if len(train.Samples) != 2 || filepath.Base(train.Samples[1].Path) != "c.png" {
		t.Fatalf("train split: %v", train)
	}
	val := mustLoad(t, dir, Options{Split: "val", Classes: all.Classes})
	if len(val.Samples) != 1 || !reflect.DeepEqual(val.Classes, all.Classes) || val.Samples[0].Boxes[0].Class != 0 {
		t.Fatalf("val split: %v %+v", val, val.Samples)
	}
	// The images elsewhere, named by Options.Images.
	other := t.TempDir()
	writeImage(t, other, "a.jpg", 40, 30)
	writeImage(t, other, "b.png", 20, 10)
	writeImage(t, other, "c.png", 16, 16)
	if s := mustLoad(t, dir, Options{Images: other}); s.Samples[2].Path != filepath.Join(other, "c.png") {
		t.Fatalf("with Options.Images: %s", s.Samples[2].Path)
	}
	if s := all.String(); !strings.Contains(s, "VOC ") || !strings.Contains(s, "3 images, 3 boxes, 3 classes (bird, cat, dog)") {
		t.Fatalf("String() = %q", s)
	}
}

// TestCSVImageFolders finds the images of a CSV file in Options.Images, the CSV's folder, its
// images/ sub-folder or the images/ folder beside it.
func TestCSVImageFolders(t *testing.T) {
	dir := t.TempDir()
	const header = "filename,width,height,class,xmin,ymin,xmax,ymax\n"
	writeImage(t, dir, "data/a.png", 8, 6)
	writeImage(t, dir, "data/images/b.png", 8, 6)
	writeImage(t, dir, "images/c.png", 8, 6)
	writeImage(t, dir, "elsewhere/d.png", 8, 6)
	writeImage(t, dir, "elsewhere/a.png", 8, 6)
	writeFile(t, dir, "data/l.csv", header+"a.png,8,6,x,0,0,8,6\nb.png,8,6,y,1,1,2,2\nc.png,8,6,x,0,0,1,1\nb.png,8,6,x,3,3,4,4\n")
	s := mustLoad(t, filepath.Join(dir, "data/l.csv"), Options{})
	var got []string
	for _, sm := range s.Samples {
		rel, _ := filepath.Rel(dir, sm.Path)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := []string{"data/a.png", "data/images/b.png", "images/c.png"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("paths %q, want %q", got, want)
	}
	if b := s.Samples[1].Boxes; len(b) != 2 || b[0].Class != 1 || b[1].Class != 0 {
		t.Fatalf("b's boxes %+v", b)
	}
	// Columns in another order, a byte-order mark, and Options.Images first.
	writeFile(t, dir, "data/m.csv", "\ufeffclass,filename,xmin,ymin,xmax,ymax,width,height\nx,a.png,0,0,8,6,8,6\nx,d.png,1,1,2,2,8,6\n")
	s = mustLoad(t, filepath.Join(dir, "data/m.csv"), Options{Images: filepath.Join(dir, "elsewhere")})
	if len(s.Samples) != 2 || s.Samples[0].Path != filepath.Join(dir, "elsewhere/a.png") {
		t.Fatalf("with Options.Images: %+v", s.Samples)
	}
}

// TestCOCO reads a COCO file: classes in the categories' order (not their ids'), bbox [x, y, w, h]
// as corners, iscrowd as difficult, an image without annotations kept, unknown keys ignored.
func TestCOCO(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "images/1.png", 32, 24)
	writeImage(t, dir, "images/2.png", 10, 10)
	writeFile(t, dir, "ann.json", `{
  "info": {"year": 2017, "nested": [1, {"a": null}]},
  "annotations": [
    {"id": 1, "image_id": 7, "category_id": 18, "bbox": [1.5, 2, 10, 20], "iscrowd": 0, "segmentation": [[1, 2, 3]]},
    {"id": 2, "image_id": 7, "category_id": 3, "bbox": [0, 0, 32, 24], "iscrowd": 1}
  ],
  "images": [
    {"id": 7, "file_name": "1.png", "width": 32, "height": 24},
    {"id": 9, "file_name": "2.png", "width": 10, "height": 10}
  ],
  "categories": [{"id": 18, "name": "dog"}, {"id": 3, "name": "car"}]
}`)
	s := mustLoad(t, filepath.Join(dir, "ann.json"), Options{})
	if want := []string{"dog", "car"}; !reflect.DeepEqual(s.Classes, want) {
		t.Fatalf("classes %q, want %q", s.Classes, want)
	}
	want := []Box{{Class: 0, XMin: 1.5, YMin: 2, XMax: 11.5, YMax: 22}, {Class: 1, XMin: 0, YMin: 0, XMax: 32, YMax: 24, Difficult: true}}
	if len(s.Samples) != 2 || !reflect.DeepEqual(s.Samples[0].Boxes, want) || len(s.Samples[1].Boxes) != 0 {
		t.Fatalf("samples %+v, want the first with %+v", s.Samples, want)
	}
	// A class list of the caller's maps the names.
	s = mustLoad(t, filepath.Join(dir, "ann.json"), Options{Classes: []string{"car", "cat", "dog"}})
	if s.Samples[0].Boxes[0].Class != 2 || s.Samples[0].Boxes[1].Class != 0 {
		t.Fatalf("with Options.Classes: %+v", s.Samples[0].Boxes)
	}
}

// TestYOLO reads a YOLO folder: classes.txt's order, relative centres and sizes turned into pixel
// corners (a corner a rounding error outside the image clipped), an image without labels kept.
func TestYOLO(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "a.png", 100, 50)
	writeImage(t, dir, "b.jpg", 20, 20)
	writeFile(t, dir, "classes.txt", "zebra\r\napple\n\n")
	writeFile(t, dir, "a.txt", "1 0.5 0.5 0.2 0.4\n\n0 0.1234565 0.5 0.246914 1.0000004\n")
	writeFile(t, dir, "notes.txt", "not labels of any image\n")
	s := mustLoad(t, dir, Options{})
	if want := []string{"zebra", "apple"}; !reflect.DeepEqual(s.Classes, want) {
		t.Fatalf("classes %q, want %q", s.Classes, want)
	}
	if len(s.Samples) != 2 || len(s.Samples[1].Boxes) != 0 {
		t.Fatalf("samples %+v", s.Samples)
	}
	b := s.Samples[0].Boxes
	if len(b) != 2 || b[0].Class != 1 || b[1].Class != 0 {
		t.Fatalf("boxes %+v", b)
	}
	got := []float64{b[0].XMin, b[0].YMin, b[0].XMax, b[0].YMax, b[1].XMin, b[1].YMin, b[1].XMax, b[1].YMax}
	want := []float64{40, 15, 60, 35, 0, 0, 24.69135, 50}
	requireClose(t, "YOLO corners", got, want, 1e-9)
}

// TestSplitSet checks Set.Split: the sizes, disjoint parts covering the set, the set's order kept,
// the same parts from the same seed.
func TestSplitSet(t *testing.T) {
	s := &Set{Classes: []string{"a"}, Source: "test"}
	for i := range 10 {
		s.Samples = append(s.Samples, Sample{Path: string(rune('a' + i)), Width: 1, Height: 1, Boxes: []Box{{XMax: 1, YMax: 1}}})
	}
	train, val, err := s.Split(0.3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(train.Samples) != 7 || len(val.Samples) != 3 {
		t.Fatalf("parts of %d and %d, want 7 and 3", len(train.Samples), len(val.Samples))
	}
	seen := map[string]bool{}
	for _, part := range []*Set{train, val} {
		for i, sm := range part.Samples {
			if seen[sm.Path] || (i > 0 && sm.Path < part.Samples[i-1].Path) {
				t.Fatalf("sample %s repeated or out of order", sm.Path)
			}
			seen[sm.Path] = true
		}
	}
	train.Samples[0].Boxes[0].XMin = 0.5
	if s.Samples[0].Boxes[0].XMin != 0 {
		t.Fatal("the parts share boxes with the set")
	}
	_, val2, _ := s.Split(0.3, 5)
	if !reflect.DeepEqual(val.Samples, val2.Samples) {
		t.Fatal("the same seed gave another split")
	}
	for _, f := range []float64{0, 1, 0.01, 0.99} {
		if _, _, err := s.Split(f, 1); err == nil {
			t.Errorf("Split(%g) of 10 images succeeded", f)
		}
	}
}
