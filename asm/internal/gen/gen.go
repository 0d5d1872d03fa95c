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
