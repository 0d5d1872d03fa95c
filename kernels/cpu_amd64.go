//go:build amd64 && !purego && !noasm && !race

package kernels

import "golang.org/x/sys/cpu"

// hardwareLevel returns the highest level the CPU supports.
func hardwareLevel() Level {
	switch {
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512VL:
		return AVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return AVX2
	}
	return Generic
}
