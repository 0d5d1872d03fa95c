package eval

import (
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// requireAP compares VOC's map with want, class by class.
func requireAP(t *testing.T, got, want map[int]float64) {
	t.Helper()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want))) {
		t.Fatalf("classes %v, want %v", got, want)
	}
	for c, w := range want {
		approx.Require(t, "AP of class", []float64{got[c]}, []float64{w}, 1e-12, 0)
	}
}

func mustVOC(t *testing.T, gt []GroundTruth, dt []Detection, use07 bool) map[int]float64 {
	t.Helper()
	ap, err := VOC(gt, dt, 0.5, use07)
	if err != nil {
		t.Fatal(err)
	}
	return ap
}

// TestVOCDifficultAndDuplicate: two boxes and a difficult one; detections .9 on the first
// (TP), .8 on it again (FP: taken), .7 on the difficult one (ignored), .6 on the second (TP).
//
//	recall .5 .5 .5 1, precision 1 .5 .5 2/3
//	VOC2010: envelope 1 up to recall .5, 2/3 up to 1 → .5·1 + .5·2/3 = 5/6
//	VOC2007: recall ≥ 0 … 0.5 → 1 (6 points), ≥ 0.6 … 1 → 2/3 (5 points) → (6 + 10/3)/11
func TestVOCDifficultAndDuplicate(t *testing.T) {
	hard := gtBox(1, 3, 400, 0, 100, 100)
	hard.Ignore = true
	gt := []GroundTruth{gtBox(1, 3, 0, 0, 100, 100), gtBox(1, 3, 200, 0, 100, 100), hard}
	dt := []Detection{
		det(1, 3, 0, 0, 100, 100, 0.9),
		det(1, 3, 5, 0, 100, 100, 0.8),
		det(1, 3, 400, 0, 100, 100, 0.7),
		det(1, 3, 200, 0, 100, 100, 0.6),
	}
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{3: 5.0 / 6})
	requireAP(t, mustVOC(t, gt, dt, true), map[int]float64{3: (6 + 10.0/3) / 11})
}

// TestVOCBestBoxTaken: as in the devkit, a detection takes its best-overlapping box; when
// that box is taken it is a false positive even though another box overlaps it by ≥ 0.5.
// Boxes A (0,0)–(100,100) and B (30,0)–(130,100); the second detection, (5,0)–(105,100),
// overlaps A by 9500/10500 and B by 7500/12500 = 0.6 → FP. TP FP: recall .5 .5, precision 1 .5 → AP .5.
func TestVOCBestBoxTaken(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100), gtBox(1, 1, 30, 0, 100, 100)}
	dt := []Detection{det(1, 1, 0, 0, 100, 100, 0.9), det(1, 1, 5, 0, 100, 100, 0.8)}
	if v := iou(dt[1].Box, gt[1].Box, false); !(v >= 0.5) {
		t.Fatalf("set-up: IoU with B %g, want ≥ 0.5", v)
	}
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{1: 0.5})
}

// TestVOCTies: equal scores keep the order given (MATLAB's stable sort): FP then TP gives
// recall 0 1, precision 0 .5 → AP .5; TP then FP gives AP 1.
func TestVOCTies(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100)}
	dt := []Detection{det(1, 1, 300, 0, 100, 100, 0.5), det(1, 1, 0, 0, 100, 100, 0.5)}
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{1: 0.5})
	dt[0], dt[1] = dt[1], dt[0]
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{1: 1})
}

// TestVOCEmpty: a class with ground truth but no detection scores 0; one with detections
// only, or only difficult boxes, is absent; no input at all gives an empty map.
func TestVOCEmpty(t *testing.T) {
	hard := gtBox(1, 3, 0, 0, 100, 100)
	hard.Ignore = true
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100), hard}
	dt := []Detection{det(1, 2, 0, 0, 100, 100, 0.9), det(1, 3, 0, 0, 100, 100, 0.9)}
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{1: 0})
	requireAP(t, mustVOC(t, gt, nil, true), map[int]float64{1: 0})
	requireAP(t, mustVOC(t, nil, nil, false), map[int]float64{})
	// Only ground truth of class 1, in another image: every detection is false.
	requireAP(t, mustVOC(t, gt[:1], []Detection{det(2, 1, 0, 0, 100, 100, 0.9)}, true), map[int]float64{1: 0})
}

// TestVOC07RecallOnPoint: ten boxes, three found: recall .1 .2 .3 at precision 1. The
// 11-point AP counts t = 0, .1, .2, .3 (a recall of exactly 3/10 reaches 0.3) → 4/11; the
// area is .3.
func TestVOC07RecallOnPoint(t *testing.T) {
	var gt []GroundTruth
	var dt []Detection
	for i := range 10 {
		x := float64(200 * i)
		gt = append(gt, gtBox(1, 1, x, 0, 100, 100))
		if i < 3 {
			dt = append(dt, det(1, 1, x, 0, 100, 100, 1-float64(i)/10))
		}
	}
	requireAP(t, mustVOC(t, gt, dt, true), map[int]float64{1: 4.0 / 11})
	requireAP(t, mustVOC(t, gt, dt, false), map[int]float64{1: 0.3})
}

func TestVOCRefusesBadInput(t *testing.T) {
	for _, thr := range []float64{-0.1, 1.5, math.NaN()} {
		if _, err := VOC(nil, nil, thr, false); err == nil {
			t.Errorf("threshold %g: no error", thr)
		}
	}
	if _, err := VOC(nil, []Detection{det(1, 1, 0, 0, 1, -1, 1)}, 0.5, false); err == nil {
		t.Error("negative height: no error")
	}
}
