package detdata

import (
	"image"
	"math"
	"math/rand/v2"

	"github.com/mobilenet-go/mobilenet/detect"
)

// The SSD random crop (SSD paper §2.2, the TF Object Detection API's ssd_random_crop): the whole
// image, or a patch covering cropMinArea..1 of the image's area with a width/height ratio in
// [1/cropMaxAspect, cropMaxAspect], whose IoU with some box is at least one of cropMinIoU (0: any
// patch), and holding the centre of some box. A patch is drawn up to cropTries times; then the
// whole image is used.
const (
	cropMinArea   = 0.1
	cropMaxAspect = 2.0
	cropTries     = 50
)

// cropMinIoU are the choices of the crop, drawn with equal chances; −1 stands for the whole image.
var cropMinIoU = [...]float64{-1, 0, 0.1, 0.3, 0.5, 0.7, 0.9}

// randomCrop draws the patch of a w×h image with the given boxes that the SSD random crop keeps.
func randomCrop(r *rand.Rand, w, h int, boxes []Box) image.Rectangle {
	whole := image.Rect(0, 0, w, h)
	minIoU := cropMinIoU[r.IntN(len(cropMinIoU))]
	if minIoU < 0 {
		return whole
	}
	for range cropTries {
		area := (cropMinArea + (1-cropMinArea)*r.Float64()) * float64(w) * float64(h)
		aspect := math.Exp((2*r.Float64() - 1) * math.Log(cropMaxAspect)) // log-uniform
		pw := int(math.Round(math.Sqrt(area * aspect)))
		ph := int(math.Round(math.Sqrt(area / aspect)))
		if pw < 1 || ph < 1 || pw > w || ph > h {
			continue
		}
		x0, y0 := r.IntN(w-pw+1), r.IntN(h-ph+1)
		patch := image.Rect(x0, y0, x0+pw, y0+ph)
		if acceptCrop(patch, boxes, minIoU) {
			return patch
		}
	}
	return whole
}

// acceptCrop reports whether a patch holds the centre of some box and overlaps some box with an
// IoU of at least minIoU. An image without boxes accepts any patch when minIoU is 0.
func acceptCrop(patch image.Rectangle, boxes []Box, minIoU float64) bool {
	if len(boxes) == 0 {
		return minIoU == 0
	}
	p := detect.Box{YMin: float32(patch.Min.Y), XMin: float32(patch.Min.X), YMax: float32(patch.Max.Y), XMax: float32(patch.Max.X)}
	centre, overlap := false, false
	for _, b := range boxes {
		centre = centre || centreInside(b, patch)
		iou := detect.IoU(p, detect.Box{YMin: float32(b.YMin), XMin: float32(b.XMin), YMax: float32(b.YMax), XMax: float32(b.XMax)})
		overlap = overlap || float64(iou) >= minIoU
	}
	return centre && overlap
}

// centreInside reports whether the centre of b lies strictly inside the patch.
func centreInside(b Box, patch image.Rectangle) bool {
	cx, cy := (b.XMin+b.XMax)/2, (b.YMin+b.YMax)/2
	return cx > float64(patch.Min.X) && cx < float64(patch.Max.X) && cy > float64(patch.Min.Y) && cy < float64(patch.Max.Y)
}

// cropBoxes returns the boxes whose centres lie inside the patch, clipped to it, relative to it
// (so to the network input the patch is resized to), mirrored left to right when flip.
func cropBoxes(boxes []Box, patch image.Rectangle, flip bool) []NormBox {
	x0, y0 := float64(patch.Min.X), float64(patch.Min.Y)
	x1, y1 := float64(patch.Max.X), float64(patch.Max.Y)
	w, h := x1-x0, y1-y0
	out := []NormBox{}
	for _, b := range boxes {
		if !centreInside(b, patch) {
			continue
		}
		xmin := (max(b.XMin, x0) - x0) / w
		xmax := (min(b.XMax, x1) - x0) / w
		if flip {
			xmin, xmax = 1-xmax, 1-xmin
		}
		out = append(out, NormBox{
			Box: detect.Box{
				YMin: float32((max(b.YMin, y0) - y0) / h), XMin: float32(xmin),
				YMax: float32((min(b.YMax, y1) - y0) / h), XMax: float32(xmax),
			},
			Class: b.Class, Difficult: b.Difficult,
		})
	}
	return out
}

// Photometric distortion, each part applied with probability ½, in this order: brightness (add a
// value in ±maxBrightness to every channel), contrast (scale the distance to the image's mean luma
// by a factor in 1 ± maxContrast), saturation (scale each pixel's distance to its luma by a factor
// in 1 ± maxSaturation) and hue (rotate the colours about the grey axis by an angle in ±maxHue
// degrees), the ranges of the original SSD recipe's photometric distortion. The result is clipped
// to 0..255 once, at the end.
const (
	maxBrightness = 32.0
	maxContrast   = 0.5
	maxSaturation = 0.5
	maxHue        = 18.0
)

// lumaWeights are ITU-R BT.601's, which vision uses for grey.
var lumaWeights = [3]float64{0.299, 0.587, 0.114}

// photometric is a drawn distortion: each output channel is
// scale·Σ_k mix[c][k]·v[k] + shift + (1 − scale)·(mean luma + shift).
type photometric struct {
	on    bool
	mix   [3][3]float64
	scale float64 // contrast
	shift float64 // brightness
}

// randomPhotometric draws a distortion, always making the same number of draws.
func randomPhotometric(r *rand.Rand) photometric {
	var use [4]bool
	for i := range use {
		use[i] = r.IntN(2) == 1
	}
	brightness := (2*r.Float64() - 1) * maxBrightness
	contrast := 1 + (2*r.Float64()-1)*maxContrast
	saturation := 1 + (2*r.Float64()-1)*maxSaturation
	hue := (2*r.Float64() - 1) * maxHue * math.Pi / 180
	ph := photometric{on: use[0] || use[1] || use[2] || use[3], scale: 1}
	if use[0] {
		ph.shift = brightness
	}
	if use[1] {
		ph.scale = contrast
	}
	s := 1.0
	if use[2] {
		s = saturation
	}
	// Saturation: v ↦ s·v + (1 − s)·luma(v).
	var sat [3][3]float64
	for c := range 3 {
		for k := range 3 {
			sat[c][k] = (1 - s) * lumaWeights[k]
		}
		sat[c][c] += s
	}
	// Hue: the rotation by θ about the unit axis a = (1, 1, 1)/√3 (Rodrigues):
	// cos θ·I + (1 − cos θ)·a·aᵀ + sin θ·[a]×.
	θ := 0.0
	if use[3] {
		θ = hue
	}
	cos, sin := math.Cos(θ), math.Sin(θ)/math.Sqrt(3)
	rot := [3][3]float64{
		{cos + (1-cos)/3, (1-cos)/3 - sin, (1-cos)/3 + sin},
		{(1-cos)/3 + sin, cos + (1-cos)/3, (1-cos)/3 - sin},
		{(1-cos)/3 - sin, (1-cos)/3 + sin, cos + (1-cos)/3},
	}
	for c := range 3 {
		for k := range 3 {
			for j := range 3 {
				ph.mix[c][k] += rot[c][j] * sat[j][k]
			}
		}
	}
	return ph
}
