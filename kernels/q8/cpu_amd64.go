//go:build amd64 && !purego && !noasm && !race

package q8

import (
	"golang.org/x/sys/cpu"

	"github.com/mobilenet-go/mobilenet/kernels"
)

// hardwareLevel returns the highest level the CPU supports.
func hardwareLevel() Level {
	if kernels.Detected() >= kernels.AVX512 && cpu.X86.HasAVX512VNNI {
		return VNNI
	}
	return Generic
}
