package detect

import "math"

// Corners returns the anchor as a box in corner form.
func (a Anchor) Corners() Box {
	return Box{YMin: a.YC - a.H/2, XMin: a.XC - a.W/2, YMax: a.YC + a.H/2, XMax: a.XC + a.W/2}
}

// Match assigns ground-truth boxes to anchors as the Object Detection API's argmax matcher does for SSD
// (matched and unmatched thresholds both at threshold, force_match_for_each_row): each anchor takes the
// box it overlaps most when that IoU is at least threshold, and then every box takes its own best
// anchor whatever the IoU (a later box wins an anchor two boxes force). It returns, per anchor, the
// index of its box or −1. Boxes of zero area match nothing.
func Match(anchors []Anchor, boxes []Box, threshold float32) []int {
	m := make([]int, len(anchors))
	best := make([]float32, len(boxes)) // each box's best IoU over the anchors
	bestAt := make([]int, len(boxes))
	for j := range bestAt {
		bestAt[j] = -1
	}
	for i, a := range anchors {
		m[i] = -1
		c := a.Corners()
		top := float32(0)
		for j, b := range boxes {
			iou := IoU(c, b)
			if iou > top {
				top, m[i] = iou, j
			}
			if iou > best[j] {
				best[j], bestAt[j] = iou, i
			}
		}
		if !(top >= threshold) {
			m[i] = -1
		}
	}
	for j, i := range bestAt {
		if i >= 0 {
			m[i] = j
		}
	}
	return m
}

// Encode returns the regression target of box b against anchor a, the inverse of Decode (the Object
// Detection API's faster_rcnn box coder): (ty, tx, th, tw) = ((yc−YC)/H·YScale, (xc−XC)/W·XScale,
// log(h/H)·HScale, log(w/W)·WScale), with yc, xc, h, w the box's centre and size. Sizes are floored at
// 1e-8, as the coder does, so a degenerate box gives finite targets.
func Encode(b Box, a Anchor, o Options) [4]float32 {
	const eps = 1e-8
	h, w := math.Max(float64(b.YMax-b.YMin), eps), math.Max(float64(b.XMax-b.XMin), eps)
	yc, xc := float64(b.YMin)+h/2, float64(b.XMin)+w/2
	ah, aw := math.Max(float64(a.H), eps), math.Max(float64(a.W), eps)
	return [4]float32{
		float32((yc - float64(a.YC)) / ah * float64(o.YScale)),
		float32((xc - float64(a.XC)) / aw * float64(o.XScale)),
		float32(math.Log(h/ah) * float64(o.HScale)),
		float32(math.Log(w/aw) * float64(o.WScale)),
	}
}
