package main

import (
	"fmt"
	"image"
	_ "image/jpeg" // the photos are JPEG files
	"math"
	"os"
)

// photoInput decodes an image file and resizes it to w×h RGB bytes (NHWC, batch 1) with plain bilinear
// interpolation on half-pixel centres: output pixel (x, y) samples the source at
// ((x+0.5)·W/w − 0.5, (y+0.5)·H/h − 0.5), clamped to the image, mixes the four neighbours in float64 and
// rounds half up. The source pixels are the 8-bit RGB values of Go's image/jpeg decoder. The exact rule
// does not matter to the project's tests: the bytes are stored in the golden file.
func photoInput(path string, w, h int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("goldens: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("goldens: %s: %w", path, err)
	}
	r := img.Bounds()
	sw, sh := r.Dx(), r.Dy()
	if sw < 1 || sh < 1 {
		return nil, fmt.Errorf("goldens: %s: empty image", path)
	}
	src := make([]float64, sw*sh*3)
	for y := 0; y < sh; y++ {
		for x := 0; x < sw; x++ {
			cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
			p := (y*sw + x) * 3
			src[p], src[p+1], src[p+2] = float64(cr>>8), float64(cg>>8), float64(cb>>8)
		}
	}
	out := make([]byte, w*h*3)
	for y := 0; y < h; y++ {
		y0, y1, fy := sample(y, h, sh)
		for x := 0; x < w; x++ {
			x0, x1, fx := sample(x, w, sw)
			for c := 0; c < 3; c++ {
				at := func(yy, xx int) float64 { return src[(yy*sw+xx)*3+c] }
				top := at(y0, x0) + (at(y0, x1)-at(y0, x0))*fx
				bot := at(y1, x0) + (at(y1, x1)-at(y1, x0))*fx
				v := math.Floor(top + (bot-top)*fy + 0.5)
				out[(y*w+x)*3+c] = byte(max(0, min(255, v)))
			}
		}
	}
	return out, nil
}

// sample maps output index i of n onto a source axis of size s: the two neighbours and the weight of the second.
func sample(i, n, s int) (int, int, float64) {
	v := (float64(i)+0.5)*float64(s)/float64(n) - 0.5
	v = max(0, min(float64(s-1), v))
	i0 := int(v)
	return i0, min(i0+1, s-1), v - float64(i0)
}

// greyBMP reads an uncompressed 8-bit BMP with a grey palette (entry i is (i, i, i)) and returns its
// pixel bytes top-down, row by row. The TFLite Micro person detector's example images are such files,
// and their bytes are the int8 input tensor itself (two's complement).
func greyBMP(path string) ([]byte, int, int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("goldens: %w", err)
	}
	le32 := func(at int) int {
		return int(int32(uint32(b[at]) | uint32(b[at+1])<<8 | uint32(b[at+2])<<16 | uint32(b[at+3])<<24))
	}
	if len(b) < 54+1024 || string(b[:2]) != "BM" {
		return nil, 0, 0, fmt.Errorf("goldens: %s: not a BMP with a palette", path)
	}
	off, hdr, w, h := le32(10), le32(14), le32(18), le32(22)
	bits, compression := int(b[28])|int(b[29])<<8, le32(30)
	if bits != 8 || compression != 0 || w < 1 || h == 0 || w > 4096 || h > 4096 || h < -4096 {
		return nil, 0, 0, fmt.Errorf("goldens: %s: %d-bit, compression %d, %dx%d: want 8-bit uncompressed", path, bits, compression, w, h)
	}
	for i := 0; i < 256; i++ {
		p := 14 + hdr + 4*i
		if p+3 > len(b) || b[p] != byte(i) || b[p+1] != byte(i) || b[p+2] != byte(i) {
			return nil, 0, 0, fmt.Errorf("goldens: %s: palette entry %d is not grey %d", path, i, i)
		}
	}
	rows, stride := h, (w+3)/4*4
	if rows < 0 {
		rows = -rows
	}
	if off < 0 || off+stride*rows > len(b) {
		return nil, 0, 0, fmt.Errorf("goldens: %s: pixel data runs past the end", path)
	}
	out := make([]byte, 0, w*rows)
	for y := 0; y < rows; y++ {
		src := rows - 1 - y // rows are stored bottom-up unless the height is negative
		if h < 0 {
			src = y
		}
		out = append(out, b[off+src*stride:off+src*stride+w]...)
	}
	return out, w, rows, nil
}
