package vision

import (
	"fmt"
	"image"
	"image/color"
)

// Pixels is a dense image of float32 values in HWC order: the value of
// channel c at row y, column x is Pix[(y*W+x)*C+c]. Values made by
// [ToPixels] lie in 0..255.
type Pixels struct {
	H, W, C int
	Pix     []float32
}

// newPixels allocates an h×w×c image after checking that its size fits.
func newPixels(h, w, c int) (*Pixels, error) {
	if h <= 0 || w <= 0 || c <= 0 {
		return nil, fmt.Errorf("vision: image size %d×%d×%d is not positive", h, w, c)
	}
	const maxValues = 1 << 40
	if w > maxValues/h/c {
		return nil, fmt.Errorf("vision: image size %d×%d×%d is too large", h, w, c)
	}
	return &Pixels{H: h, W: w, C: c, Pix: make([]float32, h*w*c)}, nil
}

// luma is the ITU-R BT.601 luma 0.299R + 0.587G + 0.114B of 8-bit values,
// computed in float64 and rounded once to float32.
func luma(r, g, b uint8) float32 {
	return float32(0.299*float64(r) + 0.587*float64(g) + 0.114*float64(b))
}

// put stores one pixel at dst[0:channels], as RGB or as luma.
func put(dst []float32, channels int, r, g, b uint8) {
	if channels == 1 {
		dst[0] = luma(r, g, b)
		return
	}
	dst[0], dst[1], dst[2] = float32(r), float32(g), float32(b)
}

// ToPixels converts img to float32 values in 0..255 with channels 3 (RGB) or
// 1 (grey, the BT.601 luma 0.299R + 0.587G + 0.114B of the 8-bit RGB
// values; a grey image keeps its values).
//
// Alpha is ignored: the result holds the non-premultiplied colour channels
// (those of [color.NRGBAModel]), so a transparent pixel gives the colour
// stored under it, or black where the format stores premultiplied colour and
// alpha is 0. This matches label_image, which reads raw RGB. Images of more
// than 8 bits per channel are truncated to 8 bits first.
func ToPixels(img image.Image, channels int) (*Pixels, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("vision: %d channels requested, want 1 or 3", channels)
	}
	b := img.Bounds()
	p, err := newPixels(b.Dy(), b.Dx(), channels)
	if err != nil {
		return nil, err
	}
	switch m := img.(type) {
	case *image.YCbCr:
		fromYCbCr(p, m)
	case *image.NYCbCrA:
		fromYCbCr(p, &m.YCbCr)
	case *image.RGBA:
		fromRGBA(p, m)
	case *image.NRGBA:
		fromNRGBA(p, m)
	case *image.NRGBA64:
		fromNRGBA64(p, m)
	case *image.Gray:
		fromGray(p, m)
	case *image.Paletted:
		fromPaletted(p, m)
	default:
		fromAny(p, img)
	}
	return p, nil
}

func fromYCbCr(p *Pixels, m *image.YCbCr) {
	b := m.Rect
	// cx[i] is the chroma column of pixel column b.Min.X+i relative to that
	// of the first, as COffset computes it (the same on every row), so the
	// inner loop does no division.
	cx := make([]int, b.Dx())
	for i := range cx {
		cx[i] = m.COffset(b.Min.X+i, b.Min.Y) - m.COffset(b.Min.X, b.Min.Y)
	}
	out := p.Pix
	for y := b.Min.Y; y < b.Max.Y; y++ {
		yRow := m.Y[m.YOffset(b.Min.X, y):]
		c0 := m.COffset(b.Min.X, y)
		cb, cr := m.Cb[c0:], m.Cr[c0:]
		if p.C == 3 {
			for i, j := range cx {
				r, g, bl := color.YCbCrToRGB(yRow[i], cb[j], cr[j])
				out[0], out[1], out[2] = float32(r), float32(g), float32(bl)
				out = out[3:]
			}
			continue
		}
		for i, j := range cx {
			r, g, bl := color.YCbCrToRGB(yRow[i], cb[j], cr[j])
			out[0] = luma(r, g, bl)
			out = out[1:]
		}
	}
}

func fromRGBA(p *Pixels, m *image.RGBA) {
	b, c := m.Rect, p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			s := row[4*x : 4*x+4]
			if s[3] == 0xff {
				put(p.Pix[i:i+c], c, s[0], s[1], s[2])
			} else {
				n := color.NRGBAModel.Convert(color.RGBA{s[0], s[1], s[2], s[3]}).(color.NRGBA)
				put(p.Pix[i:i+c], c, n.R, n.G, n.B)
			}
			i += c
		}
	}
}

func fromNRGBA(p *Pixels, m *image.NRGBA) {
	b, c := m.Rect, p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			s := row[4*x : 4*x+4]
			put(p.Pix[i:i+c], c, s[0], s[1], s[2])
			i += c
		}
	}
}

// fromNRGBA64 keeps the high byte of each 16-bit channel; going through
// premultiplied RGBA() would lose the low bits of translucent pixels.
func fromNRGBA64(p *Pixels, m *image.NRGBA64) {
	b, c := m.Rect, p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			s := row[8*x : 8*x+8]
			put(p.Pix[i:i+c], c, s[0], s[2], s[4])
			i += c
		}
	}
}

func fromGray(p *Pixels, m *image.Gray) {
	b, c := m.Rect, p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			v := float32(row[x])
			for k := 0; k < c; k++ {
				p.Pix[i+k] = v
			}
			i += c
		}
	}
}

func fromPaletted(p *Pixels, m *image.Paletted) {
	// An index past the palette, or a nil entry, reads as black.
	var pal [256][3]uint8
	for j, col := range m.Palette {
		if j == len(pal) {
			break
		}
		if col == nil {
			continue
		}
		n := color.NRGBAModel.Convert(col).(color.NRGBA)
		pal[j] = [3]uint8{n.R, n.G, n.B}
	}
	b, c := m.Rect, p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		row := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := 0; x < b.Dx(); x++ {
			e := pal[row[x]]
			put(p.Pix[i:i+c], c, e[0], e[1], e[2])
			i += c
		}
	}
}

func fromAny(p *Pixels, img image.Image) {
	b, c := img.Bounds(), p.C
	i := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			n := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			put(p.Pix[i:i+c], c, n.R, n.G, n.B)
			i += c
		}
	}
}
