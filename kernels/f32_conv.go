package kernels

import "fmt"

// Conv is a general 2-D convolution (KH×KW window, Cin inputs, Cout outputs,
// any stride and leading pads) over NHWC images, computed by the packed GEMM
// kernels reading the input in place: an output pixel's window is KH runs of
// KW·Cin contiguous floats, one per window row. Only pixels whose window
// crosses the left or right edge are first copied (im2col) into scratch.
type Conv struct {
	KH, KW, Cin, Cout int

	g *GEMM // N = Cout, K = KH·KW·Cin
}

// PackConv packs convolution weights w, in OHWI order [Cout][KH][KW][Cin],
// and bias (nil means zero) for Run. It panics if the lengths do not match.
func PackConv(w []float32, bias []float32, kh, kw, cin, cout int) *Conv {
	if kh < 1 || kw < 1 || cin < 1 || cout < 1 || len(w) != cout*kh*kw*cin || (bias != nil && len(bias) != cout) {
		panic(fmt.Sprintf("kernels: PackConv: %dx%d window, %d→%d channels with %d weights and %d biases",
			kh, kw, cin, cout, len(w), len(bias)))
	}
	// OHWI is already [N][K] with K in (ky, kx, c) order, the order im2col
	// writes.
	return &Conv{KH: kh, KW: kw, Cin: cin, Cout: cout, g: PackGEMM(w, bias, cout, kh*kw*cin)}
}

// Repack packs new weights and bias of c's shape into c's storage.
func (c *Conv) Repack(w []float32, bias []float32) { c.g.Repack(w, bias) }

// ScratchSize returns how many floats of scratch Run needs for an output
// width of outW (per calling thread): room to gather the windows of one
// output row.
func (c *Conv) ScratchSize(outW int) int {
	return max(outW, 0) * c.KH * c.KW * c.Cin
}

