package kernels

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// Level is an instruction-set level.
type Level int

// Instruction-set levels, from lowest to highest.
const (
	Generic Level = iota // plain Go
	AVX2                 // AVX2 and FMA, 8 floats per register
	AVX512               // AVX-512 F, BW, DQ and VL, 16 floats per register
)

// String returns the level's name as MOBILENET_ISA spells it.
func (l Level) String() string {
	switch l {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2"
	case AVX512:
		return "avx512"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

var (
	// supported is the highest level this CPU and build can run.
	supported = hardwareLevel()
	// detected is supported, lowered by MOBILENET_ISA.
	detected = lowerByEnv(supported, os.Getenv("MOBILENET_ISA"))
	// active is the level the Run methods use.
	active atomic.Int32
)

func init() { active.Store(int32(detected)) }

// lowerByEnv returns hw lowered to the level named by env ("generic",
// "avx2" or "avx512", case-insensitive). An empty or unknown name, or one
// above hw, leaves hw unchanged: the variable can only lower the level.
func lowerByEnv(hw Level, env string) Level {
	for l := Generic; l < hw; l++ {
		if strings.EqualFold(strings.TrimSpace(env), l.String()) {
			return l
		}
	}
	return hw
}

// Detected returns the level chosen at start: the highest the CPU supports
// (AVX512F+BW+DQ+VL gives AVX512, AVX2+FMA gives AVX2, otherwise Generic),
// lowered by the environment variable MOBILENET_ISA=generic|avx2|avx512.
// Builds with the purego or noasm tags, -race builds and other
// architectures always detect Generic.
func Detected() Level { return detected }

// level returns the level the kernels currently use.
func level() Level { return Level(active.Load()) }

// SetLevel makes the kernels use level l and returns the previous level. It
// returns an error, and changes nothing, if this CPU or build cannot run l.
// It is meant for tests and benchmarks; it may be called at any time, but
// kernels already running finish at the level they started with.
func SetLevel(l Level) (prev Level, err error) {
	if l < Generic || l > supported {
		return level(), fmt.Errorf("kernels: level %v not supported (highest is %v)", l, supported)
	}
	return Level(active.Swap(int32(l))), nil
}
