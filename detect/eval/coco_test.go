package eval

import (
	"fmt"
	"math"
	"testing"

	"github.com/mobilenet-go/mobilenet/internal/approx"
)

// gtBox is a ground-truth box whose area is its box's.
func gtBox(img, cat int, x, y, w, h float64) GroundTruth {
	b := Box{x, y, w, h}
	return GroundTruth{Image: img, Category: cat, Box: b, Area: b.Area()}
}

func det(img, cat int, x, y, w, h, score float64) Detection {
	return Detection{Image: img, Category: cat, Box: Box{x, y, w, h}, Score: score}
}

// one is 1/(1+ε): the precision of one true positive and no false one in pycocotools.
const one = 1 / (1 + eps)

// requireStats compares the 12 stats with want (−1 for "no category").
func requireStats(t *testing.T, r *Result, want [12]float64) {
	t.Helper()
	approx.Require(t, "stats", r.Stats[:], want[:], 1e-12, 0)
}

func mustCOCO(t *testing.T, gt []GroundTruth, dt []Detection, images, cats []int) *Result {
	t.Helper()
	r, err := COCO(gt, dt, images, cats)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestThresholdsAsNumpy(t *testing.T) {
	// numpy.linspace(.5, .95, 10) and linspace(0, 1, 101), printed by numpy: 0.8999999999999999
	// is i·step + start rounded; 0.35000000000000003 is 35·0.01.
	want := map[string][]float64{
		"iou":                {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95},
		"recall 35, 50, 100": {0.35000000000000003, 0.5, 1},
	}
	approx.Require(t, "iou", iouThrs, want["iou"], 0, 0)
	approx.Require(t, "recall", []float64{recallThrs[35], recallThrs[50], recallThrs[100]}, want["recall 35, 50, 100"], 0, 0)
	// A recall of exactly 0.35 falls short of the point 35·0.01, so that point takes the next
	// entry's precision (0.5), as numpy.searchsorted does: 35 points at 1, 6 at 0.5.
	got := sampledPrecision([]float64{0.35, 0.4}, []float64{1, 0.5})
	approx.Require(t, "sampled precision", []float64{got}, []float64{35 + 6*0.5}, 0, 0)
}

// TestCOCODuplicateAndPartialMatch: two large boxes; a perfect detection, its duplicate
// (false: the box is taken) and one at IoU 0.62 with the second box (true at 0.50, 0.55,
// 0.60 only). Worked by hand:
//
//	t ≤ 0.60: TP FP TP → recall .5 .5 1, precision 1 .5 2/3 → envelope 1 2/3 2/3
//	          → 51 points at 1, 50 at 2/3
//	t ≥ 0.65: TP FP FP → recall .5 .5 .5 → 51 points at 1, then 0
//	AP = (3·(51 + 100/3) + 7·51)/1010 = 610/1010, AP50 = (51 + 100/3)/101, AP75 = 51/101
//	AR100 = (3·1 + 7·0.5)/10 = 0.65, AR1 = 0.5 (the first detection only)
func TestCOCODuplicateAndPartialMatch(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 7, 0, 0, 100, 100), gtBox(1, 7, 200, 0, 100, 100)}
	dt := []Detection{
		det(1, 7, 0, 0, 100, 100, 0.9),
		det(1, 7, 0, 0, 100, 100, 0.8),
		det(1, 7, 200, 0, 62, 100, 0.7),
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	ap := 610.0 / 1010
	requireStats(t, r, [12]float64{ap, (51 + 100.0/3) / 101, 51.0 / 101, -1, -1, ap, 0.5, 0.65, 0.65, -1, -1, 0.65})
	c := r.PerCategory[7]
	approx.Require(t, "category 7", []float64{c.AP, c.AP50}, []float64{ap, (51 + 100.0/3) / 101}, 1e-12, 0)
	if c.GroundTruth != 2 || len(r.PerCategory) != 1 || r.LeftOut != 0 {
		t.Errorf("PerCategory %v, LeftOut %d; want category 7 with 2 boxes only, none left out", r.PerCategory, r.LeftOut)
	}
}

// TestCOCOCrowd: a crowd box absorbs every detection inside it (IoU = overlap over the
// detection's area) without counting, and is never missed. Scores: inside the crowd .95, on
// the one real box .9, inside the crowd .85, elsewhere .8 → ignored, TP, ignored, FP with one
// box that counts: precision 0, 1/(1+ε), 1/(1+ε), 1/(2+ε); recall 0, 1, 1, 1 → every
// recall point at 1/(1+ε), and recall 1; with maxDets 1 only the ignored detection is
// left, so AR1 is 0.
func TestCOCOCrowd(t *testing.T) {
	crowd := gtBox(1, 1, 200, 0, 200, 200)
	crowd.Crowd = true
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100), crowd}
	dt := []Detection{
		det(1, 1, 210, 10, 50, 50, 0.95),
		det(1, 1, 0, 0, 100, 100, 0.9),
		det(1, 1, 300, 100, 50, 50, 0.85),
		det(1, 1, 500, 500, 100, 100, 0.8),
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	requireStats(t, r, [12]float64{one, one, one, -1, -1, one, 0, 1, 1, -1, -1, 1})
	if r.PerCategory[1].GroundTruth != 1 {
		t.Errorf("GroundTruth = %d, want 1 (the crowd does not count)", r.PerCategory[1].GroundTruth)
	}
}

