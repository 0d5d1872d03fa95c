package kernels

// spanGeneric is the plain-Go twin of the depthwise micro-kernels: it
// computes s.npix output pixels into out, the first pixel's first valid tap
// of input row i being at in[rowOff[i]:].
func (d *DW3x3) spanGeneric(out, in []float32, rowOff [3]int, s dwSpan) {
	c := d.C
	sc := s.stride * c // floats between the inputs of consecutive output pixels
	for p := 0; p < s.npix; p++ {
		o := out[p*c : p*c+c]
		copy(o, d.bias)
		for i := 0; i < s.nr; i++ {
			for j := 0; j < s.nc; j++ {
				x := in[rowOff[i]+p*sc+j*c:][:c]
				w := d.taps[((s.ky0+i)*3+s.kx0+j)*c:][:c]
				for ch, wc := range w {
					o[ch] += x[ch] * wc
				}
			}
		}
		for ch, v := range o {
			o[ch] = clamp(v, s.lo, s.hi)
		}
	}
}
