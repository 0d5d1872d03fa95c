package kernels

import "fmt"

//go:generate go run -C ../asm ./dwconv -isa avx512 -out ../kernels/f32_dwconv3x3_avx512_amd64.s -stubs ../kernels/f32_dwconv3x3_avx512_stubs_amd64.go -pkg kernels
//go:generate go run -C ../asm ./dwconv -isa avx2 -out ../kernels/f32_dwconv3x3_avx2_amd64.s -stubs ../kernels/f32_dwconv3x3_avx2_stubs_amd64.go -pkg kernels

// dwBlock is the channel count of one packed depthwise block: the bias and
// the nine taps of 16 channels, 160 floats.
const dwBlock = 16

// DW3x3 is a depthwise 3×3 convolution (depth multiplier 1) over NHWC images
// with C channels, its weights packed for the micro-kernels.
type DW3x3 struct {
	C int // channels

	// packed holds ⌈C/16⌉ blocks of 10×16 floats: the bias of channels
	// 16b..16b+15, then their nine taps in row-major (ky, kx) order; zero
	// past C.
	packed []float32
	// taps ([3][3][C]) and bias ([C]) are the plain layout the generic
	// twin reads.
	taps, bias []float32
}

// PackDW3x3 packs depthwise weights w, in TFLite layout [3][3][C], and bias
// (nil means zero) for Run. It panics if the lengths do not match c.
func PackDW3x3(w []float32, bias []float32, c int) *DW3x3 {
	if c < 1 || len(w) != 9*c || (bias != nil && len(bias) != c) {
		panic(fmt.Sprintf("kernels: PackDW3x3: c=%d with %d weights and %d biases", c, len(w), len(bias)))
	}
	nb := (c + dwBlock - 1) / dwBlock
	d := &DW3x3{C: c, packed: alignedFloats(nb * 10 * dwBlock), taps: make([]float32, 9*c), bias: make([]float32, c)}
	d.Repack(w, bias)
	return d
}

// Repack packs new weights and bias of d's shape into d's storage. It panics if the lengths do not
// match.
func (d *DW3x3) Repack(w []float32, bias []float32) {
	c := d.C
	if len(w) != 9*c || (bias != nil && len(bias) != c) {
		panic(fmt.Sprintf("kernels: DW3x3.Repack: c=%d with %d weights and %d biases", c, len(w), len(bias)))
	}
	copy(d.taps, w)
	clear(d.bias)
	copy(d.bias, bias)
	for ch := 0; ch < c; ch++ {
		blk := d.packed[ch/dwBlock*10*dwBlock:]
		blk[ch%dwBlock] = d.bias[ch]
		for t := 0; t < 9; t++ {
			blk[(1+t)*dwBlock+ch%dwBlock] = w[t*c+ch]
		}
	}
}

