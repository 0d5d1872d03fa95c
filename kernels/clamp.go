package kernels

// clamp returns x limited to [lo, hi].
func clamp(x, lo, hi float32) float32 {
	return min(max(x, lo), hi)
}
