package flexbuf

import "strconv"

// Type is a FlexBuffers value type, as stored in the upper six bits of a packed type byte.
type Type uint8

// The FlexBuffers types (flexbuffers.h, enum Type).
const (
	TypeNull          Type = 0
	TypeInt           Type = 1
	TypeUint          Type = 2
	TypeFloat         Type = 3
	TypeKey           Type = 4
	TypeString        Type = 5
	TypeIndirectInt   Type = 6
	TypeIndirectUint  Type = 7
	TypeIndirectFloat Type = 8
	TypeMap           Type = 9
	TypeVector        Type = 10
	TypeVectorInt     Type = 11
	TypeVectorUint    Type = 12
	TypeVectorFloat   Type = 13
	TypeVectorKey     Type = 14
	TypeVectorString  Type = 15 // deprecated by the format
	TypeVectorInt2    Type = 16
	TypeVectorUint2   Type = 17
	TypeVectorFloat2  Type = 18
	TypeVectorInt3    Type = 19
	TypeVectorUint3   Type = 20
	TypeVectorFloat3  Type = 21
	TypeVectorInt4    Type = 22
	TypeVectorUint4   Type = 23
	TypeVectorFloat4  Type = 24
	TypeBlob          Type = 25
	TypeBool          Type = 26
	TypeVectorBool    Type = 36
)

var typeNames = [...]string{
	TypeNull: "NULL", TypeInt: "INT", TypeUint: "UINT", TypeFloat: "FLOAT", TypeKey: "KEY", TypeString: "STRING",
	TypeIndirectInt: "INDIRECT_INT", TypeIndirectUint: "INDIRECT_UINT", TypeIndirectFloat: "INDIRECT_FLOAT",
	TypeMap: "MAP", TypeVector: "VECTOR", TypeVectorInt: "VECTOR_INT", TypeVectorUint: "VECTOR_UINT",
	TypeVectorFloat: "VECTOR_FLOAT", TypeVectorKey: "VECTOR_KEY", TypeVectorString: "VECTOR_STRING",
	TypeVectorInt2: "VECTOR_INT2", TypeVectorUint2: "VECTOR_UINT2", TypeVectorFloat2: "VECTOR_FLOAT2",
	TypeVectorInt3: "VECTOR_INT3", TypeVectorUint3: "VECTOR_UINT3", TypeVectorFloat3: "VECTOR_FLOAT3",
	TypeVectorInt4: "VECTOR_INT4", TypeVectorUint4: "VECTOR_UINT4", TypeVectorFloat4: "VECTOR_FLOAT4",
	TypeBlob: "BLOB", TypeBool: "BOOL", TypeVectorBool: "VECTOR_BOOL",
}

// String returns the type's name as flexbuffers.h spells it (FBT_ prefix dropped), or
// "TYPE(n)" for a number the format does not define.
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "TYPE(" + strconv.Itoa(int(t)) + ")"
}

// inline reports whether values of type t are stored in place (in the parent's width) rather
// than behind a backward offset.
func (t Type) inline() bool {
	return t == TypeNull || t == TypeInt || t == TypeUint || t == TypeFloat || t == TypeBool
}
