package kernels

import "fmt"

//go:generate go run -C ../asm ./dwkxk -isa avx512 -out ../kernels/f32_dwkxk_avx512_amd64.s -stubs ../kernels/f32_dwkxk_avx512_stubs_amd64.go -pkg kernels
//go:generate go run -C ../asm ./dwkxk -isa avx2 -out ../kernels/f32_dwkxk_avx2_amd64.s -stubs ../kernels/f32_dwkxk_avx2_stubs_amd64.go -pkg kernels

// dwKxKMaxTaps is the widest row of taps the assembly kernels handle; wider
// rows run on the generic twin.
const dwKxKMaxTaps = 7

// DWKxK is a depthwise KH×KW convolution (depth multiplier 1, no dilation)
// over NHWC images with C channels, its weights packed for the
// micro-kernels. DW3x3 is the faster choice for 3×3.
type DWKxK struct {
	C, KH, KW int // channels, kernel rows and columns

	// packed holds ⌈C/16⌉ blocks of (1+KH·KW)×16 floats: the bias of
	// channels 16b..16b+15, then their taps in row-major (ky, kx) order;
	// zero past C. The AVX2 kernels read each block as two halves of 8.
	packed []float32
	// taps ([KH][KW][C]) and bias ([C]) are the plain layout the generic
	// twin reads.
	taps, bias []float32
}

// PackDWKxK packs depthwise weights w, in TFLite layout [kh][kw][C], and
// bias (nil means zero) for Run. It panics if the lengths do not match or a
// size is below 1.
func PackDWKxK(w, bias []float32, c, kh, kw int) *DWKxK {
	if c < 1 || kh < 1 || kw < 1 || len(w) != kh*kw*c || (bias != nil && len(bias) != c) {
		panic(fmt.Sprintf("kernels: PackDWKxK: c=%d k=%dx%d with %d weights and %d biases", c, kh, kw, len(w), len(bias)))
	}
	nb := (c + dwBlock - 1) / dwBlock
	d := &DWKxK{C: c, KH: kh, KW: kw, packed: alignedFloats(nb * (1 + kh*kw) * dwBlock),
		taps: make([]float32, kh*kw*c), bias: make([]float32, c)}
	d.Repack(w, bias)
	return d
}

// Repack packs new weights and bias of d's shape into d's storage. It panics
// if the lengths do not match.
func (d *DWKxK) Repack(w, bias []float32) {
	c, nt := d.C, d.KH*d.KW
	if len(w) != nt*c || (bias != nil && len(bias) != c) {
		panic(fmt.Sprintf("kernels: DWKxK.Repack: c=%d k=%dx%d with %d weights and %d biases", c, d.KH, d.KW, len(w), len(bias)))
	}
	copy(d.taps, w)
	clear(d.bias)
	copy(d.bias, bias)
	bs := (1 + nt) * dwBlock
	for ch := 0; ch < c; ch++ {
		blk := d.packed[ch/dwBlock*bs:]
		blk[ch%dwBlock] = d.bias[ch]
		for t := 0; t < nt; t++ {
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
//				for ky := 0; ky < KH; ky++ {
//					for kx := 0; kx < KW; kx++ {
//						iy, ix := oy*strideH+ky-padTop, ox*strideW+kx-padLeft
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
// Taps outside the input are skipped, which is zero padding. The assembly
// kernels cover horizontal stride 1 and 2 and rows of up to 7 taps; other
// shapes run on the generic twin. Run panics if a stride is below 1, a pad
// is negative, the row range is not inside [0, outH], or in or out is
// shorter than the image sizes say.
func (d *DWKxK) Run(out, in []float32, inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1 int, lo, hi float32) {
	c := d.C
	if strideH < 1 || strideW < 1 || padTop < 0 || padLeft < 0 || inH < 0 || inW < 0 || outW < 0 ||
		oy0 < 0 || oy1 < oy0 || outH < oy1 || len(in) < inH*inW*c || len(out) < outH*outW*c {
		panic(fmt.Sprintf("kernels: DWKxK.Run: in %dx%d stride %d,%d pad %d,%d out %dx%d rows [%d,%d) C=%d: len(in)=%d len(out)=%d",
			inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1, c, len(in), len(out)))
	}
	l := level()
	oxA, oxB := dwKxKInterior(inW, d.KW, strideW, padLeft, outW)
	for oy := oy0; oy < oy1; oy++ {
		iy := oy*strideH - padTop
		ky0, ky1 := max(0, -iy), min(d.KH, inH-iy)
		s := dwKxKSpan{ky0: ky0, nr: max(0, ky1-ky0), stride: strideW, inRow: inW * c, lo: lo, hi: hi}
		orow := out[oy*outW*c : (oy+1)*outW*c]
		for ox := 0; ox < outW; {
			ix := ox*strideW - padLeft
			s.kx0 = max(0, -ix)
			s.nc = max(0, min(d.KW, inW-ix)-s.kx0)
			s.npix = 1
			if ox >= oxA && ox < oxB {
				s.npix = oxB - ox
			}
			off := 0
			if s.nr > 0 && s.nc > 0 {
				off = ((iy+ky0)*inW + ix + s.kx0) * c
			}
			if l == Generic || s.nr == 0 || s.nc == 0 || !d.spanAsm(l, orow[ox*c:], in, off, s) {
				d.spanGeneric(orow[ox*c:], in, off, s)
			}
			ox += s.npix
		}
	}
}

// dwKxKInterior returns the output range [a, b) (within [0, out)) whose k
// taps along one axis lie inside an input of size in (padded by pad before
// it).
func dwKxKInterior(in, k, stride, pad, out int) (a, b int) {
	a = min((pad+stride-1)/stride, out)
	b = a
	if e := in - k + pad; e >= 0 {
		b = min(max(e/stride+1, a), out)
	}
	return a, b
}

// dwKxKSpan describes a run of output pixels of one row that share the same
// valid taps: nr input rows from ky0 and nc taps per row from kx0.
type dwKxKSpan struct {
	ky0, nr, kx0, nc int
	npix             int // output pixels
	stride           int // horizontal stride
	inRow            int // floats between input rows
	lo, hi           float32
}
