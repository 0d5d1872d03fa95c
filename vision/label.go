package vision

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// The labels use the 7×13 bitmap font of x/image, drawn at 1× and then
// magnified by a whole factor, which keeps them crisp at every size without
// a vector font (whose parser would add golang.org/x/text to the module).
var labelFace = basicfont.Face7x13

// labelScale is the magnification of the 13-pixel font for an image whose
// shorter side is minSide pixels: text about 3.5% of that side high, at
// least 1× (13 px); 600 px gives 2×, 4000 px 11× (143 px).
func labelScale(minSide int) int {
	return max(1, int(math.Round(0.035*float64(minSide)/float64(labelFace.Height))))
}

// labelText is "<label> <score>", the class number standing in for an empty
// label.
func labelText(b Box) string {
	name := b.Label
	if name == "" {
		name = strconv.Itoa(b.Class)
	}
	return fmt.Sprintf("%s %.2f", name, b.Score)
}

// textColor is black on light backgrounds and white on dark ones, judged
// by BT.601 luma.
func textColor(bg color.RGBA) color.RGBA {
	if luma(bg.R, bg.G, bg.B) > 140 {
		return color.RGBA{0, 0, 0, 255}
	}
	return color.RGBA{255, 255, 255, 255}
}

// textMask renders text at 1× into an alpha mask one line high, starting
// at (0, 0).
func textMask(text string) *image.Alpha {
	w := font.MeasureString(labelFace, text).Ceil()
	m := image.NewAlpha(image.Rect(0, 0, w, labelFace.Ascent+labelFace.Descent))
	d := font.Drawer{
		Dst:  m,
		Src:  image.Opaque,
		Face: labelFace,
		Dot:  fixed.P(0, labelFace.Ascent),
	}
	d.DrawString(text)
	return m
}

// drawLabel puts text, magnified scale times, on a tag of colour bg above
// box r, or just inside r where there is no room above; the tag is kept
// within dst where it fits.
func drawLabel(dst *image.RGBA, r image.Rectangle, text string, bg color.RGBA, scale int) {
	m := textMask(text)
	pad := scale
	w := m.Rect.Dx()*scale + 2*pad
	h := m.Rect.Dy()*scale + 2*pad
	x := max(0, min(r.Min.X, dst.Rect.Dx()-w))
	y := r.Min.Y - h
	if y < 0 {
		y = max(r.Min.Y, 0)
	}
	y = max(0, min(y, dst.Rect.Dy()-h))
	draw.Draw(dst, image.Rect(x, y, x+w, y+h), image.NewUniform(bg), image.Point{}, draw.Src)
	fg := textColor(bg)
	x0, y0 := x+pad, y+pad
	for my := 0; my < m.Rect.Dy(); my++ {
		for mx := 0; mx < m.Rect.Dx(); mx++ {
			a := m.AlphaAt(mx, my).A
			if a == 0 {
				continue
			}
			cell := image.Rect(x0+mx*scale, y0+my*scale, x0+(mx+1)*scale, y0+(my+1)*scale)
			draw.Draw(dst, cell, image.NewUniform(blend(bg, fg, a)), image.Point{}, draw.Src)
		}
	}
}

// blend mixes fg over bg with coverage a/255.
func blend(bg, fg color.RGBA, a uint8) color.RGBA {
	mix := func(b, f uint8) uint8 {
		return uint8((uint32(b)*uint32(255-a) + uint32(f)*uint32(a) + 127) / 255)
	}
	return color.RGBA{mix(bg.R, fg.R), mix(bg.G, fg.G), mix(bg.B, fg.B), 255}
}
