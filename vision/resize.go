package vision

import (
	"fmt"
	"math"
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
	c := p.C
	i := 0
	for _, ty := range ys {
		row0 := p.Pix[ty.lo*p.W*c : (ty.lo+1)*p.W*c]
		row1 := p.Pix[ty.hi*p.W*c : (ty.hi+1)*p.W*c]
		for _, tx := range xs {
			v00, v10 := row0[tx.lo*c:tx.lo*c+c], row1[tx.lo*c:tx.lo*c+c]
			v01, v11 := row0[tx.hi*c:tx.hi*c+c], row1[tx.hi*c:tx.hi*c+c]
			for k := 0; k < c; k++ {
				// The float32 conversions round each product, which keeps
				// the compiler from fusing it into the following add.
				t00 := float32(float32(v00[k]*ty.inv) * tx.inv)
				t10 := float32(float32(v10[k]*ty.frac) * tx.inv)
				t01 := float32(float32(v01[k]*ty.inv) * tx.frac)
				t11 := float32(float32(v11[k]*ty.frac) * tx.frac)
				out.Pix[i+k] = t00 + t10 + t01 + t11
			}
			i += c
		}
	}
	return out
}