// TestCOCOIgnore: an Ignore box (not crowd) matches one detection, which is then neither
// true nor false, and a second one on it is false. Sequence: ignored, FP, TP with one box
// that counts → precision 0, 0, 1/2 → envelope .5 everywhere.
func TestCOCOIgnore(t *testing.T) {
	hard := gtBox(1, 1, 0, 0, 100, 100)
	hard.Ignore = true
	gt := []GroundTruth{hard, gtBox(1, 1, 200, 0, 100, 100)}
	dt := []Detection{
		det(1, 1, 0, 0, 100, 100, 0.9),
		det(1, 1, 0, 0, 100, 100, 0.8),
		det(1, 1, 200, 0, 100, 100, 0.7),
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	h := 1 / (2 + eps)
	requireStats(t, r, [12]float64{h, h, h, -1, -1, h, 0, 1, 1, -1, -1, 1})
}

// TestCOCOCountedBeforeIgnored: a detection inside a crowd (IoU 1 with it) that overlaps a
// real box by 0.55 takes the real box at thresholds ≤ 0.55: boxes that count are tried
// first. Above, it falls to the crowd and is ignored. So AP = 2 thresholds at 1/(1+ε), 8 at
// 0; recall 1 at two thresholds of ten.
func TestCOCOCountedBeforeIgnored(t *testing.T) {
	crowd := gtBox(1, 1, 0, 0, 1000, 1000)
	crowd.Crowd = true
	// The real box 100×100 at (0, 0); the detection 100×55 at (0, 0) overlaps it by 5500/10000.
	gt := []GroundTruth{crowd, gtBox(1, 1, 0, 0, 100, 100)}
	dt := []Detection{det(1, 1, 0, 0, 100, 55, 0.9)}
	r := mustCOCO(t, gt, dt, nil, nil)
	requireStats(t, r, [12]float64{one * 2 / 10, one, 0, -1, -1, one * 2 / 10, 0.2, 0.2, 0.2, -1, -1, 0.2})
}

// TestCOCOTies: equal scores keep image order (increasing id, whatever the order given),
// then the order given within an image, as pycocotools' mergesort does.
func TestCOCOTies(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100)}
	t.Run("across images", func(t *testing.T) {
		// Image 2's false positive is given first, but image 1's true positive ranks first:
		// TP FP → AP 1/(1+ε). The other order would give 0.5.
		dt := []Detection{det(2, 1, 0, 0, 100, 100, 0.5), det(1, 1, 0, 0, 100, 100, 0.5)}
		r := mustCOCO(t, gt, dt, []int{2, 1}, nil)
		approx.Require(t, "AP", r.Stats[:1], []float64{one}, 1e-12, 0)
	})
	t.Run("within an image", func(t *testing.T) {
		// FP then TP as given → precision 0, 1/2 → envelope 1/2.
		dt := []Detection{det(1, 1, 300, 300, 100, 100, 0.5), det(1, 1, 0, 0, 100, 100, 0.5)}
		r := mustCOCO(t, gt, dt, nil, nil)
		approx.Require(t, "AP", r.Stats[:1], []float64{1 / (2 + eps)}, 1e-12, 0)
		dt[0], dt[1] = dt[1], dt[0]
		r = mustCOCO(t, gt, dt, nil, nil)
		approx.Require(t, "AP swapped", r.Stats[:1], []float64{one}, 1e-12, 0)
	})
}

// TestCOCOMaxDets: three boxes found by three detections: AR1 = 1/3, AR10 = AR100 = 1; AP
// with maxDets 100 is 1/(1+ε) (every precision is tp/(tp+ε)).
func TestCOCOMaxDets(t *testing.T) {
	var gt []GroundTruth
	var dt []Detection
	for i := range 3 {
		x := float64(200 * i)
		gt = append(gt, gtBox(1, 1, x, 0, 100, 100))
		dt = append(dt, det(1, 1, x, 0, 100, 100, 0.9-0.1*float64(i)))
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	requireStats(t, r, [12]float64{one, one, one, -1, -1, one, 1.0 / 3, 1, 1, -1, -1, 1})
}

// TestCOCOAreaRanges: a small box (10×10) and a large one (100×100), both found, and a small
// false detection ranked between them.
//
//	all:   TP FP TP → AP (51 + 100/3)/101, recall 1
//	small: TP FP, and the large box's detection ignored (its box is outside) → AP 1/(1+ε)
//	large: the small detections ignored (one matched an ignored box, one unmatched and
//	       small) → TP only → AP 1/(1+ε)
//	medium: no box counts → −1
func TestCOCOAreaRanges(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 10, 10), gtBox(1, 1, 200, 0, 100, 100)}
	dt := []Detection{
		det(1, 1, 0, 0, 10, 10, 0.9),
		det(1, 1, 500, 500, 10, 10, 0.8),
		det(1, 1, 200, 0, 100, 100, 0.5),
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	all := (51 + 100.0/3) / 101
	requireStats(t, r, [12]float64{all, all, all, one, -1, one, 0.5, 1, 1, 1, -1, 1})

	t.Run("area field, not box", func(t *testing.T) {
		g := gtBox(1, 1, 0, 0, 10, 10)
		g.Area = 2000 // medium, though the box is 100 px²
		r := mustCOCO(t, []GroundTruth{g}, []Detection{det(1, 1, 0, 0, 10, 10, 0.9)}, nil, nil)
		requireStats(t, r, [12]float64{one, one, one, -1, one, -1, 1, 1, 1, -1, 1, -1})
	})
}