// Run computes output rows [oy0, oy1) of one NHWC image:
//
//	for oy := oy0; oy < oy1; oy++ {
//		for ox := 0; ox < outW; ox++ {
//			for c := 0; c < C; c++ {
//				s := bias[c]
//				for ky := 0; ky < 3; ky++ {
//					for kx := 0; kx < 3; kx++ {
//						iy, ix := oy*stride+ky-padTop, ox*stride+kx-padLeft
//						if 0 <= iy && iy < inH && 0 <= ix && ix < inW {
//							s += in[(iy*inW+ix)*C+c] * w[ky][kx][c]
//						}
//					}
//				}
//				out[(oy*outW+ox)*C+c] = min(max(s, lo), hi)
//			}
//		}
//	}
//
// Taps outside the input are skipped, which is zero padding. Run panics if
// the stride is not 1 or 2, a pad is negative, the row range is not inside
// [0, outH], or in or out is shorter than the image sizes say.
func (d *DW3x3) Run(out, in []float32, inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1 int, lo, hi float32) {
	c := d.C
	if (stride != 1 && stride != 2) || padTop < 0 || padLeft < 0 || inH < 0 || inW < 0 || outW < 0 ||
		oy0 < 0 || oy1 < oy0 || outH < oy1 || len(in) < inH*inW*c || len(out) < outH*outW*c {
		panic(fmt.Sprintf("kernels: DW3x3.Run: in %dx%d stride %d pad %d,%d out %dx%d rows [%d,%d) C=%d: len(in)=%d len(out)=%d",
			inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1, c, len(in), len(out)))
	}
	l := level()
	// Pairs of rows whose three window rows lie inside the input share
	// their input rows where the level has a kernel for it.
	oxA, oxB := dwInterior(inW, stride, padLeft, outW)
	oyA, oyB := dwInterior(inH, stride, padTop, outH)
	for oy := oy0; oy < oy1; {
		if oy >= oyA && oy+2 <= min(oyB, oy1) && oxB > oxA &&
			d.pairAsm(l, out, in, inW, stride, padTop, padLeft, outW, oy, oxA, oxB, lo, hi) {
			d.row(l, out, in, inH, inW, stride, padTop, padLeft, outW, oy, false, lo, hi)
			d.row(l, out, in, inH, inW, stride, padTop, padLeft, outW, oy+1, false, lo, hi)
			oy += 2
			continue
		}
		d.row(l, out, in, inH, inW, stride, padTop, padLeft, outW, oy, true, lo, hi)
		oy++
	}
}

// dwInterior returns the output range [a, b) (within [0, out)) whose three
// taps along one axis lie inside an input of size in (padded by pad before
// it).
func dwInterior(in, stride, pad, out int) (a, b int) {
	a = min((pad+stride-1)/stride, out)
	b = a
	if e := in - 3 + pad; e >= 0 {
		b = min(max(e/stride+1, a), out)
	}
	return a, b
}

// row computes output row oy span by span: the edge pixels, whose windows
// cross the left or right edge, one at a time and, when interior is set, the
// pixels between them together.
func (d *DW3x3) row(l Level, out, in []float32, inH, inW, stride, padTop, padLeft, outW, oy int, interior bool, lo, hi float32) {
	c := d.C
	iy := oy*stride - padTop
	ky0, ky1 := max(0, -iy), min(3, inH-iy)
	var rowOff [3]int
	for i := range ky1 - ky0 {
		rowOff[i] = (iy + ky0 + i) * inW * c
	}
	s := dwSpan{ky0: ky0, nr: max(0, ky1-ky0), stride: stride, lo: lo, hi: hi}
	orow := out[oy*outW*c : (oy+1)*outW*c]
	oxA, oxB := dwInterior(inW, stride, padLeft, outW)
	for ox := 0; ox < outW; {
		ix := ox*stride - padLeft
		s.kx0 = max(0, -ix)
		s.nc = max(0, min(3, inW-ix)-s.kx0)
		s.npix = 1
		if ox >= oxA && ox < oxB {
			s.npix = oxB - ox
			if !interior {
				ox += s.npix
				continue
			}
		}
		d.span(l, orow[ox*c:], in, rowOff, ix+s.kx0, s)
		ox += s.npix
	}
}

// dwSpan describes a run of output pixels of one row that share the same
// valid taps: nr input rows from ky0 and nc taps per row from kx0.
type dwSpan struct {
	ky0, nr, kx0, nc int
	npix             int // output pixels
	stride           int
	lo, hi           float32
}

// span computes s.npix output pixels into out; the first pixel's first valid
// tap of row i is in[rowOff[i]+ix*C:].
func (d *DW3x3) span(l Level, out, in []float32, rowOff [3]int, ix int, s dwSpan) {
	for i := range s.nr {
		rowOff[i] += ix * d.C
	}
	if l == Generic || s.nr == 0 || s.nc == 0 || !d.spanAsm(l, out, in, rowOff, s) {
		d.spanGeneric(out, in, rowOff, s)
	}
}
