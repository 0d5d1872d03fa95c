package q8

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

//go:generate go run -C ../../asm ./q8 -kernel dw3x3 -out ../kernels/q8/dw3x3_vnni_amd64.s -stubs ../kernels/q8/dw3x3_vnni_stubs_amd64.go -pkg q8

// dwInts is the size, in int32s, of one packed depthwise block of 16
// channels: the nine taps (w − zp_w in the low 16 bits of each lane), the
// requantization block: 1024 bytes.
const dwInts = 256

// DW3x3 is a quantized depthwise 3×3 convolution (depth multiplier 1) over
// NHWC images with C channels, its weights packed for the kernels:
//
//	acc[oy,ox,c] = bias[c] + Σ_{ky,kx} (w[ky,kx,c] − zp_w)·(in[iy,ix,c] − zp_x)
//	out[oy,ox,c] = rq.Apply(acc, c)
//
// over the taps inside the input, with TFLite's arithmetic, exactly (see
// package qref). It holds uint8 codes with uint8 weights (one zero point) or
// int8 codes with int8 weights (zero point 0, per-channel scales).
type DW3x3 struct {
	C      int
	signed bool

	// packed holds ⌈C/16⌉ blocks of dwInts: the kernels' weights and
	// requantization.
	packed []int32
	// The generic twin's operands: w − zp_w in [3][3][C] order, the bias
	// and the requantization.
	wz   []int16
	bias []int32
	inZP int32
	rq   *qmath.Requant
	sc   rqScalars
}

