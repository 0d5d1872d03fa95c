package eval

import (
	"fmt"
	"math"
)

// Box is an axis-aligned box in COCO's form: the top-left corner (X, Y) and the size (W, H),
// in pixels.
type Box struct{ X, Y, W, H float64 }

// Area returns W·H, the area a box-only annotation (one without a segment) should carry.
func (b Box) Area() float64 { return b.W * b.H }

// GroundTruth is one annotated object.
type GroundTruth struct {
	Image, Category int
	Box             Box
	// Area decides the object's area range (small, medium, large). COCO files give the
	// segment's area; for a box alone use Box.Area().
	Area float64
	// Crowd marks a box that covers a group of objects (COCO's iscrowd): it is matched by
	// the intersection over the detection's area, may absorb any number of detections, and
	// is never counted as missed.
	Crowd bool
	// Ignore marks an object that counts neither way (VOC's difficult): a detection matched
	// to it is neither true nor false, and missing it costs nothing.
	Ignore bool
}

// Detection is one detected object.
type Detection struct {
	Image, Category int
	Box             Box
	Score           float64
}

// iou returns pycocotools' IoU of detection d and ground-truth box g (maskApi.c, bbIou):
// 0 unless the two overlap in both axes; otherwise the overlap's area over the union, or,
// when crowd, over the detection's area. The conversions round each product on its own, as
// the C code does, and keep the compiler from fusing it with a following sum.
func iou(d, g Box, crowd bool) float64 {
	w := math.Min(d.W+d.X, g.W+g.X) - math.Max(d.X, g.X)
	if w <= 0 {
		return 0
	}
	h := math.Min(d.H+d.Y, g.H+g.Y) - math.Max(d.Y, g.Y)
	if h <= 0 {
		return 0
	}
	inter := float64(w * h)
	da := float64(d.W * d.H)
	if crowd {
		return inter / da
	}
	ga := float64(g.W * g.H)
	return inter / (da + ga - inter)
}

// checkBox returns an error unless every field of b is finite and W, H ≥ 0.
func checkBox(b Box) error {
	for _, v := range [...]float64{b.X, b.Y, b.W, b.H} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("box [%g %g %g %g] is not finite", b.X, b.Y, b.W, b.H)
		}
	}
	if b.W < 0 || b.H < 0 {
		return fmt.Errorf("box [%g %g %g %g] has a negative size", b.X, b.Y, b.W, b.H)
	}
	return nil
}

// checkInputs validates ground truth and detections: finite boxes of non-negative size,
// finite non-negative areas, finite scores.
func checkInputs(gt []GroundTruth, dt []Detection) error {
	for i, g := range gt {
		if err := checkBox(g.Box); err != nil {
			return fmt.Errorf("ground truth %d (image %d): %v", i, g.Image, err)
		}
		if !(g.Area >= 0) || math.IsInf(g.Area, 1) {
			return fmt.Errorf("ground truth %d (image %d): area %g is not a finite number ≥ 0", i, g.Image, g.Area)
		}
	}
	for i, d := range dt {
		if err := checkBox(d.Box); err != nil {
			return fmt.Errorf("detection %d (image %d): %v", i, d.Image, err)
		}
		if math.IsNaN(d.Score) || math.IsInf(d.Score, 0) {
			return fmt.Errorf("detection %d (image %d): score %g is not finite", i, d.Image, d.Score)
		}
	}
	return nil
}