// Run computes output rows [oy0, oy1) of one NHWC image:
//
//	for oy := oy0; oy < oy1; oy++ {
//		for ox := 0; ox < outW; ox++ {
//			for o := 0; o < Cout; o++ {
//				s := bias[o]
//				for ky := 0; ky < KH; ky++ {
//					for kx := 0; kx < KW; kx++ {
//						iy, ix := oy*strideH+ky-padTop, ox*strideW+kx-padLeft
//						if 0 <= iy && iy < inH && 0 <= ix && ix < inW {
//							for i := 0; i < Cin; i++ {
//								s += in[(iy*inW+ix)*Cin+i] * w[o][ky][kx][i]
//							}
//						}
//					}
//				}
//				out[(oy*outW+ox)*Cout+o] = min(max(s, lo), hi)
//			}
//		}
//	}
//
// Taps outside the input are zero padding. scratch must hold ScratchSize(outW)
// floats; it is overwritten. Run panics if a stride is below 1, a pad is
// negative, the row range is not inside [0, outH], or a slice is too short.
func (c *Conv) Run(out, in []float32, inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1 int, lo, hi float32, scratch []float32) {
	k := c.KH * c.KW * c.Cin
	if strideH < 1 || strideW < 1 || padTop < 0 || padLeft < 0 || inH < 0 || inW < 0 || outW < 0 ||
		oy0 < 0 || oy1 < oy0 || outH < oy1 || len(in) < inH*inW*c.Cin || len(out) < outH*outW*c.Cout ||
		len(scratch) < c.ScratchSize(outW) {
		panic(fmt.Sprintf("kernels: Conv.Run: in %dx%d stride %d,%d pad %d,%d out %dx%d rows [%d,%d) %d→%d: len(in)=%d len(out)=%d len(scratch)=%d",
			inH, inW, strideH, strideW, padTop, padLeft, outH, outW, oy0, oy1, c.Cin, c.Cout, len(in), len(out), len(scratch)))
	}
	if c.KH == 1 && c.KW == 1 && strideH == 1 && strideW == 1 && padTop == 0 && padLeft == 0 && inW == outW && inH >= outH {
		// A 1×1 convolution reads its input rows as they are.
		c.g.Run(out, in, oy0*outW, oy1*outW, lo, hi)
		return
	}
	if oy0 == oy1 || outW == 0 {
		return
	}
	// Output columns [oxA, oxB) have their whole window inside the input
	// columns; the others are gathered into scratch.
	oxA := min((padLeft+strideW-1)/strideW, outW)
	oxB := oxA
	if e := inW - c.KW + padLeft; e >= 0 {
		oxB = min(max(e/strideW+1, oxA), outW)
	}
	run := c.KW * c.Cin
	// The edge columns on either side, and how many there are.
	edges := [2][2]int{{0, oxA}, {oxB, outW}}
	nEdge := oxA + outW - oxB
	rows := func(oy int) (iy, ky0, ky1 int) {
		iy = oy*strideH - padTop
		return iy, max(0, -iy), min(c.KH, inH-iy)
	}
	// Output rows with the same window rows inside the input go together.
	for oy := oy0; oy < oy1; {
		iy, ky0, ky1 := rows(oy)
		oe := oy + 1
		for oe < oy1 {
			if _, a, b := rows(oe); a != ky0 || b != ky1 {
				break
			}
			oe++
		}
		if ky0 >= ky1 {
			// No window row inside the input: the bias alone.
			for i := oy * outW; i < oe*outW; i++ {
				for o, b := range c.g.bias[:c.Cout] {
					out[i*c.Cout+o] = clamp(b, lo, hi)
				}
			}
			oy = oe
			continue
		}
		if oxB > oxA {
			c.g.run(gemmArgs{
				out: out[(oy*outW+oxA)*c.Cout:], ldo: c.Cout, outSet: outW * c.Cout,
				in: in[((iy+ky0)*inW+oxA*strideW-padLeft)*c.Cin:], ldi: strideW * c.Cin, inSet: strideH * inW * c.Cin,
				rows: oxB - oxA, sets: oe - oy, k: run, nseg: ky1 - ky0, segStride: inW * c.Cin, w0: ky0 * run,
				lo: lo, hi: hi,
			})
		}
		// Edge pixels: gather the windows of as many rows as scratch holds,
		// then compute the left and the right ones of all those rows.
		for b0 := oy; nEdge > 0 && b0 < oe; {
			b1 := min(oe, b0+outW/nEdge)
			for y := b0; y < b1; y++ {
				e := (y - b0) * nEdge
				for _, cols := range edges {
					for ox := cols[0]; ox < cols[1]; ox++ {
						c.im2col(scratch[e*k:(e+1)*k], in, inH, inW, y*strideH-padTop, ox*strideW-padLeft)
						e++
					}
				}
			}
			// Each edge column is a set whose rows are the output rows.
			for side, cols := range edges {
				if cols[0] < cols[1] {
					c.g.run(gemmArgs{
						out: out[(b0*outW+cols[0])*c.Cout:], ldo: outW * c.Cout, outSet: c.Cout,
						in: scratch[side*oxA*k:], ldi: nEdge * k, inSet: k,
						rows: b1 - b0, sets: cols[1] - cols[0], k: k, nseg: 1, lo: lo, hi: hi,
					})
				}
			}
			b0 = b1
		}
		oy = oe
	}
}

// im2col writes the window whose top-left tap is input pixel (iy, ix) into
// dst in (ky, kx, c) order, with zeros for taps in the padding.
func (c *Conv) im2col(dst, in []float32, inH, inW, iy, ix int) {
	cin := c.Cin
	run := c.KW * cin
	kx0, kx1 := max(0, -ix), min(c.KW, inW-ix)
	for ky := 0; ky < c.KH; ky++ {
		d := dst[ky*run : (ky+1)*run]
		if y := iy + ky; y < 0 || y >= inH || kx0 >= kx1 {
			clear(d)
		} else {
			clear(d[:kx0*cin])
			copy(d[kx0*cin:kx1*cin], in[(y*inW+ix+kx0)*cin:(y*inW+ix+kx1)*cin])
			clear(d[kx1*cin:])
		}
	}
}
