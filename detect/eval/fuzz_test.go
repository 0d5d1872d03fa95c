package eval

import (
	"bytes"
	"testing"
)

const smallResults = `[{"image_id": 3, "category_id": 18, "bbox": [1, 2, 30, 40], "score": 0.9},
 {"image_id": 3, "category_id": 18, "bbox": [2, 2, 30, 40], "score": 0.9},
 {"image_id": 1, "category_id": 2, "bbox": [0, 0, 5, 5], "score": 0.5},
 {"image_id": 1, "category_id": 7, "bbox": [0, 0, 5, 5], "score": 0.5}]`

// checkResult fails unless every number of r is −1 or in [0, 1] (NaN fails).
func checkResult(t *testing.T, r *Result) {
	t.Helper()
	ok := func(v float64) bool { return v == -1 || (v >= 0 && v <= 1) }
	for i, s := range r.Stats {
		if !ok(s) {
			t.Fatalf("stat %d = %g", i, s)
		}
	}
	for c, ap := range r.PerCategory {
		if !ok(ap.AP) || !ok(ap.AP50) {
			t.Fatalf("category %d: %+v", c, ap)
		}
	}
}

// FuzzReadGroundTruth: ReadGroundTruth returns a dataset whose annotations refer to its
// images and categories, or an error, and never panics; the dataset scored against its own
// boxes gives numbers in range.
func FuzzReadGroundTruth(f *testing.F) {
	f.Add([]byte(smallGT))
	f.Add([]byte(`{"images": [], "annotations": [], "categories": []}`))
	f.Add([]byte(`{"images": [{"id": 1}], "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1e308, 1e308], "iscrowd": 1}], "categories": [{"id": 1}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ReadGroundTruth(bytes.NewReader(b))
		if err != nil {
			return
		}
		var dt []Detection
		for i, g := range ds.Annotations {
			dt = append(dt, Detection{Image: g.Image, Category: g.Category, Box: g.Box, Score: float64(i % 3)})
		}
		r, err := ds.Evaluate(dt)
		if err != nil {
			t.Fatalf("a dataset scored against its own boxes: %v", err)
		}
		checkResult(t, r)
	})
}

// FuzzReadResults: ReadResults returns finite detections or an error, and never panics; the
// detections scored against themselves as ground truth (COCO and VOC) give numbers in range.
func FuzzReadResults(f *testing.F) {
	f.Add([]byte(smallResults))
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"image_id": -1, "category_id": 0, "bbox": [-1e300, 0, 1e300, 0], "score": -0}]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dt, err := ReadResults(bytes.NewReader(b))
		if err != nil {
			return
		}
		var gt []GroundTruth
		for i, d := range dt {
			gt = append(gt, GroundTruth{Image: d.Image, Category: d.Category, Box: d.Box, Area: d.Box.Area(), Crowd: i%4 == 1, Ignore: i%5 == 2})
		}
		r, err := COCO(gt, dt, nil, nil)
		if err != nil {
			t.Fatalf("detections read scored: %v", err)
		}
		checkResult(t, r)
		for _, use07 := range []bool{false, true} {
			ap, err := VOC(gt, dt, 0.5, use07)
			if err != nil {
				t.Fatalf("VOC: %v", err)
			}
			for c, v := range ap {
				if !(v >= 0 && v <= 1) {
					t.Fatalf("VOC AP of class %d = %g", c, v)
				}
			}
		}
	})
}

// FuzzEvaluate: the coco-eval path, ground truth and results read from two inputs, scored
// or refused, never a panic.
func FuzzEvaluate(f *testing.F) {
	f.Add([]byte(smallGT), []byte(smallResults))
	f.Add([]byte(smallGT), []byte(`[{"image_id": 9, "category_id": 18, "bbox": [1, 2, 3, 4], "score": 1}]`))
	f.Fuzz(func(t *testing.T, g, d []byte) {
		ds, err := ReadGroundTruth(bytes.NewReader(g))
		if err != nil {
			return
		}
		dt, err := ReadResults(bytes.NewReader(d))
		if err != nil {
			return
		}
		r, err := ds.Evaluate(dt)
		if err != nil {
			return
		}
		checkResult(t, r)
		if s := r.Summary(); len(s) == 0 || s[len(s)-1] != '\n' {
			t.Fatalf("summary %q", s)
		}
	})
}
