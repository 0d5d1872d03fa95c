package main

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// avo v0.5.0 predates the VNNI instructions; they are emitted as raw
// instructions whose inputs and outputs are declared for the register
// allocator. The Go assembler knows them.

// vpdpbusd emits VPDPBUSD s, u, acc: every int32 lane of acc gains the dot
// product of the four unsigned bytes of u with the four signed bytes of s.
func vpdpbusd(s Op, u, acc reg.VecVirtual) { vnni("VPDPBUSD", s, u, acc) }

// vpdpwssd emits VPDPWSSD a, b, acc: every int32 lane of acc gains the dot
// product of the two signed words of b with the two signed words of a.
func vpdpwssd(a Op, b, acc reg.VecVirtual) { vnni("VPDPWSSD", a, b, acc) }

func vnni(op string, a Op, b, acc reg.VecVirtual) {
	Instruction(&ir.Instruction{
		Opcode:   op,
		Operands: []Op{a, b, acc},
		Inputs:   []Op{a, b, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}
