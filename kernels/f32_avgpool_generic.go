package kernels

// avgPoolGeneric is the plain-Go twin of the pooling kernels.
func avgPoolGeneric(out, in []float32, pixels, c int) {
	o := out[:c]
	copy(o, in[:c])
	p := 1
	// Four pixels at a time: one load and store of out per four inputs.
	for ; p+4 <= pixels; p += 4 {
		r0 := in[p*c:][:len(o)]
		r1 := in[(p+1)*c:][:len(o)]
		r2 := in[(p+2)*c:][:len(o)]
		r3 := in[(p+3)*c:][:len(o)]
		for ch, v := range r0 {
			o[ch] += (v + r1[ch]) + (r2[ch] + r3[ch])
		}
	}
	for ; p < pixels; p++ {
		for ch, v := range in[p*c : p*c+c] {
			o[ch] += v
		}
	}
	scale := 1 / float32(pixels)
	for ch := range o {
		o[ch] *= scale
	}
}