// TestCOCOCategories: a category with no ground truth is −1 and stays out of the means; one
// not evaluated has its detections left out.
func TestCOCOCategories(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100)}
	dt := []Detection{det(1, 1, 0, 0, 100, 100, 0.9), det(1, 2, 0, 0, 100, 100, 0.9)}
	r := mustCOCO(t, gt, dt, nil, []int{1, 2})
	if c := r.PerCategory[2]; c.AP != -1 || c.AP50 != -1 || c.GroundTruth != 0 {
		t.Errorf("category 2 = %+v, want AP −1, AP50 −1, no ground truth", c)
	}
	approx.Require(t, "AP", r.Stats[:1], []float64{one}, 1e-12, 0)
	r = mustCOCO(t, gt, dt, nil, nil)
	if _, ok := r.PerCategory[2]; ok || r.LeftOut != 1 {
		t.Errorf("categories from ground truth: PerCategory %v, LeftOut %d; want category 1 only, 1 left out", r.PerCategory, r.LeftOut)
	}
}

func TestCOCOEmpty(t *testing.T) {
	gt := []GroundTruth{gtBox(1, 1, 0, 0, 100, 100)}
	t.Run("no detections", func(t *testing.T) {
		r := mustCOCO(t, gt, nil, nil, nil)
		requireStats(t, r, [12]float64{0, 0, 0, -1, -1, 0, 0, 0, 0, -1, -1, 0})
	})
	t.Run("nothing", func(t *testing.T) {
		r := mustCOCO(t, nil, nil, nil, nil)
		requireStats(t, r, [12]float64{-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1})
	})
	t.Run("image without ground truth", func(t *testing.T) {
		// Its detection is a false positive ranked first: FP TP → precision envelope 1/2.
		dt := []Detection{det(2, 1, 0, 0, 100, 100, 0.9), det(1, 1, 0, 0, 100, 100, 0.8)}
		r := mustCOCO(t, gt, dt, nil, nil)
		approx.Require(t, "AP", r.Stats[:1], []float64{1 / (2 + eps)}, 1e-12, 0)
	})
}

// TestCOCOPerfect: ground truth given back as detections scores 1/(1+ε) in every category.
func TestCOCOPerfect(t *testing.T) {
	var gt []GroundTruth
	var dt []Detection
	for img := range 20 {
		for k := range 5 {
			g := gtBox(img, k, float64(37*k), float64(11*img), float64(5+13*k), float64(7+3*img))
			gt = append(gt, g)
			dt = append(dt, Detection{Image: img, Category: k, Box: g.Box, Score: float64(k+img) / 30})
		}
	}
	r := mustCOCO(t, gt, dt, nil, nil)
	for i, s := range r.Stats {
		if s != -1 {
			approx.Require(t, fmt.Sprintf("stat %d", i), []float64{s}, []float64{one}, 1e-12, 0)
		}
	}
}

func TestCOCORefusesBadInput(t *testing.T) {
	nan := Box{0, 0, math.NaN(), 1}
	cases := map[string]func() error{
		"NaN box":        func() error { _, err := COCO([]GroundTruth{{Box: nan}}, nil, nil, nil); return err },
		"negative width": func() error { _, err := COCO(nil, []Detection{det(1, 1, 0, 0, -1, 5, 1)}, nil, nil); return err },
		"negative area":  func() error { _, err := COCO([]GroundTruth{{Area: -1}}, nil, nil, nil); return err },
		"infinite score": func() error {
			d := det(1, 1, 0, 0, 1, 1, 0)
			d.Score = math.Inf(1)
			_, err := COCO(nil, []Detection{d}, nil, nil)
			return err
		},
	}
	for name, f := range cases {
		if err := f(); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}

func TestSummaryFormat(t *testing.T) {
	r := &Result{Stats: [12]float64{0.5045806987249628, 0.6969727247299577, 0.5729816669904824, -1, 0, 1, 0.38681277964578054, 0.5936795762842003, 0.595352982877607, 0.6398109626113442, 0.5664205978994309, 0.5642905982905982}}
	want := ` Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505
 Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.697
 Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.573
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000
 Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.000
 Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.387
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.594
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.595
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.640
 Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.566
 Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.564
`
	if got := r.Summary(); got != want {
		t.Errorf("Summary:\n%s\nwant\n%s", got, want)
	}
}
