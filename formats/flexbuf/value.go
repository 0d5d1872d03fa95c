package flexbuf

import (
	"bytes"
	"fmt"
	"math"
)

// Value is a typed reference to one value inside a FlexBuffer. The zero Value is a NULL
// with no buffer.
type Value struct {
	buf []byte
	// pos is where the value's slot is: the value itself for inline types, the backward
	// offset to its data otherwise.
	pos int
	// slotWidth is the byte width of the slot at pos (the parent's element width).
	slotWidth int
	typ       Type
	// dataWidth is the byte width of the data an offset type points to.
	dataWidth int
}

// Root returns the root value of the FlexBuffer b. It checks that b holds a width byte in
// {1, 2, 4, 8}, a packed type byte and a root slot of that width.
func Root(b []byte) (Value, error) {
	n := len(b)
	if n < 3 {
		return Value{}, fmt.Errorf("flexbuf: buffer of %d bytes is too short (need at least 3)", n)
	}
	w := int(b[n-1])
	if !validWidth(w) {
		return Value{}, fmt.Errorf("flexbuf: root byte width %d at %d is not 1, 2, 4 or 8", w, n-1)
	}
	if n < w+2 {
		return Value{}, fmt.Errorf("flexbuf: buffer of %d bytes is too short for a root of width %d", n, w)
	}
	return newValue(b, n-2-w, w, b[n-2]), nil
}

// newValue makes the value whose slot of width slotWidth is at pos and whose packed type
// byte is packed.
func newValue(b []byte, pos, slotWidth int, packed byte) Value {
	return Value{buf: b, pos: pos, slotWidth: slotWidth, typ: Type(packed >> 2), dataWidth: 1 << (packed & 3)}
}

// Type returns the value's type.
func (v Value) Type() Type { return v.typ }

// Int returns an INT, UINT, BOOL, INDIRECT_INT or INDIRECT_UINT value as an int64. A UINT
// above math.MaxInt64 is an error, and so is any other type.
func (v Value) Int() (int64, error) {
	switch v.typ {
	case TypeInt:
		return v.readInt(v.pos, v.slotWidth)
	case TypeUint, TypeBool:
		u, err := v.readUint(v.pos, v.slotWidth)
		if err != nil {
			return 0, err
		}
		return v.uintToInt(u)
	case TypeIndirectInt:
		p, err := v.target()
		if err != nil {
			return 0, err
		}
		return v.readInt(p, v.dataWidth)
	case TypeIndirectUint:
		p, err := v.target()
		if err != nil {
			return 0, err
		}
		u, err := v.readUint(p, v.dataWidth)
		if err != nil {
			return 0, err
		}
		return v.uintToInt(u)
	}
	return 0, v.typeError("an integer")
}

// Float returns a FLOAT or INDIRECT_FLOAT value as a float64 (a 4-byte float widened), or an
// integer value (INT, UINT and their INDIRECT_ forms) converted. Other types are an error.
func (v Value) Float() (float64, error) {
	switch v.typ {
	case TypeFloat:
		return v.readFloat(v.pos, v.slotWidth)
	case TypeIndirectFloat:
		p, err := v.target()
		if err != nil {
			return 0, err
		}
		return v.readFloat(p, v.dataWidth)
	case TypeInt, TypeIndirectInt:
		i, err := v.Int()
		return float64(i), err
	case TypeUint, TypeIndirectUint:
		u, err := v.uint()
		return float64(u), err
	}
	return 0, v.typeError("a number")
}

// Bool returns a BOOL value, or whether an integer value (INT, UINT and their INDIRECT_ forms)
// is non-zero, as flexbuffers.h's AsBool does. Other types are an error.
func (v Value) Bool() (bool, error) {
	switch v.typ {
	case TypeBool, TypeUint, TypeIndirectUint:
		u, err := v.uint()
		return u != 0, err
	case TypeInt, TypeIndirectInt:
		i, err := v.Int()
		return i != 0, err
	}
	return false, v.typeError("a boolean")
}

