package q8

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/kernels/qmath"
)

// convScratch is the size of the im2col buffer, on the stack: the rows of
// the output pixels one GEMM pass computes.
const convScratch = 32 << 10

// Conv is a quantized 2-D convolution with any window, strides and leading
// pads (dilation 1), computed as im2col rows of KH·KW·Cin input codes —
// taps outside the input filled with the input zero point, which adds
// exactly nothing — multiplied by a GEMM:
//
//	acc[oy,ox,o] = bias[o] + Σ_{ky,kx,c} (w[o,ky,kx,c] − zp_w)·(in[iy,ix,c] − zp_x)
//	out[oy,ox,o] = rq.Apply(acc, o)
//
// over the taps inside the input, with TFLite's arithmetic, exactly.
type Conv struct {
	KH, KW, Cin, N int
	g              *GEMM
	zx             byte // the input zero point's code
	// gf computes fold output pixels per row, for few output channels (see
	// fold.go); nil when folding does not pay.
	gf   *GEMM
	fold int
}

// PackConvU8 packs a uint8 convolution: weights w in OHWI order [n][kh][kw][cin]
// with zero point wZP, int32 bias (nil means zero), input zero point inZP
// and requantization rq (one channel or n) computed in rounding r, which
// must be the rounding rq was built with. It panics if the lengths do not
// match.
func PackConvU8(w []uint8, wZP int32, bias []int32, n, kh, kw, cin int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *Conv {
	checkConv("PackConvU8", kh, kw, cin)
	c := &Conv{KH: kh, KW: kw, Cin: cin, N: n, g: PackGEMMU8(w, wZP, bias, n, kh*kw*cin, inZP, rq, r), zx: byte(inZP)}
	c.packFold(w, wZP, bias, inZP, rq, r)
	return c
}

// PackConvI8 packs an int8 convolution: weights w in OHWI order with zero
// point 0, as PackConvU8.
func PackConvI8(w []int8, bias []int32, n, kh, kw, cin int, inZP int32, rq *qmath.Requant, r qmath.Rounding) *Conv {
	checkConv("PackConvI8", kh, kw, cin)
	c := &Conv{KH: kh, KW: kw, Cin: cin, N: n, g: PackGEMMI8(w, bias, n, kh*kw*cin, inZP, rq, r), zx: byte(int8(inZP))}
	c.packFold(bytesOf(w), 0, bias, inZP, rq, r)
	return c
}

func checkConv(op string, kh, kw, cin int) {
	if kh < 1 || kw < 1 || cin < 1 {
		panic(fmt.Sprintf("q8: %s: window %d×%d over %d channels", op, kh, kw, cin))
	}
}

// RunU8 computes output rows [oy0, oy1) of one uint8 NHWC image:
//
//	for oy := oy0; oy < oy1; oy++ {
//		for ox := 0; ox < outW; ox++ {
//			for o := 0; o < N; o++ {
//				acc := bias[o]
//				for ky, kx, c over the window {
//					iy, ix := oy*strideH+ky-padTop, ox*strideW+kx-padLeft
//					if 0 <= iy && iy < inH && 0 <= ix && ix < inW {
//						acc += (int32(w[o][ky][kx][c]) − zp_w) * (int32(in[(iy*inW+ix)*Cin+c]) − zp_x)
//					}
//				}
//				out[(oy*outW+ox)*N+o] = uint8(rq.Apply(acc, o))
//			}
//		}
//	}
//
// It panics on an int8 layer, a stride below 1, a negative pad, a row range
// outside [0, outH], or slices shorter than the sizes say.
func (c *Conv) RunU8(out, in []uint8, inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1 int) {
	if c.g.signed {
		panic("q8: Conv.RunU8 on an int8 layer")
	}
	c.run(out, in, convGeom{inH, inW, strideH, strideW, padTop, padLeft, outH, outW}, oy0, oy1)
}

// RunI8 is RunU8 for an int8 layer.
func (c *Conv) RunI8(out, in []int8, inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1 int) {
	if !c.g.signed {
		panic("q8: Conv.RunI8 on a uint8 layer")
	}
	c.run(bytesOf(out), bytesOf(in), convGeom{inH, inW, strideH, strideW, padTop, padLeft, outH, outW}, oy0, oy1)
}

// convGeom is the geometry of one image.
type convGeom struct {
	inH, inW, sh, sw, padTop, padLeft, outH, outW int
}

func (c *Conv) run(out, in []byte, g convGeom, oy0, oy1 int) {
	if g.sh < 1 || g.sw < 1 || g.padTop < 0 || g.padLeft < 0 || g.inH < 0 || g.inW < 0 || g.outW < 0 ||
		oy0 < 0 || oy1 < oy0 || g.outH < oy1 || len(in) < g.inH*g.inW*c.Cin || len(out) < g.outH*g.outW*c.N {
		panic(fmt.Sprintf("q8: Conv.Run: in %dx%d stride %d,%d pad %d,%d out %dx%d rows [%d,%d) Cin=%d N=%d: len(in)=%d len(out)=%d",
			g.inH, g.inW, g.sh, g.sw, g.padTop, g.padLeft, g.outH, g.outW, oy0, oy1, c.Cin, c.N, len(in), len(out)))
	}
	k := c.g.K
	p0, p1 := oy0*g.outW, oy1*g.outW
	if k > convScratch {
		c.runDirect(out, in, g, p0, p1)
		return
	}
	// The gather stores whole vectors: 64 bytes of room past the last row.
	var buf [convScratch + 64]byte
	rows := convScratch / k
	if c.fold > 1 {
		rows = rows / c.fold * c.fold
	}
	for b := p0; b < p1; b += rows {
		n := min(rows, p1-b)
		c.gather(buf[:n*k+64], in, g, b, b+n)
		c.gemm(out[b*c.N:(b+n)*c.N], buf[:n*k], n)
	}
}

// gather writes the im2col rows of output pixels [p0, p1) (flattened over
// the image) into dst, K bytes each.
func (c *Conv) gather(dst, in []byte, g convGeom, p0, p1 int) {
	k, cin := c.g.K, c.Cin
	oxA, oxB := interior(g.inW, c.KW, g.sw, g.padLeft, g.outW)
	oyA, oyB := interior(g.inH, c.KH, g.sh, g.padTop, g.outH)
	asm := level() != Generic
	for p := p0; p < p1; {
		oy, ox := p/g.outW, p%g.outW
		row := dst[(p-p0)*k:]
		if oy >= oyA && oy < oyB && ox >= oxA && ox < oxB {
			n := min(oxB, ox+p1-p) - ox
			src := ((oy*g.sh-g.padTop)*g.inW + ox*g.sw - g.padLeft) * cin
			if !asm || !gatherAsm(row, in[src:], n, k, g.sw*cin, c.KH, c.KW*cin, g.inW*cin) {
				for i := 0; i < n; i++ {
					for ky := 0; ky < c.KH; ky++ {
						s := src + i*g.sw*cin + ky*g.inW*cin
						copy(row[i*k+ky*c.KW*cin:][:c.KW*cin], in[s:s+c.KW*cin])
					}
				}
			}
			p += n
			continue
		}
		for ky := 0; ky < c.KH; ky++ {
			iy := oy*g.sh + ky - g.padTop
			for kx := 0; kx < c.KW; kx++ {
				ix := ox*g.sw + kx - g.padLeft
				d := row[(ky*c.KW+kx)*cin:][:cin]
				if iy < 0 || iy >= g.inH || ix < 0 || ix >= g.inW {
					for j := range d {
						d[j] = c.zx
					}
					continue
				}
				copy(d, in[(iy*g.inW+ix)*cin:])
			}
		}
		p++
	}
}

// interior returns the output range [a, b) (within [0, out)) whose k taps
// along one axis lie inside an input of size in (padded by pad before it).
func interior(in, k, stride, pad, out int) (a, b int) {
	a = min((pad+stride-1)/stride, out)
	b = a
	if e := in - k + pad; e >= 0 {
		b = min(max(e/stride+1, a), out)
	}
	return a, b
}

// runDirect computes output pixels [p0, p1) tap by tap, for windows too
// large for the im2col buffer.
func (c *Conv) runDirect(out, in []byte, g convGeom, p0, p1 int) {
	gm := c.g
	for p := p0; p < p1; p++ {
		oy, ox := p/g.outW, p%g.outW
		for o := 0; o < c.N; o++ {
			acc := gm.bias[o]
			w := gm.wz[o*gm.K:]
			for ky := 0; ky < c.KH; ky++ {
				iy := oy*g.sh + ky - g.padTop
				if iy < 0 || iy >= g.inH {
					continue
				}
				for kx := 0; kx < c.KW; kx++ {
					ix := ox*g.sw + kx - g.padLeft
					if ix < 0 || ix >= g.inW {
						continue
					}
					x := in[(iy*g.inW+ix)*c.Cin:][:c.Cin]
					wt := w[(ky*c.KW+kx)*c.Cin:][:c.Cin]
					for j, v := range x {
						acc += int32(wt[j]) * (code(v, gm.signed) - gm.inZP)
					}
				}
			}
			out[p*c.N+o] = byte(gm.rq.Apply(acc, o))
		}
	}
}
