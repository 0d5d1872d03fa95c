// Package gen holds what the kernel generators share: the build constraint
// of the assembly they write and access to a function's arguments.
package gen

import (
	"log"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// Constraint is the build constraint of every generated file: amd64 builds
// that do not ask for pure Go (purego, noasm) and are not -race builds,
// whose checker cannot see the memory accesses of assembly.
const Constraint = "amd64,!purego,!noasm,!race"

// LoadParam loads the named integer or pointer argument into a new register.
func LoadParam(name string) reg.GPVirtual {
	r := build.GP64()
	build.Load(build.Param(name), r)
	return r
}

// ParamAddr returns the memory operand of the named argument's slot.
func ParamAddr(name string) operand.Mem {
	b, err := build.Param(name).Resolve()
	if err != nil {
		log.Fatal(err)
	}
	return b.Addr
}

// Mask describes how a vector's lanes are limited: not at all (both nil), by
// an AVX-512 K register, or by an AVX2 lane mask used with VMASKMOVPS.
type Mask struct {
	K reg.Register
	Y reg.VecVirtual
}

// LoadVec loads x from m, the lanes outside msk zeroed.
func LoadVec(m operand.Mem, msk Mask, x reg.VecVirtual) {
	switch {
	case msk.K != nil:
		build.VMOVUPS_Z(m, msk.K, x)
	case msk.Y != nil:
		build.VMASKMOVPS(m, msk.Y, x)
	default:
		build.VMOVUPS(m, x)
	}
}

// StoreVec stores the lanes of x inside msk to m.
func StoreVec(x reg.VecVirtual, msk Mask, m operand.Mem) {
	switch {
	case msk.K != nil:
		build.VMOVUPS(x, msk.K, m)
	case msk.Y != nil:
		build.VMASKMOVPS(x, msk.Y, m)
	default:
		build.VMOVUPS(x, m)
	}
}

// Scaled addresses base + k·index for k in 0..2 (base alone for 0).
func Scaled(base, index reg.GPVirtual, k int) operand.Mem {
	if k == 0 {
		return operand.Mem{Base: base}
	}
	return operand.Mem{Base: base, Index: index, Scale: uint8(k)}
}
