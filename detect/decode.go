package detect

import (
	"fmt"
	"math"
)

// Decode turns box encodings into boxes against their anchors, as TFLite's
// DecodeCenterSizeBoxes does. enc holds one row of stride ≥ 4 values per anchor, of which
// the first four, (ty, tx, th, tw), are used:
//
//	yc = ty/YScale·H + YC        xc = tx/XScale·W + XC
//	hh = 0.5·exp(th/HScale)·H     hw = 0.5·exp(tw/WScale)·W
//	box = (yc−hh, xc−hw, yc+hh, xc+hw)
//
// yc, xc, hh and hw are computed in float64 from the float32 inputs and each rounded to
// float32; the corners are then float32 sums. It returns one box per anchor. It panics if
// stride < 4 or enc holds fewer than len(anchors)·stride values: the caller checks tensor
// shapes first.
func Decode(enc []float32, stride int, anchors []Anchor, o Options) []Box {
	if stride < 4 || len(enc)/stride < len(anchors) {
		panic(fmt.Sprintf("detect: Decode: %d encodings of stride %d for %d anchors", len(enc), stride, len(anchors)))
	}
	ys, xs := float64(o.YScale), float64(o.XScale)
	hs, ws := float64(o.HScale), float64(o.WScale)
	boxes := make([]Box, len(anchors))
	for i, a := range anchors {
		e := enc[i*stride : i*stride+4]
		// Each product is converted before the addition so that it is rounded on its own
		// (no fused multiply-add), as in the C++.
		yc := float32(float64(float64(e[0])/ys*float64(a.H)) + float64(a.YC))
		xc := float32(float64(float64(e[1])/xs*float64(a.W)) + float64(a.XC))
		hh := float32(0.5 * math.Exp(float64(e[2])/hs) * float64(a.H))
		hw := float32(0.5 * math.Exp(float64(e[3])/ws) * float64(a.W))
		boxes[i] = Box{YMin: yc - hh, XMin: xc - hw, YMax: yc + hh, XMax: xc + hw}
	}
	return boxes
}
