package detect

// Box is an axis-aligned box in corner form, in normalized image coordinates (0..1 across
// the image), as TFLite's post-process outputs it. Boxes are not clipped to the image.
type Box struct{ YMin, XMin, YMax, XMax float32 }

// Anchor is an SSD anchor (prior box) in centre-size form, normalized like Box.
type Anchor struct{ YC, XC, H, W float32 }

// IoU returns the intersection over union of a and b, computed in float32 the way TFLite's
// ComputeIntersectionOverUnion does: 0 if either box's area, (YMax−YMin)·(XMax−XMin), is
// ≤ 0; otherwise the intersection (each side clamped at 0) over area(a) + area(b) − the
// intersection. An inverted box (YMin > YMax and XMin > XMax) has a positive area but its
// intersection with anything is 0, so its IoU is 0 too. A NaN coordinate gives NaN, which
// compares false against any threshold.
func IoU(a, b Box) float32 {
	// The float32 conversions round each product on its own, as C++ does, and keep the
	// compiler from fusing a product with the following addition.
	areaA := float32((a.YMax - a.YMin) * (a.XMax - a.XMin))
	areaB := float32((b.YMax - b.YMin) * (b.XMax - b.XMin))
	if areaA <= 0 || areaB <= 0 {
		return 0
	}
	ymin := stdMax(a.YMin, b.YMin)
	xmin := stdMax(a.XMin, b.XMin)
	ymax := stdMin(a.YMax, b.YMax)
	xmax := stdMin(a.XMax, b.XMax)
	inter := float32(stdMax(ymax-ymin, 0) * stdMax(xmax-xmin, 0))
	return inter / (areaA + areaB - inter)
}

// stdMax is C++'s std::max(a, b): b if a < b, else a (so a NaN a is returned as is).
func stdMax(a, b float32) float32 {
	if a < b {
		return b
	}
	return a
}

// stdMin is C++'s std::min(a, b): b if b < a, else a.
func stdMin(a, b float32) float32 {
	if b < a {
		return b
	}
	return a
}
