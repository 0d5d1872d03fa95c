package vision

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// Box is one detection to draw, in pixel coordinates measured from the
// image's top-left corner: the box covers XMin ≤ x < XMax, YMin ≤ y < YMax
// (edges rounded to whole pixels).
type Box struct {
	XMin, YMin, XMax, YMax float64
	Class                  int     // picks the colour from the palette
	Label                  string  // class name; empty shows the class number
	Score                  float64 // shown with two decimals
}

// palette holds 20 colours that stay distinct from one another (Sasha
// Trubetskoy's list of 20 simple, distinct colours); class ids index it
// modulo its length.
var palette = [...]color.RGBA{
	{230, 25, 75, 255},   // red
	{60, 180, 75, 255},   // green
	{255, 225, 25, 255},  // yellow
	{67, 99, 216, 255},   // blue
	{245, 130, 49, 255},  // orange
	{145, 30, 180, 255},  // purple
	{66, 212, 244, 255},  // cyan
	{240, 50, 230, 255},  // magenta
	{191, 239, 69, 255},  // lime
	{250, 190, 212, 255}, // pink
	{70, 153, 144, 255},  // teal
	{220, 190, 255, 255}, // lavender
	{154, 99, 36, 255},   // brown
	{255, 250, 200, 255}, // beige
	{128, 0, 0, 255},     // maroon
	{170, 255, 195, 255}, // mint
	{128, 128, 0, 255},   // olive
	{255, 216, 177, 255}, // apricot
	{0, 0, 117, 255},     // navy
	{169, 169, 169, 255}, // grey
}

// classColor is the palette colour of a class id, negative ids included.
func classColor(class int) color.RGBA {
	n := len(palette)
	return palette[((class%n)+n)%n]
}

// lineWidth is the outline width for an image whose shorter side is
// minSide pixels: 1 px per 200 px, at least 1 (3 px at 600 px, 20 px at
// 4000 px).
func lineWidth(minSide int) int {
	return max(1, int(math.Round(float64(minSide)/200)))
}

// DrawBoxes returns a copy of img, as an *image.RGBA whose bounds start at
// (0, 0), with each box outlined in its class colour and labelled
// "<label> <score>" on a filled tag of the same colour, in white or black
// text whichever contrasts more. The tag sits above the box, or just inside
// it where the box touches the top edge. Line width and font size grow with
// the image so that they stay legible from 100 px to 4000 px images.
//
// Parts of a box outside the image are clipped; an inverted box (min > max)
// is drawn with its corners swapped, a zero-area box as a 1-pixel mark, and
// a box with a NaN coordinate is skipped.
func DrawBoxes(img image.Image, boxes []Box) *image.RGBA {
	b := img.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, img, b.Min, draw.Src)
	if dst.Rect.Empty() {
		return dst
	}
	lw := lineWidth(min(b.Dx(), b.Dy()))
	rects := make([]image.Rectangle, len(boxes))
	for i, box := range boxes {
		r, ok := boxRect(box, dst.Rect, lw)
		if !ok {
			continue
		}
		rects[i] = r
		outline(dst, r, lw, classColor(box.Class))
	}
	// Labels go on top of every outline.
	scale := labelScale(min(b.Dx(), b.Dy()))
	for i, box := range boxes {
		if !rects[i].Empty() {
			drawLabel(dst, rects[i], labelText(box), classColor(box.Class), scale)
		}
	}
	return dst
}

// boxRect rounds a box to whole pixels, with its corners ordered and at
// least one pixel wide and high. ok is false when a coordinate is NaN or the
// box misses the image.
func boxRect(box Box, bounds image.Rectangle, lw int) (r image.Rectangle, ok bool) {
	for _, v := range [...]float64{box.XMin, box.YMin, box.XMax, box.YMax} {
		if math.IsNaN(v) {
			return image.Rectangle{}, false
		}
	}
	// Clamping just beyond the image keeps the conversion to int in range
	// while an edge outside the image stays outside.
	pix := func(v float64, hi int) int {
		return int(math.Round(math.Max(-float64(lw+1), math.Min(v, float64(hi+lw+1)))))
	}
	x0, x1 := pix(box.XMin, bounds.Max.X), pix(box.XMax, bounds.Max.X)
	y0, y1 := pix(box.YMin, bounds.Max.Y), pix(box.YMax, bounds.Max.Y)
	r = image.Rect(x0, y0, x1, y1) // image.Rect orders the corners
	if r.Dx() == 0 {
		r.Max.X++
	}
	if r.Dy() == 0 {
		r.Max.Y++
	}
	return r, r.Overlaps(bounds)
}

// outline draws the border of r, lw pixels wide inside r, clipped to dst.
func outline(dst *image.RGBA, r image.Rectangle, lw int, c color.RGBA) {
	src := image.NewUniform(c)
	t := min(lw, r.Dy())
	s := min(lw, r.Dx())
	for _, e := range [...]image.Rectangle{
		{Min: r.Min, Max: image.Pt(r.Max.X, r.Min.Y+t)}, // top
		{Min: image.Pt(r.Min.X, r.Max.Y-t), Max: r.Max}, // bottom
		{Min: r.Min, Max: image.Pt(r.Min.X+s, r.Max.Y)}, // left
		{Min: image.Pt(r.Max.X-s, r.Min.Y), Max: r.Max}, // right
	} {
		draw.Draw(dst, e, src, image.Point{}, draw.Src)
	}
}
