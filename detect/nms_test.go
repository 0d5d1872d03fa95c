package detect_test

import (
	"math"
	"slices"
	"testing"

	"github.com/mobilenet-go/mobilenet/detect"
)

// sq is the square of side s with top-left corner (y, x).
func sq(y, x, s float32) detect.Box { return detect.Box{YMin: y, XMin: x, YMax: y + s, XMax: x + s} }

// Boxes with hand-computed overlaps: unit and shifted overlap by 1/3 (0.5 / 1.5), shifted
// and next likewise, unit and next not at all; unit and half (its left half) by exactly 0.5.
var (
	unit    = sq(0, 0, 1)
	shifted = detect.Box{YMin: 0, XMin: 0.5, YMax: 1, XMax: 1.5}
	next    = detect.Box{YMin: 0, XMin: 1, YMax: 1, XMax: 2}
	half    = detect.Box{YMin: 0, XMin: 0, YMax: 1, XMax: 0.5}
	narrow  = detect.Box{YMin: 0, XMin: 0, YMax: 1, XMax: 0.9} // IoU with unit: 0.9
)

func TestNonMaxSuppressionSingleClass(t *testing.T) {
	disjoint := []detect.Box{sq(0, 0, 1), sq(0, 2, 1), sq(0, 4, 1), sq(0, 6, 1), sq(0, 8, 1)}
	nan := float32(math.NaN())
	tests := []struct {
		name     string
		boxes    []detect.Box
		scores   []float32
		thr, iou float32
		max      int
		want     []int
	}{
		{"ties keep index order", disjoint[:3], []float32{0.5, 0.5, 0.5}, 0, 0.5, 10, []int{0, 1, 2}},
		{"ties cut by max", disjoint[:3], []float32{0.5, 0.5, 0.5}, 0, 0.5, 2, []int{0, 1}},
		// Equal scores, boxes 0 and 1 identical: the lower index wins and suppresses the other.
		{"tie with overlap", []detect.Box{unit, unit, next}, []float32{0.8, 0.8, 0.8}, 0, 0.5, 10, []int{0, 2}},
		{"tie, higher index first in score", []detect.Box{unit, unit, next}, []float32{0.7, 0.8, 0.8}, 0, 0.5, 10, []int{1, 2}},
		{"decreasing score", disjoint[:3], []float32{0.1, 0.9, 0.5}, 0, 0.5, 10, []int{1, 2, 0}},
		// A score equal to the threshold is kept (≥); 0.29 is dropped.
		{"score threshold", disjoint[:3], []float32{0.3, 0.29, 0.31}, 0.3, 0.5, 10, []int{2, 0}},
		{"nothing above threshold", disjoint[:3], []float32{0.1, 0.2, 0.3}, 0.5, 0.5, 10, nil},
		// IoU exactly 0.5 at threshold 0.5 does not suppress (suppression needs IoU > threshold).
		{"IoU at threshold", []detect.Box{unit, half}, []float32{0.9, 0.8}, 0, 0.5, 10, []int{0, 1}},
		{"IoU above threshold", []detect.Box{unit, half}, []float32{0.9, 0.8}, 0, 0.4999, 10, []int{0}},
		// Zero-area and inverted boxes overlap nothing, so they neither suppress nor are suppressed.
		{"degenerate boxes", []detect.Box{
			unit,
			{YMin: 0.5, XMin: 0, YMax: 0.5, XMax: 1}, // zero height, inside unit
			{YMin: 1, XMin: 1, YMax: 0, XMax: 0},     // inverted both ways: positive area
			{YMin: 1, XMin: 1, YMax: 0, XMax: 0},     // the same again
			{YMin: 1, XMin: 0, YMax: 0, XMax: 1},     // inverted in y only: negative area
		}, []float32{0.9, 0.8, 0.7, 0.6, 0.5}, 0, 0.01, 10, []int{0, 1, 2, 3, 4}},
		// unit suppresses shifted (IoU 1/3 > 0.3); next overlaps only the suppressed shifted,
		// so it survives: a suppressed box suppresses nothing.
		{"suppressed box suppresses nothing", []detect.Box{unit, shifted, next}, []float32{0.9, 0.8, 0.7}, 0, 0.3, 10, []int{0, 2}},
		// At threshold 0.34 nothing overlaps enough.
		{"IoU 1/3 under threshold", []detect.Box{unit, shifted, next}, []float32{0.9, 0.8, 0.7}, 0, 0.34, 10, []int{0, 1, 2}},
		{"max limit", disjoint, []float32{0.1, 0.5, 0.3, 0.9, 0.7}, 0, 0.5, 3, []int{3, 4, 1}},
		{"max zero", disjoint, []float32{0.1, 0.5, 0.3, 0.9, 0.7}, 0, 0.5, 0, nil},
		{"NaN score never kept", disjoint[:3], []float32{nan, 0.5, nan}, 0, 0.5, 10, []int{1}},
	}
	for _, tc := range tests {
		got := detect.NonMaxSuppressionSingleClass(tc.boxes, tc.scores, tc.thr, tc.iou, tc.max)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: selected %v, want %v", tc.name, got, tc.want)
		}
	}
}

