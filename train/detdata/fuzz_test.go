package detdata

import (
	"strings"
	"testing"
)

// checkParsed fails t unless every error is one line naming the file, and every entry that parsed
// survives the box checks of finish (given a size when its annotation has none) with either an
// error of the same kind or boxes inside the image.
func checkParsed(t *testing.T, file string, p *parsed, err error) {
	t.Helper()
	checkError := func(err error) {
		t.Helper()
		if msg := err.Error(); !strings.HasPrefix(msg, "detdata: "+file) || strings.ContainsAny(msg, "\n\r") {
			t.Fatalf("error %q is not one line naming %s", msg, file)
		}
	}
	if err != nil {
		checkError(err)
		return
	}
	for _, e := range p.entries {
		if e.bad == nil {
			if e.width == 0 {
				e.width, e.height = 64, 48
			}
			e.bad = checkBoxes(e, nil)
		}
		if e.bad != nil {
			checkError(e.bad)
			continue
		}
		for _, b := range e.boxes {
			if !(0 <= b.xmin && b.xmin < b.xmax && b.xmax <= float64(e.width) && 0 <= b.ymin && b.ymin < b.ymax && b.ymax <= float64(e.height)) {
				t.Fatalf("box %+v accepted in a %d×%d image", b, e.width, e.height)
			}
		}
	}
}

// FuzzVOC feeds arbitrary bytes to the VOC annotation reader.
func FuzzVOC(f *testing.F) {
	f.Add([]byte(vocXML("a.jpg", 40, 30, box("dog", 1, 2, 40, 30), obj{"cat", "0.5", "1", "10.25", "9", "1"})))
	f.Add([]byte(vocXML("a.jpg", 0, 0, obj{"x", "1e400", "0", "1", "1", ""})))
	f.Add([]byte(`<?xml version="1.0"?><annotation verified="yes"><folder>images</folder><filename>r.jpg</filename>` +
		`<source><database>Unknown</database></source><size><width>650</width><height>417</height><depth>3</depth></size>` +
		`<object><name>raccoon</name><pose>Unspecified</pose><truncated>0</truncated><difficult>0</difficult>` +
		`<bndbox><xmin>81</xmin><ymin>88</ymin><xmax>522</xmax><ymax>408</ymax></bndbox><part><name>head</name></part></object></annotation>`))
	f.Add([]byte("<annotation><object><name>a</name></object>"))
	f.Add([]byte("<a>&unknown;</a>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		e := parseVOC("f.xml", data)
		checkParsed(t, "f.xml", &parsed{entries: []*entry{e}}, nil)
	})
}

// FuzzCSV feeds arbitrary bytes to the CSV reader, with and without SkipBad.
func FuzzCSV(f *testing.F) {
	f.Add([]byte(csvHeader+"a.jpg,8,6,x,0,0,8,6\nb.jpg,8,6,y,1,1,2,2\nb.jpg,8,6,x,3,3,4,4\n"), false)
	f.Add([]byte("\ufeffclass,filename,xmin,ymin,xmax,ymax,width,height,extra\nx,a.png,0,0,8,6,8,6,\n"), true)
	f.Add([]byte(csvHeader+"\"a,b.jpg\",8,6,x,0,0,8,6\nb.jpg,8,6,x\"y,0,0,8,6\nc.jpg,8\n"), true)
	f.Add([]byte(csvHeader+"a.jpg,8,6,x,0,0,8,6\na.jpg,9,6,x,NaN,0,8,6\n\"open"), false)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		p, err := parseCSV("f.csv", data, nil, skip)
		checkParsed(t, "f.csv", p, err)
	})
}

// FuzzCOCO feeds arbitrary bytes to the COCO reader, with and without SkipBad.
func FuzzCOCO(f *testing.F) {
	f.Add([]byte(`{"info": {"v": [1, {"a": null}]}, "images": [{"id": 1, "file_name": "a.jpg", "width": 8, "height": 6}],
"annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [0.5, 1, 4, 5], "iscrowd": 1, "segmentation": {"counts": [1]}}],
"categories": [{"id": 3, "name": "x", "supercategory": "y"}]}`), false)
	f.Add([]byte(`{"categories": [{"id": 1, "name": "x"}], "annotations": [{"image_id": 2, "category_id": 1, "bbox": ["0", 0, 8]},
{"image_id": 9, "category_id": 7, "bbox": [0, 0, 1, 1]}], "images": [{"id": 2, "file_name": "b.png"}, {"id": 2}, {"id": 1.5}]}`), true)
	f.Add([]byte(`{"images": [`), false)
	f.Add([]byte(`{"images": {}} trailing`), true)
	f.Fuzz(func(t *testing.T, data []byte, skip bool) {
		p, err := parseCOCO("f.json", data, nil, skip)
		checkParsed(t, "f.json", p, err)
	})
}

// FuzzYOLO feeds arbitrary bytes to the YOLO readers: as a classes.txt, then as the labels of an
// image with three classes.
func FuzzYOLO(f *testing.F) {
	f.Add([]byte("0 0.5 0.5 0.2 0.4\n\n2 0.1234565 0.5 0.246914 1.0000004\n"))
	f.Add([]byte("zebra\r\napple\n\n"))
	f.Add([]byte("1 0.5 0.5 +Inf 0.5\n3 0 0 1 1\n-1 .5 .5 .5 .5 .5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := parseClassList("classes.txt", data); err != nil {
			checkParsed(t, "classes.txt", nil, err)
		}
		boxes, err := parseYOLO("f.txt", data, []string{"a", "b", "c"})
		if err == nil {
			for _, b := range boxes {
				if b.class == "" || !b.relative {
					t.Fatalf("box %+v", b)
				}
			}
		}
		checkParsed(t, "f.txt", &parsed{entries: []*entry{{where: "f.txt", boxes: boxes}}}, err)
	})
}
