package kernels

// spanGeneric is the plain-Go twin of the depthwise K×K micro-kernels: it
// computes s.npix output pixels into out, the first pixel's first valid tap
// being in[off:].
func (d *DWKxK) spanGeneric(out, in []float32, off int, s dwKxKSpan) {
	c := d.C
	sc := s.stride * c // floats between the inputs of consecutive output pixels
	for p := 0; p < s.npix; p++ {
		o := out[p*c : p*c+c]
		copy(o, d.bias)
		for i := 0; i < s.nr; i++ {
			for j := 0; j < s.nc; j++ {
				x := in[off+i*s.inRow+p*sc+j*c:][:c]
				w := d.taps[((s.ky0+i)*d.KW+s.kx0+j)*c:][:c]
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
