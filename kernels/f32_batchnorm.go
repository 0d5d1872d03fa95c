package kernels

// The training kernels of batch normalisation and clamps. Their reference twins are
// ref.BatchNormTrainForward, ref.BatchNormTrainBackward and ref.ClampBackward.

import "math"

// ChannelSums sets s1[k] = Σ_r x[r,k] for channels [c0, c1) of rows×c values, in float64 with rows
// summed in order.
func ChannelSums(x []float32, rows, c, c0, c1 int, s1 []float64) {
	a := s1[c0:c1]
	clear(a)
	for r := 0; r < rows; r++ {
		for i, v := range x[r*c+c0 : r*c+c1] {
			a[i] += float64(v)
		}
	}
}

// ChannelMoments computes in one pass, for channels [c0, c1), the sums of x − s and (x − s)² over the
// rows, in float64, where the shift s[k] = x[0,k] keeps the variance E[(x−s)²] − E[x−s]² free of
// cancellation for data far from zero.
func ChannelMoments(x []float32, rows, c, c0, c1 int, shift, s1, s2 []float64) {
	for k := c0; k < c1; k++ {
		shift[k], s1[k], s2[k] = float64(x[k]), 0, 0
	}
	sh, a1, a2 := shift[c0:c1], s1[c0:c1], s2[c0:c1]
	for r := 0; r < rows; r++ {
		for i, v := range x[r*c+c0 : r*c+c1] {
			d := float64(v) - sh[i]
			a1[i] += d
			a2[i] += d * d
		}
	}
}

// Affine sets y[r,k] = x[r,k]·scale[k] + shift[k] for rows [r0, r1) of c channels, clamped to
// [lo, hi] when clamp is set (a fused activation).
func Affine(y, x []float32, c int, scale, shift []float32, clamp bool, lo, hi float32, r0, r1 int) {
	scale, shift = scale[:c], shift[:c]
	for r := r0; r < r1; r++ {
		xr, yr := x[r*c:(r+1)*c], y[r*c:(r+1)*c]
		if clamp {
			for k, v := range xr {
				yr[k] = min(max(v*scale[k]+shift[k], lo), hi)
			}
			continue
		}
		for k, v := range xr {
			yr[k] = v*scale[k] + shift[k]
		}
	}
}

// NormGradSums computes, for channels [c0, c1), sb[k] = Σ_r g[r,k] and sg[k] = Σ_r g[r,k]·x̂[r,k]
// with x̂ = (x − mean)·inv, in float64. g is dy, or, with a fused activation whose outputs are z (z not
// nil), dy where lo < z < hi and 0 elsewhere, which is then stored back into dy. Rows are taken four at
// a time, their terms added in float64 in row order before joining the sums: the same arithmetic
// whatever the split of channels.
func NormGradSums(x, dy, z []float32, lo, hi float32, rows, c, c0, c1 int, mean, inv []float32, sb, sg []float64) {
	for k := c0; k < c1; k++ {
		sb[k], sg[k] = 0, 0
	}
	n := c1 - c0
	b, g, m, iv := sb[c0:c1], sg[c0:c1], mean[c0:c1:c1], inv[c0:c1:c1]
	if z != nil {
		for r := 0; r < rows; r++ {
			MaskClamped(dy[r*c+c0:r*c+c1], z[r*c+c0:r*c+c1], lo, hi)
		}
	}
	r := 0
	for ; r+4 <= rows; r += 4 {
		x0, x1, x2, x3 := x[r*c+c0:][:n], x[(r+1)*c+c0:][:n], x[(r+2)*c+c0:][:n], x[(r+3)*c+c0:][:n]
		d0, d1, d2, d3 := dy[r*c+c0:][:n], dy[(r+1)*c+c0:][:n], dy[(r+2)*c+c0:][:n], dy[(r+3)*c+c0:][:n]
		for i := range n {
			mi, ii := m[i], iv[i]
			e0, e1, e2, e3 := float64(d0[i]), float64(d1[i]), float64(d2[i]), float64(d3[i])
			b[i] += e0 + e1 + e2 + e3
			g[i] += e0*float64((x0[i]-mi)*ii) + e1*float64((x1[i]-mi)*ii) + e2*float64((x2[i]-mi)*ii) + e3*float64((x3[i]-mi)*ii)
		}
	}
	for ; r < rows; r++ {
		xr, dr := x[r*c+c0:][:n], dy[r*c+c0:][:n]
		for i, d := range dr {
			b[i] += float64(d)
			g[i] += float64(d) * float64((xr[i]-m[i])*iv[i])
		}
	}
}

// MaskClamped zeroes d[i] wherever z[i], an output of a clamp to [lo, hi], was clamped (z = lo or
// z = hi), without branches: the product p = (z − lo)·(hi − z) (or z − lo alone when hi is infinite) is
// positive exactly inside the interval, and the sign of p − the smallest float, read from its bits,
// gives a mask. Mispredicted branches made this the slowest loop of a training step.
func MaskClamped(d, z []float32, lo, hi float32) {
	d = d[:len(z)]
	inf := math.IsInf(float64(hi), 1)
	for i, v := range z {
		p := v - lo
		if !inf {
			p *= hi - v
		}
		drop := uint32(int32(math.Float32bits(p)-1) >> 31)
		d[i] = math.Float32frombits(math.Float32bits(d[i]) &^ drop)
	}
}

// NormBackward sets, for rows [r0, r1), dx = a·g + b·x + cc per channel, g being the (masked) output
// gradient left in dy by NormGradSums: the training-mode batch norm input gradient
// γ·inv/M·(M·g − Σg − x̂·Σg·x̂) rewritten as a per-channel Affine map of g and x (b = cc = 0 with fixed
// statistics).
func NormBackward(dx, dy, x []float32, c int, a, b, cc []float32, r0, r1 int) {
	a, b, cc = a[:c], b[:c], cc[:c]
	for r := r0; r < r1; r++ {
		xr, dr, o := x[r*c:(r+1)*c], dy[r*c:(r+1)*c], dx[r*c:(r+1)*c]
		for k, d := range dr {
			o[k] = a[k]*d + b[k]*xr[k] + cc[k]
		}
	}
}

// ClampForward sets y = min(max(x, lo), hi) for elements [i0, i1).
func ClampForward(y, x []float32, lo, hi float32, i0, i1 int) {
	yr := y[i0:i1]
	for i, v := range x[i0:i1] {
		yr[i] = min(max(v, lo), hi)
	}
}

// ClampBackward sets dx = dy where lo < v < hi and 0 elsewhere, for elements [i0, i1), v being the
// clamp's input or output (they agree on where the gradient passes).
func ClampBackward(dx, dy, v []float32, lo, hi float32, i0, i1 int) {
	d, o := dy[i0:i1], dx[i0:i1]
	for i, x := range v[i0:i1] {
		if x > lo && x < hi {
			o[i] = d[i]
		} else {
			o[i] = 0
		}
	}
}

// InvStd returns 1/√(v+ε) in float64 rounded to float32.
func InvStd(v float64, eps float32) float32 { return float32(1 / math.Sqrt(v+float64(eps))) }