// Text returns a STRING value (its stored length of bytes) or a KEY value (the bytes up to
// its NUL). Other types are an error.
func (v Value) Text() (string, error) {
	switch v.typ {
	case TypeString:
		p, err := v.target()
		if err != nil {
			return "", err
		}
		if p < v.dataWidth {
			return "", fmt.Errorf("flexbuf: string at %d: no room for its length before it", p)
		}
		n, err := v.readUint(p-v.dataWidth, v.dataWidth)
		if err != nil {
			return "", err
		}
		if n > uint64(len(v.buf)-p) {
			return "", fmt.Errorf("flexbuf: string at %d: length %d runs past the buffer end (%d)", p, n, len(v.buf))
		}
		return string(v.buf[p : p+int(n)]), nil
	case TypeKey:
		p, err := v.target()
		if err != nil {
			return "", err
		}
		k, err := cString(v.buf, p)
		return string(k), err
	}
	return "", v.typeError("a string")
}

// uint reads a UINT, BOOL or INDIRECT_UINT value as uint64.
func (v Value) uint() (uint64, error) {
	switch v.typ {
	case TypeIndirectUint:
		p, err := v.target()
		if err != nil {
			return 0, err
		}
		return v.readUint(p, v.dataWidth)
	case TypeUint, TypeBool:
		return v.readUint(v.pos, v.slotWidth)
	}
	return 0, v.typeError("an unsigned integer")
}

func (v Value) uintToInt(u uint64) (int64, error) {
	if u > math.MaxInt64 {
		return 0, fmt.Errorf("flexbuf: %s value %d at %d overflows int64", v.typ, u, v.pos)
	}
	return int64(u), nil
}

func (v Value) typeError(want string) error {
	return fmt.Errorf("flexbuf: value at %d is %s, not %s", v.pos, v.typ, want)
}

// target follows the backward offset in the value's slot and returns the position it
// points to, checked to lie within the buffer.
func (v Value) target() (int, error) {
	return indirect(v.buf, v.pos, v.slotWidth)
}

// indirect reads the unsigned offset of width w at pos and returns pos minus it, checked
// not to fall before the start of b.
func indirect(b []byte, pos, w int) (int, error) {
	off, err := readUint(b, pos, w)
	if err != nil {
		return 0, err
	}
	if off > uint64(pos) {
		return 0, fmt.Errorf("flexbuf: offset %d at %d points before the buffer start", off, pos)
	}
	return pos - int(off), nil
}

func (v Value) readUint(pos, w int) (uint64, error) { return readUint(v.buf, pos, w) }

func (v Value) readInt(pos, w int) (int64, error) {
	u, err := readUint(v.buf, pos, w)
	if err != nil {
		return 0, err
	}
	shift := 64 - 8*uint(w)
	return int64(u<<shift) >> shift, nil // sign-extend from w bytes
}

func (v Value) readFloat(pos, w int) (float64, error) {
	u, err := readUint(v.buf, pos, w)
	if err != nil {
		return 0, err
	}
	switch w {
	case 8:
		return math.Float64frombits(u), nil
	case 4:
		return float64(math.Float32frombits(uint32(u))), nil
	case 2:
		return float64(int16(u)), nil
	}
	return float64(int8(u)), nil
}

// validWidth reports whether w is a FlexBuffers byte width.
func validWidth(w int) bool { return w == 1 || w == 2 || w == 4 || w == 8 }

// readUint reads the little-endian unsigned integer of width w at pos, checking that w is a
// valid width and that the bytes lie within b.
func readUint(b []byte, pos, w int) (uint64, error) {
	if !validWidth(w) {
		return 0, fmt.Errorf("flexbuf: byte width %d at %d is not 1, 2, 4 or 8", w, pos)
	}
	if pos < 0 || pos > len(b)-w {
		return 0, fmt.Errorf("flexbuf: %d-byte read at %d runs outside the buffer (%d bytes)", w, pos, len(b))
	}
	var u uint64
	for i := w - 1; i >= 0; i-- {
		u = u<<8 | uint64(b[pos+i])
	}
	return u, nil
}

// cString returns the bytes from p up to (not including) the next NUL, which must lie
// within b.
func cString(b []byte, p int) ([]byte, error) {
	if p < 0 || p >= len(b) {
		return nil, fmt.Errorf("flexbuf: string at %d is outside the buffer (%d bytes)", p, len(b))
	}
	n := bytes.IndexByte(b[p:], 0)
	if n < 0 {
		return nil, fmt.Errorf("flexbuf: string at %d is not NUL-terminated within the buffer", p)
	}
	return b[p : p+n], nil
}
