package vision

// Float32 returns the values as a float32 input tensor, (v − mean)/std in
// float32, as label_image fills a float model's input. MobileNet uses
// mean = std = 127.5, which maps 0..255 to −1..1.
func (p *Pixels) Float32(mean, std float32) []float32 {
	out := make([]float32, len(p.Pix))
	for i, v := range p.Pix {
		out[i] = (v - mean) / std
	}
	return out
}

// Uint8 returns the values as a uint8 input tensor, (uint8)v as label_image
// does: the fraction is truncated (12.9 gives 12). Values outside 0..255
// (a resize can overshoot by a rounding error) saturate; NaN gives 0.
func (p *Pixels) Uint8() []uint8 {
	out := make([]uint8, len(p.Pix))
	for i, v := range p.Pix {
		switch {
		case !(v > 0):
			out[i] = 0
		case v >= 255:
			out[i] = 255
		default:
			out[i] = uint8(v)
		}
	}
	return out
}

// Int8 returns the values as an int8 input tensor, (int8)(v − 128) as
// label_image does: v − 128 is computed in float32 and truncated toward
// zero, as C converts a float to an integer (0 gives −128, 0.5 gives −127,
// 255 gives 127). Results outside −128..127 saturate; NaN gives −128.
func (p *Pixels) Int8() []int8 {
	out := make([]int8, len(p.Pix))
	for i, v := range p.Pix {
		d := v - 128
		switch {
		case !(d > -128):
			out[i] = -128
		case d >= 127:
			out[i] = 127
		default:
			out[i] = int8(d)
		}
	}
	return out
}
