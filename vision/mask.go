package vision

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// SegmentColor returns the colour of class c in PASCAL VOC's segmentation palette, the one its
// ground-truth PNGs use: the bits of c, three at a time from the lowest, fill the red, green and blue
// bytes from their highest bit down (1 → dark red (128, 0, 0), 15 person → (192, 128, 128)). Class 0
// (background) is black. Negative classes take the colour of their absolute value.
func SegmentColor(c int) color.RGBA {
	if c < 0 {
		c = -c
	}
	var r, g, b uint8
	for bit := 7; bit >= 0 && c > 0; bit-- {
		r |= uint8(c&1) << bit
		g |= uint8(c>>1&1) << bit
		b |= uint8(c>>2&1) << bit
		c >>= 3
	}
	return color.RGBA{r, g, b, 255}
}

// Mask is a class map: Classes[y·Width + x] is the class of mask pixel (x, y). It stands for an image
// of any size: image pixel (x, y) of a W×H image takes the class of mask pixel
// (⌊(x + ½)·Width/W⌋, ⌊(y + ½)·Height/H⌋), the nearest neighbour.
type Mask struct {
	Width, Height int
	Classes       []int32
}

// check returns an error unless the mask holds Width·Height classes.
func (m *Mask) check() error {
	if m.Width < 1 || m.Height < 1 || len(m.Classes) != m.Width*m.Height {
		return fmt.Errorf("vision: mask %d×%d with %d classes", m.Width, m.Height, len(m.Classes))
	}
	return nil
}

// nearest maps each of n image coordinates onto a mask axis of size s (centres to centres).
func nearest(n, s int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = int((int64(2*i+1) * int64(s)) / int64(2*n))
	}
	return m
}

// Counts returns, for a w×h image covered by the mask, how many image pixels take each class, in a map
// from class to count. It walks the mask, not the image: each mask pixel counts the image rows and
// columns that map onto it.
func (m *Mask) Counts(w, h int) (map[int32]int64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if w < 1 || h < 1 {
		return nil, fmt.Errorf("vision: image %d×%d has no pixels", w, h)
	}
	cols := make([]int64, m.Width)
	for _, mx := range nearest(w, m.Width) {
		cols[mx]++
	}
	rows := make([]int64, m.Height)
	for _, my := range nearest(h, m.Height) {
		rows[my]++
	}
	counts := map[int32]int64{}
	for my, nr := range rows {
		if nr == 0 {
			continue
		}
		for mx, nc := range cols {
			if nc > 0 {
				counts[m.Classes[my*m.Width+mx]] += nr * nc
			}
		}
	}
	return counts, nil
}

// BlendMask returns a copy of img, as an *image.RGBA whose bounds start at (0, 0), with every pixel
// whose class (from the mask, scaled to the image by nearest neighbour) is not 0 mixed with that
// class's SegmentColor: out = (1 − alpha)·pixel + alpha·colour, alpha in [0, 1]. Class 0 (background)
// is left as it is.
func BlendMask(img image.Image, m *Mask, alpha float64) (*image.RGBA, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if !(alpha >= 0 && alpha <= 1) {
		return nil, fmt.Errorf("vision: blend alpha %v outside [0, 1]", alpha)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Src)
	if w == 0 || h == 0 {
		return dst, nil
	}
	a := uint32(alpha*256 + 0.5) // weight of the colour, in 1/256
	xs := nearest(w, m.Width)
	for y, my := range nearest(h, m.Height) {
		row := m.Classes[my*m.Width : (my+1)*m.Width]
		pix := dst.Pix[y*dst.Stride : y*dst.Stride+4*w]
		for x, mx := range xs {
			c := row[mx]
			if c == 0 {
				continue
			}
			col := SegmentColor(int(c))
			p := pix[4*x : 4*x+4]
			p[0] = uint8((uint32(p[0])*(256-a) + uint32(col.R)*a + 128) >> 8)
			p[1] = uint8((uint32(p[1])*(256-a) + uint32(col.G)*a + 128) >> 8)
			p[2] = uint8((uint32(p[2])*(256-a) + uint32(col.B)*a + 128) >> 8)
			p[3] = 255
		}
	}
	return dst, nil
}

// LegendEntry is one line of a segmentation's legend: a class and its name.
type LegendEntry struct {
	Class int
	Label string // empty shows the class number
}

// DrawLegend draws the entries on dst, one tag per line down its top-left corner: the label on the
// class's SegmentColor, in the font and size DrawBoxes uses for its tags. Entries that do not fit the
// image's height are left out.
func DrawLegend(dst *image.RGBA, entries []LegendEntry) {
	if dst.Rect.Empty() {
		return
	}
	scale := labelScale(min(dst.Rect.Dx(), dst.Rect.Dy()))
	h := (labelFace.Ascent+labelFace.Descent)*scale + 2*scale
	for i, e := range entries {
		if (i+1)*h > dst.Rect.Dy() {
			return
		}
		text := e.Label
		if text == "" {
			text = fmt.Sprint(e.Class)
		}
		// drawLabel puts the tag just above its box: a box starting one tag lower puts it on line i.
		drawLabel(dst, image.Rect(0, (i+1)*h, 1, (i+1)*h+1), text, SegmentColor(e.Class), scale)
	}
}
