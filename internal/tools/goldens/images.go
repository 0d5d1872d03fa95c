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
