package kernels

// runGeneric is the plain-Go twin of the GEMM micro-kernels, reading the
// same packed panels.
func (g *GEMM) runGeneric(a gemmArgs) {
	for t := 0; t < a.sets; t++ {
		s := a
		s.out, s.in = a.out[t*a.outSet:], a.in[t*a.inSet:]
		g.runGenericSet(s)
	}
}

// runGenericSet computes one set of rows: four rows at a time share each
// loaded weight row.
func (g *GEMM) runGenericSet(a gemmArgs) {
	n, kk := g.N, g.K
	r := 0
	for ; r+4 <= a.rows; r += 4 {
		for p := 0; p*panel < n; p++ {
			var acc [4][panel]float32
			b := g.bias[p*panel : p*panel+panel]
			for i := range acc {
				copy(acc[i][:], b)
			}
			for s := 0; s < a.nseg; s++ {
				w := g.w[p*kk*panel+(a.w0+s*a.k)*panel : p*kk*panel+(a.w0+(s+1)*a.k)*panel]
				off := r*a.ldi + s*a.segStride
				a0 := a.in[off : off+a.k]
				a1 := a.in[off+a.ldi : off+a.ldi+a.k]
				a2 := a.in[off+2*a.ldi : off+2*a.ldi+a.k]
				a3 := a.in[off+3*a.ldi : off+3*a.ldi+a.k]
				for i, x0 := range a0 {
					x1, x2, x3 := a1[i], a2[i], a3[i]
					wi := (*[panel]float32)(w[i*panel : i*panel+panel])
					for j, wj := range wi {
						acc[0][j] += x0 * wj
						acc[1][j] += x1 * wj
						acc[2][j] += x2 * wj
						acc[3][j] += x3 * wj
					}
				}
			}
			cols := min(panel, n-p*panel)
			for i := range acc {
				o := a.out[(r+i)*a.ldo+p*panel : (r+i)*a.ldo+p*panel+cols]
				for j := range o {
					o[j] = clamp(acc[i][j], a.lo, a.hi)
				}
			}
		}
	}
	for ; r < a.rows; r++ {
		for p := 0; p*panel < n; p++ {
			var acc [panel]float32
			copy(acc[:], g.bias[p*panel:p*panel+panel])
			for s := 0; s < a.nseg; s++ {
				w := g.w[p*kk*panel+(a.w0+s*a.k)*panel : p*kk*panel+(a.w0+(s+1)*a.k)*panel]
				off := r*a.ldi + s*a.segStride
				for i, x := range a.in[off : off+a.k] {
					wi := (*[panel]float32)(w[i*panel : i*panel+panel])
					for j, wj := range wi {
						acc[j] += x * wj
					}
				}
			}
			cols := min(panel, n-p*panel)
			o := a.out[r*a.ldo+p*panel : r*a.ldo+p*panel+cols]
			for j := range o {
				o[j] = clamp(acc[j], a.lo, a.hi)
			}
		}
	}
}
