package q8

import "fmt"

// avgPoolChunk is how many channels one pass over a window sums, in an
// array on the stack.
const avgPoolChunk = 512

// AvgPool is an 8-bit average pooling over NHWC images with C channels
// (the same quantization in and out, as TFLite requires):
//
//	sum, cnt := Σ in[iy,ix,c], the number of taps inside the input
//	avg := (sum ± cnt/2) / cnt   (rounded half away from zero, sign of sum)
//	out[oy,ox,c] = clamp(avg, actMin, actMax)
//
// exactly as qref.AveragePool2D. It reads each window pixel by pixel, all
// channels at once, where the reference walks it channel by channel. It is
// plain Go: the sums are all it does.
type AvgPool struct {
	C, KH, KW        int
	StrideH, StrideW int
	PadTop, PadLeft  int
	ActMin, ActMax   int32
}

// RunU8 computes output rows [oy0, oy1) of one uint8 image of inH×inW
// pixels into out (outH×outW pixels). It panics if a window holds no input
// pixel, a stride or window is below 1, a pad is negative, the row range is
// outside [0, outH] or a slice is shorter than the sizes say.
func (p *AvgPool) RunU8(out, in []uint8, inH, inW, outH, outW, oy0, oy1 int) {
	p.check(len(out), len(in), inH, inW, outH, outW, oy0, oy1)
	avgPool(p, out, in, inH, inW, outW, oy0, oy1)
}

// RunI8 is RunU8 for int8 codes.
func (p *AvgPool) RunI8(out, in []int8, inH, inW, outH, outW, oy0, oy1 int) {
	p.check(len(out), len(in), inH, inW, outH, outW, oy0, oy1)
	avgPool(p, out, in, inH, inW, outW, oy0, oy1)
}

func (p *AvgPool) check(nOut, nIn, inH, inW, outH, outW, oy0, oy1 int) {
	if p.C < 1 || p.KH < 1 || p.KW < 1 || p.StrideH < 1 || p.StrideW < 1 || p.PadTop < 0 || p.PadLeft < 0 ||
		inH < 0 || inW < 0 || outW < 0 || oy0 < 0 || oy1 < oy0 || outH < oy1 || nIn < inH*inW*p.C || nOut < outH*outW*p.C {
		panic(fmt.Sprintf("q8: AvgPool.Run: %+v in %dx%d out %dx%d rows [%d,%d): len(in)=%d len(out)=%d",
			*p, inH, inW, outH, outW, oy0, oy1, nIn, nOut))
	}
}

func avgPool[T uint8 | int8](p *AvgPool, out, in []T, inH, inW, outW, oy0, oy1 int) {
	c := p.C
	var acc [avgPoolChunk]int32
	for oy := oy0; oy < oy1; oy++ {
		y0 := oy*p.StrideH - p.PadTop
		ya, yb := max(y0, 0), min(y0+p.KH, inH)
		for ox := 0; ox < outW; ox++ {
			x0 := ox*p.StrideW - p.PadLeft
			xa, xb := max(x0, 0), min(x0+p.KW, inW)
			cnt := int32(max(yb-ya, 0) * max(xb-xa, 0))
			if cnt == 0 {
				panic(fmt.Sprintf("q8: AvgPool: the window of output (%d,%d) covers no input", oy, ox))
			}
			o := out[(oy*outW+ox)*c:][:c]
			for c0 := 0; c0 < c; c0 += avgPoolChunk {
				a := acc[:min(avgPoolChunk, c-c0)]
				clear(a)
				for y := ya; y < yb; y++ {
					row := in[(y*inW+xa)*c:][:(xb-xa)*c]
					for x := 0; x < len(row); x += c {
						px := row[x+c0:][:len(a)]
						for i, v := range px {
							a[i] += int32(v)
						}
					}
				}
				for i, s := range a {
					var avg int32
					if s > 0 {
						avg = (s + cnt/2) / cnt
					} else {
						avg = (s - cnt/2) / cnt
					}
					o[c0+i] = T(min(max(avg, p.ActMin), p.ActMax))
				}
			}
		}
	}
}
