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
//
// The result holds 4·channels bytes per pixel of img: to feed a model, use
// [ResizeImage], which converts only the pixels the resize reads.
func ToPixels(img image.Image, channels int) (*Pixels, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("vision: %d channels requested, want 1 or 3", channels)
	}
	b := img.Bounds()
	p, err := newPixels(b.Dy(), b.Dx(), channels)
	if err != nil {
		return nil, err
	}
	xs := make([]int, b.Dx())
	for i := range xs {
		xs[i] = b.Min.X + i
	}
	conv := converter(img, channels)
	row := b.Dx() * channels
	for i := range b.Dy() {
		conv(p.Pix[i*row:(i+1)*row], b.Min.Y+i, xs)
	}
	return p, nil
}

// convertRow writes the pixels of row y at columns xs (image coordinates, inside the image's bounds)
// to dst, channels values each, as ToPixels converts them.
type convertRow func(dst []float32, y int, xs []int)

// converter returns the convertRow of img, with a fast path for each image type the decoders make.
func converter(img image.Image, channels int) convertRow {
	c := channels
	switch m := img.(type) {
	case *image.YCbCr:
		return ycbcrRow(m, c)
	case *image.NYCbCrA:
		return ycbcrRow(&m.YCbCr, c)
	case *image.RGBA:
		return func(dst []float32, y int, xs []int) {
			for i, x := range xs {
				s := m.Pix[m.PixOffset(x, y):]
				if s[3] == 0xff {
					put(dst[i*c:], c, s[0], s[1], s[2])
					continue
				}
				n := color.NRGBAModel.Convert(color.RGBA{s[0], s[1], s[2], s[3]}).(color.NRGBA)
				put(dst[i*c:], c, n.R, n.G, n.B)
			}
		}
	case *image.NRGBA:
		return func(dst []float32, y int, xs []int) {
			for i, x := range xs {
				s := m.Pix[m.PixOffset(x, y):]
				put(dst[i*c:], c, s[0], s[1], s[2])
			}
		}
	case *image.NRGBA64:
		// The high byte of each 16-bit channel; going through premultiplied RGBA() would lose the low
		// bits of translucent pixels.
		return func(dst []float32, y int, xs []int) {
			for i, x := range xs {
				s := m.Pix[m.PixOffset(x, y):]
				put(dst[i*c:], c, s[0], s[2], s[4])
			}
		}
	case *image.Gray:
		return func(dst []float32, y int, xs []int) {
			for i, x := range xs {
				v := float32(m.Pix[m.PixOffset(x, y)])
				for k := range c {
					dst[i*c+k] = v
				}
			}
		}
	case *image.Paletted:
		return palettedRow(m, c)
	}
	return func(dst []float32, y int, xs []int) {
		for i, x := range xs {
			n := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
			put(dst[i*c:], c, n.R, n.G, n.B)
		}
	}
}

func ycbcrRow(m *image.YCbCr, c int) convertRow {
	return func(dst []float32, y int, xs []int) {
		for i, x := range xs {
			j := m.COffset(x, y)
			r, g, b := color.YCbCrToRGB(m.Y[m.YOffset(x, y)], m.Cb[j], m.Cr[j])
			put(dst[i*c:], c, r, g, b)
		}
	}
}

func palettedRow(m *image.Paletted, c int) convertRow {
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
	return func(dst []float32, y int, xs []int) {
		for i, x := range xs {
			e := pal[m.Pix[m.PixOffset(x, y)]]
			put(dst[i*c:], c, e[0], e[1], e[2])
		}
	}
}