func fastOptions(numClasses, maxDet, maxClasses int, thr, iou float32) detect.Options {
	return detect.Options{
		MaxDetections: maxDet, MaxClassesPerDetection: maxClasses, DetectionsPerClass: 100,
		NumClasses: numClasses, ScoreThreshold: thr, IoUThreshold: iou,
		YScale: 10, XScale: 10, HScale: 5, WScale: 5,
	}
}

func TestFastNMS(t *testing.T) {
	boxes := []detect.Box{unit, sq(0, 5, 1), narrow, sq(0, 9, 1)}
	tests := []struct {
		name      string
		scores    []float32
		classesIn int
		o         detect.Options
		want      []detect.Detection
	}{
		{
			// Only the background column scores: nothing is detected.
			name: "all background",
			scores: []float32{
				0.9, 0, 0,
				0.8, 0, 0,
				0.99, 0, 0,
				0.7, 0, 0,
			},
			classesIn: 3, o: fastOptions(2, 10, 1, 1e-8, 0.6),
		},
		{
			// Best classes: anchor 0 → class 1 (0.7); anchor 1 → a tie, class 0 wins (0.6);
			// anchor 2 → class 0 (0.8), and narrow overlaps unit (IoU 0.9), so anchor 0 is
			// suppressed; anchor 3 → class 1 (0.2), under the threshold. The background
			// column (0.95) is ignored.
			name: "best class per box",
			scores: []float32{
				0.95, 0.2, 0.7,
				0.95, 0.6, 0.6,
				0.95, 0.8, 0.1,
				0.95, 0.1, 0.2,
			},
			classesIn: 3, o: fastOptions(2, 10, 1, 0.3, 0.6),
			want: []detect.Detection{{Box: narrow, Class: 0, Score: 0.8}, {Box: sq(0, 5, 1), Class: 0, Score: 0.6}},
		},
		{
			name: "max detections",
			scores: []float32{
				0.95, 0.2, 0.7,
				0.95, 0.6, 0.6,
				0.95, 0.8, 0.1,
				0.95, 0.1, 0.2,
			},
			classesIn: 3, o: fastOptions(2, 1, 1, 0.3, 0.6),
			want: []detect.Detection{{Box: narrow, Class: 0, Score: 0.8}},
		},
		{
			// No background column (label offset 0), two classes per detection: each selected
			// box gives its classes by decreasing score, a tie lower class first, including
			// scores under the threshold (only the box's best score is thresholded).
			name: "two classes per box, no background",
			scores: []float32{
				0.2, 0.7, 0.1,
				0.6, 0.1, 0.6,
				0.3, 0.3, 0.35,
				0.1, 0.1, 0.1,
			},
			classesIn: 3, o: fastOptions(3, 10, 2, 0.3, 0.95),
			want: []detect.Detection{
				{Box: unit, Class: 1, Score: 0.7}, {Box: unit, Class: 0, Score: 0.2},
				{Box: sq(0, 5, 1), Class: 0, Score: 0.6}, {Box: sq(0, 5, 1), Class: 2, Score: 0.6},
				{Box: narrow, Class: 2, Score: 0.35}, {Box: narrow, Class: 0, Score: 0.3},
			},
		},
	}
	for _, tc := range tests {
		got := detect.FastNMS(boxes, tc.scores, tc.classesIn, tc.o)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

// TestRegularNMS has three hand-worked cases; regular NMS is on in neither shared model.
func TestRegularNMS(t *testing.T) {
	regular := func(numClasses, maxDet, perClass int, thr, iou float32) detect.Options {
		o := fastOptions(numClasses, maxDet, 1, thr, iou)
		o.UseRegularNMS, o.DetectionsPerClass = true, perClass
		return o
	}
	tests := []struct {
		name      string
		boxes     []detect.Box
		scores    []float32
		classesIn int
		o         detect.Options
		want      []detect.Detection
		fast      []detect.Detection // FastNMS on the same input, where the case shows a difference
	}{
		{
			// Regular and fast NMS differ. unit scores A 0.9, B 0.8; narrow (IoU 0.9 with unit)
			// scores A 0.1, B 0.85. Fast NMS ranks each box by its best class only, so narrow
			// (best: B 0.85) competes with unit (best: A 0.9) and is suppressed, though it is
			// the best box for B. Regular NMS suppresses only within a class: for A only unit
			// passes the threshold; for B narrow wins and suppresses unit's B. Both survive.
			name:  "differs from fast NMS",
			boxes: []detect.Box{unit, narrow},
			scores: []float32{
				0.0, 0.9, 0.8,
				0.0, 0.1, 0.85,
			},
			classesIn: 3, o: regular(2, 5, 5, 0.3, 0.5),
			want: []detect.Detection{{Box: unit, Class: 0, Score: 0.9}, {Box: narrow, Class: 1, Score: 0.85}},
			fast: []detect.Detection{{Box: unit, Class: 0, Score: 0.9}},
		},
		{
			// Caps. Four disjoint boxes, three classes, no background. Per class, at most one
			// box (detections_per_class 1): A keeps box 0 (0.9; box 1's 0.8 is cut), B keeps
			// box 2 (0.7), C keeps box 1 (0.75). Merged by score and cut to max_detections 2:
			// A 0.9, C 0.75; B's 0.7 is dropped.
			name:  "per-class and total caps",
			boxes: []detect.Box{sq(0, 0, 1), sq(0, 2, 1), sq(0, 4, 1), sq(0, 6, 1)},
			scores: []float32{
				0.9, 0.2, 0.3,
				0.8, 0.1, 0.75,
				0.1, 0.7, 0.1,
				0.1, 0.1, 0.1,
			},
			classesIn: 3, o: regular(3, 2, 1, 0.5, 0.5),
			want: []detect.Detection{{Box: sq(0, 0, 1), Class: 0, Score: 0.9}, {Box: sq(0, 2, 1), Class: 2, Score: 0.75}},
		},
		{
			// Suppression within a class only, thresholds per class, background ignored, fewer
			// detections than max. Class A: narrow 0.7 suppresses unit 0.6. Class B: unit 0.55
			// passes, narrow's 0.2 does not. The background's 0.5 and 0.9 play no part.
			name:  "within-class suppression",
			boxes: []detect.Box{unit, narrow},
			scores: []float32{
				0.5, 0.6, 0.55,
				0.9, 0.7, 0.2,
			},
			classesIn: 3, o: regular(2, 10, 10, 0.5, 0.5),
			want: []detect.Detection{{Box: narrow, Class: 0, Score: 0.7}, {Box: unit, Class: 1, Score: 0.55}},
			fast: []detect.Detection{{Box: narrow, Class: 0, Score: 0.7}},
		},
	}
	for _, tc := range tests {
		got := detect.RegularNMS(tc.boxes, tc.scores, tc.classesIn, tc.o)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: regular:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
		if tc.fast != nil {
			if got := detect.FastNMS(tc.boxes, tc.scores, tc.classesIn, tc.o); !slices.Equal(got, tc.fast) {
				t.Errorf("%s: fast:\n got %+v\nwant %+v", tc.name, got, tc.fast)
			}
		}
	}
}

func TestMultiClassPanicsOnBadShapes(t *testing.T) {
	o := fastOptions(2, 10, 1, 0.5, 0.5)
	boxes := []detect.Box{unit, next}
	for _, tc := range []struct {
		name      string
		n         int
		classesIn int
	}{{"label offset 2", 8, 4}, {"label offset -1", 2, 1}, {"short scores", 5, 3}} {
		for _, f := range []func([]detect.Box, []float32, int, detect.Options) []detect.Detection{detect.FastNMS, detect.RegularNMS} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: no panic", tc.name)
					}
				}()
				f(boxes, make([]float32, tc.n), tc.classesIn, o)
			}()
		}
	}
}