// PackDW3x3U8 packs a uint8 depthwise layer: weights w in TFLite layout
// [3][3][c] with zero point wZP, int32 bias (nil means zero), input zero
// point inZP, and requantization rq (one channel or c) computed in
// rounding r, which must be the rounding rq was built with. It panics if the
// lengths do not match c.
func PackDW3x3U8(w []uint8, wZP int32, bias []int32, c int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *DW3x3 {
	wz := make([]int16, len(w))
	for i, v := range w {
		wz[i] = int16(int32(v) - wZP)
	}
	return newDW3x3("PackDW3x3U8", false, wz, bias, c, inZP, rq, r)
}

// PackDW3x3I8 packs an int8 depthwise layer: weights w in [3][3][c] with
// zero point 0, as PackDW3x3U8.
func PackDW3x3I8(w []int8, bias []int32, c int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *DW3x3 {
	wz := make([]int16, len(w))
	for i, v := range w {
		wz[i] = int16(v)
	}
	return newDW3x3("PackDW3x3I8", true, wz, bias, c, inZP, rq, r)
}

func newDW3x3(op string, signed bool, wz []int16, bias []int32, c int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *DW3x3 {
	if c < 1 || len(wz) != 9*c || (bias != nil && len(bias) != c) {
		panic(fmt.Sprintf("q8: %s: c=%d with %d weights and %d biases", op, c, len(wz), len(bias)))
	}
	nb := (c + 15) / 16
	d := &DW3x3{C: c, signed: signed, packed: alignedInt32s(nb * dwInts), wz: wz, bias: make([]int32, c), inZP: inZP,
		rq: rq, sc: newScalars(rq, r)}
	copy(d.bias, bias)
	for ch := 0; ch < c; ch++ {
		blk := d.packed[ch/16*dwInts:]
		for t := 0; t < 9; t++ {
			blk[t*16+ch%16] = int32(uint16(wz[t*c+ch]))
		}
	}
	packRequant(d.packed, 9*16, dwInts, rq, d.bias, c)
	return d
}

// RunU8 computes output rows [oy0, oy1) of one uint8 NHWC image:
//
//	for oy := oy0; oy < oy1; oy++ {
//		for ox := 0; ox < outW; ox++ {
//			for c := 0; c < C; c++ {
//				acc := bias[c]
//				for ky := 0; ky < 3; ky++ {
//					for kx := 0; kx < 3; kx++ {
//						iy, ix := oy*stride+ky-padTop, ox*stride+kx-padLeft
//						if 0 <= iy && iy < inH && 0 <= ix && ix < inW {
//							acc += (int32(w[ky][kx][c]) − zp_w) * (int32(in[(iy*inW+ix)*C+c]) − zp_x)
//						}
//					}
//				}
//				out[(oy*outW+ox)*C+c] = uint8(rq.Apply(acc, c))
//			}
//		}
//	}
//
// Taps outside the input are skipped, as TFLite does. RunU8 panics on an
// int8 layer, if the stride is not 1 or 2, a pad is negative, the row range
// is not inside [0, outH], or in or out is shorter than the sizes say.
func (d *DW3x3) RunU8(out, in []uint8, inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1 int) {
	if d.signed {
		panic("q8: DW3x3.RunU8 on an int8 layer")
	}
	d.run(out, in, inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1)
}

// RunI8 is RunU8 for an int8 layer.
func (d *DW3x3) RunI8(out, in []int8, inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1 int) {
	if !d.signed {
		panic("q8: DW3x3.RunI8 on a uint8 layer")
	}
	d.run(bytesOf(out), bytesOf(in), inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1)
}

func (d *DW3x3) run(out, in []byte, inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1 int) {
	c := d.C
	if (stride != 1 && stride != 2) || padTop < 0 || padLeft < 0 || inH < 0 || inW < 0 || outW < 0 ||
		oy0 < 0 || oy1 < oy0 || outH < oy1 || len(in) < inH*inW*c || len(out) < outH*outW*c {
		panic(fmt.Sprintf("q8: DW3x3.Run: in %dx%d stride %d pad %d,%d out %dx%d rows [%d,%d) C=%d: len(in)=%d len(out)=%d",
			inH, inW, stride, padTop, padLeft, outH, outW, oy0, oy1, c, len(in), len(out)))
	}
	l := level()
	oxA, oxB := dwInterior(inW, stride, padLeft, outW)
	for oy := oy0; oy < oy1; oy++ {
		iy := oy*stride - padTop
		ky0, ky1 := max(0, -iy), min(3, inH-iy)
		var rowOff [3]int
		for i := range max(0, ky1-ky0) {
			rowOff[i] = (iy + ky0 + i) * inW * c
		}
		s := dwSpan{ky0: ky0, nr: max(0, ky1-ky0), stride: stride}
		orow := out[oy*outW*c : (oy+1)*outW*c]
		for ox := 0; ox < outW; {
			ix := ox*stride - padLeft
			s.kx0 = max(0, -ix)
			s.nc = max(0, min(3, inW-ix)-s.kx0)
			s.npix = 1
			if ox >= oxA && ox < oxB {
				s.npix = oxB - ox
			}
			d.span(l, orow[ox*c:], in, rowOff, ix+s.kx0, s)
			ox += s.npix
		}
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

// dwSpan describes a run of output pixels of one row that share the same
// valid taps: nr input rows from ky0 and nc taps per row from kx0.
type dwSpan struct {
	ky0, nr, kx0, nc int
	npix             int // output pixels
	stride           int
}

// span computes s.npix output pixels into out; the first pixel's first valid
// tap of input row i is in[rowOff[i]+ix*C:].
func (d *DW3x3) span(l Level, out, in []byte, rowOff [3]int, ix int, s dwSpan) {
	for i := range s.nr {
		rowOff[i] += ix * d.C
	}
	if l == Generic || s.nr == 0 || s.nc == 0 || !d.spanAsm(out, in, rowOff, s) {
		d.spanGeneric(out, in, rowOff, s)
	}
}

// spanGeneric is the plain-Go twin of the depthwise kernels.
func (d *DW3x3) spanGeneric(out, in []byte, rowOff [3]int, s dwSpan) {
	c := d.C
	sc := s.stride * c // bytes between the inputs of consecutive output pixels
	for p := 0; p < s.npix; p++ {
		o := out[p*c : p*c+c]
		for ch := range o {
			acc := d.bias[ch]
			for i := 0; i < s.nr; i++ {
				for j := 0; j < s.nc; j++ {
					x := code(in[rowOff[i]+p*sc+j*c+ch], d.signed) - d.inZP
					acc += int32(d.wz[((s.ky0+i)*3+s.kx0+j)*c+ch]) * x
				}
			}
			o[ch] = byte(d.rq.Apply(acc, ch))
		}
	}
}
