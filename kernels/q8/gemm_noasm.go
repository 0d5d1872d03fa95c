//go:build !amd64 || purego || noasm || race

package q8

// runAsm reports that this build has no assembly GEMM.
func (g *GEMM) runAsm(out []byte, ldo int, in []byte, ldi, rows int) bool { return false }

// gatherAsm reports that this build has no assembly gather.
func gatherAsm(dst, src []byte, npix, ldd, pixStride, nrun, runLen, runStride int) bool { return false }
