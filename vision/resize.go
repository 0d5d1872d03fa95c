package vision

import (
	"fmt"
	"image"
	"math"
	"sort"
)

// tap says which two source indices an output index reads and with which
// weights: the value is src[lo]·(1−frac) + src[hi]·frac.
type tap struct {
	lo, hi    int
	frac, inv float32 // frac and 1 − frac
}

// legacyTaps computes the taps of a resize from in to out samples with
// align_corners = false and half_pixel_centers = false, in float32 as the
// TFLite reference kernel does (reference/resize_bilinear.h,
// ComputeInterpolationValues): scale = float(in)/out, src = dst·scale,
// lo = max(floor(src), 0), hi = min(ceil(src), in−1).
func legacyTaps(in, out int) []tap {
	scale := float32(in) / float32(out)
	taps := make([]tap, out)
	for i := range taps {
		src := float32(i) * scale
		lo := max(int(math.Floor(float64(src))), 0)
		hi := min(int(math.Ceil(float64(src))), in-1)
		frac := src - float32(lo)
		taps[i] = tap{lo: lo, hi: hi, frac: frac, inv: 1 - frac}
	}
	return taps
}

// ResizeBilinear resizes p to outH×outW with the bilinear interpolation of
// TF1 tf.image.resize_bilinear and TFLite RESIZE_BILINEAR with
// align_corners = false and half_pixel_centers = false, the resize
// label_image uses: output (y, x) reads source (y·inH/outH, x·inW/outW),
// clamping the far taps to the last row and column.
//
// It computes in float32 with the operation order of the TFLite reference
// kernel, v00·(1−fy)·(1−fx) + v10·fy·(1−fx) + v01·(1−fy)·fx + v11·fy·fx
// summed left to right with every product rounded (no fused multiply-add),
// so a same-size resize returns identical values. As in TFLite, rounding can
// put a result an ulp or so outside the range of the inputs (255.00002 from
// values of at most 255). It panics if outH or outW
// is less than 1 or p is empty.
func ResizeBilinear(p *Pixels, outH, outW int) *Pixels {
	if outH < 1 || outW < 1 || p.H < 1 || p.W < 1 || p.C < 1 {
		panic(fmt.Sprintf("vision: ResizeBilinear of %d×%d×%d to %d×%d", p.H, p.W, p.C, outH, outW))
	}
	out, err := newPixels(outH, outW, p.C)
	if err != nil {
		panic(err.Error())
	}
	ys, xs := legacyTaps(p.H, outH), legacyTaps(p.W, outW)
	row := p.W * p.C
	for i, ty := range ys {
		blendRow(out.Pix[i*outW*p.C:(i+1)*outW*p.C], p.Pix[ty.lo*row:(ty.lo+1)*row], p.Pix[ty.hi*row:(ty.hi+1)*row], ty, xs, p.C)
	}
	return out
}

// blendRow computes one output row of the bilinear resize from the two source rows ty reads: output
// column i reads columns xs[i].lo and xs[i].hi of row0 and row1, c values each.
func blendRow(out, row0, row1 []float32, ty tap, xs []tap, c int) {
	i := 0
	for _, tx := range xs {
		v00, v10 := row0[tx.lo*c:tx.lo*c+c], row1[tx.lo*c:tx.lo*c+c]
		v01, v11 := row0[tx.hi*c:tx.hi*c+c], row1[tx.hi*c:tx.hi*c+c]
		for k := range c {
			// The float32 conversions round each product, which keeps
			// the compiler from fusing it into the following add.
			t00 := float32(float32(v00[k]*ty.inv) * tx.inv)
			t10 := float32(float32(v10[k]*ty.frac) * tx.inv)
			t01 := float32(float32(v01[k]*ty.inv) * tx.frac)
			t11 := float32(float32(v11[k]*ty.frac) * tx.frac)
			out[i+k] = t00 + t10 + t01 + t11
		}
		i += c
	}
}

// ResizeImage is [ToPixels], then [CentralCrop] when crop is neither 0 nor
// 1 (crop must then be in (0, 1)), then [ResizeBilinear] to h×w, with the
// same result bit for bit, but it converts only the source pixels the
// resize reads: at most two rows of 2·w pixels at a time. Its memory is that
// of the output, whatever the size of img.
func ResizeImage(img image.Image, h, w, channels int, crop float64) (*Pixels, error) {
	if channels != 1 && channels != 3 {
		return nil, fmt.Errorf("vision: %d channels requested, want 1 or 3", channels)
	}
	b := img.Bounds()
	if crop != 0 && crop != 1 {
		if err := checkFraction(crop); err != nil {
			return nil, err
		}
		b = cropRect(b, crop)
	}
	if b.Empty() {
		return nil, fmt.Errorf("vision: image %v is empty", img.Bounds())
	}
	out, err := newPixels(h, w, channels)
	if err != nil {
		return nil, err
	}
	ys, xs := legacyTaps(b.Dy(), h), legacyTaps(b.Dx(), w)
	// cols lists the source columns the taps read, in order without repeats; the taps are rewritten to
	// index it. Both lo and hi never decrease along xs.
	cols := make([]int, 0, 2*w)
	for _, t := range xs {
		for _, x := range [2]int{b.Min.X + t.lo, b.Min.X + t.hi} {
			if n := len(cols); n == 0 || cols[n-1] < x {
				cols = append(cols, x)
			}
		}
	}
	for i := range xs {
		xs[i].lo = sort.SearchInts(cols, b.Min.X+xs[i].lo)
		xs[i].hi = sort.SearchInts(cols, b.Min.X+xs[i].hi)
	}
	conv := converter(img, channels)
	// Two converted source rows, kept while the output rows read them: lo and hi never decrease.
	rowLen := len(cols) * channels
	buf := [2][]float32{make([]float32, rowLen), make([]float32, rowLen)}
	at := [2]int{-1, -1}
	source := func(y int) []float32 {
		for k := range at {
			if at[k] == y {
				return buf[k]
			}
		}
		k := 0
		if at[1] < at[0] {
			k = 1
		}
		conv(buf[k], b.Min.Y+y, cols)
		at[k] = y
		return buf[k]
	}
	n := w * channels
	for i, ty := range ys {
		row0 := source(ty.lo)
		row1 := source(ty.hi)
		blendRow(out.Pix[i*n:(i+1)*n], row0, row1, ty, xs, channels)
	}
	return out, nil
}
