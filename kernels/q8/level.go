package q8

import (
	"fmt"
	"sync/atomic"
)

// Level is the instruction-set level of the 8-bit kernels.
type Level int

// Levels, from lowest to highest.
const (
	Generic Level = iota // plain Go
	VNNI                 // AVX-512 F, BW, DQ and VL with AVX512_VNNI (VPDPBUSD, VPDPWSSD)
)

// String returns the level's name.
func (l Level) String() string {
	switch l {
	case Generic:
		return "generic"
	case VNNI:
		return "vnni"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

var (
	// supported is the highest level this CPU and build can run.
	supported = hardwareLevel()
	// active is the level the Run methods use.
	active atomic.Int32
)

func init() { active.Store(int32(supported)) }

// Detected returns the level chosen at start: VNNI when package kernels
// detected AVX512 (so MOBILENET_ISA=avx2 or generic lowers this package to
// Generic as well) and the CPU has AVX512_VNNI, otherwise Generic. Builds
// with the purego or noasm tags, -race builds and other architectures
// always detect Generic.
func Detected() Level { return supported }

// level returns the level the kernels currently use.
func level() Level { return Level(active.Load()) }

// SetLevel makes the kernels use level l and returns the previous level. It
// returns an error, and changes nothing, if this CPU or build cannot run l.
// It is meant for tests and benchmarks; kernels already running finish at
// the level they started with.
func SetLevel(l Level) (prev Level, err error) {
	if l < Generic || l > supported {
		return level(), fmt.Errorf("q8: level %v not supported (highest is %v)", l, supported)
	}
	return Level(active.Swap(int32(l))), nil
}
