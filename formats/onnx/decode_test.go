package onnx

import (
	"encoding/binary"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// This file decodes exported models back with protowire, independently of the encoder: each message
// is split into its fields, then the fields the tests look at are read by number.

// field is one decoded protobuf field.
type field struct {
	num protowire.Number
	typ protowire.Type
	v   uint64 // varint and fixed32 values
	b   []byte // bytes values
}

// fields splits a message into its fields.
func fields(b []byte) ([]field, error) {
	var out []field
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		f := field{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(b)
			f.v = uint64(v)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(b)
		default:
			return nil, fmt.Errorf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		out = append(out, f)
	}
	return out, nil
}

// decodedModel is what the tests read of a ModelProto.
type decodedModel struct {
	irVersion int64
	opsets    map[string]int64
	producer  string
	graph     decodedGraph
}

type decodedGraph struct {
	name    string
	nodes   []decodedNode
	inits   map[string]decodedTensor
	initSeq []string // initializer names in file order
	inputs  []decodedValueInfo
	outputs []decodedValueInfo
}

type decodedNode struct {
	name, op string
	inputs   []string
	outputs  []string
	attrs    map[string]decodedAttr
}

type decodedAttr struct {
	typ  int64
	i    int64
	f    float32
	ints []int64
}

type decodedTensor struct {
	dims     []int64
	dataType int64
	raw      []byte
}

// floats returns a FLOAT tensor's elements.
func (t decodedTensor) floats() []float32 {
	out := make([]float32, len(t.raw)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:]))
	}
	return out
}

// int64s returns an INT64 tensor's elements.
func (t decodedTensor) int64s() []int64 {
	out := make([]int64, len(t.raw)/8)
	for i := range out {
		out[i] = int64(binary.LittleEndian.Uint64(t.raw[8*i:]))
	}
	return out
}

type decodedValueInfo struct {
	name     string
	elemType int64
	dims     []string // dim_value in decimal, or dim_param
}

func decodeModel(b []byte) (*decodedModel, error) {
	fs, err := fields(b)
	if err != nil {
		return nil, err
	}
	m := &decodedModel{opsets: map[string]int64{}}
	graphs := 0
	for _, f := range fs {
		switch f.num {
		case 1:
			m.irVersion = int64(f.v)
		case 2:
			m.producer = string(f.b)
		case 7:
			graphs++
			if m.graph, err = decodeGraph(f.b); err != nil {
				return nil, fmt.Errorf("graph: %w", err)
			}
		case 8:
			os, err := fields(f.b)
			if err != nil {
				return nil, err
			}
			var domain string
			var version int64
			for _, o := range os {
				switch o.num {
				case 1:
					domain = string(o.b)
				case 2:
					version = int64(o.v)
				}
			}
			m.opsets[domain] = version
		}
	}
	if graphs != 1 {
		return nil, fmt.Errorf("model has %d graphs", graphs)
	}
	return m, nil
}

func decodeGraph(b []byte) (decodedGraph, error) {
	g := decodedGraph{inits: map[string]decodedTensor{}}
	fs, err := fields(b)
	if err != nil {
		return g, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			n, err := decodeNode(f.b)
			if err != nil {
				return g, err
			}
			g.nodes = append(g.nodes, n)
		case 2:
			g.name = string(f.b)
		case 5:
			name, t, err := decodeTensor(f.b)
			if err != nil {
				return g, err
			}
			if _, dup := g.inits[name]; dup {
				return g, fmt.Errorf("initializer %q twice", name)
			}
			g.inits[name] = t
			g.initSeq = append(g.initSeq, name)
		case 11, 12:
			vi, err := decodeValueInfo(f.b)
			if err != nil {
				return g, err
			}
			if f.num == 11 {
				g.inputs = append(g.inputs, vi)
			} else {
				g.outputs = append(g.outputs, vi)
			}
		default:
			return g, fmt.Errorf("unexpected GraphProto field %d", f.num)
		}
	}
	return g, nil
}

func decodeNode(b []byte) (decodedNode, error) {
	n := decodedNode{attrs: map[string]decodedAttr{}}
	fs, err := fields(b)
	if err != nil {
		return n, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			n.inputs = append(n.inputs, string(f.b))
		case 2:
			n.outputs = append(n.outputs, string(f.b))
		case 3:
			n.name = string(f.b)
		case 4:
			n.op = string(f.b)
		case 5:
			afs, err := fields(f.b)
			if err != nil {
				return n, err
			}
			var name string
			var a decodedAttr
			for _, af := range afs {
				switch af.num {
				case 1:
					name = string(af.b)
				case 2:
					a.f = math.Float32frombits(uint32(af.v))
				case 3:
					a.i = int64(af.v)
				case 8:
					a.ints = append(a.ints, int64(af.v))
				case 20:
					a.typ = int64(af.v)
				default:
					return n, fmt.Errorf("unexpected AttributeProto field %d", af.num)
				}
			}
			n.attrs[name] = a
		default:
			return n, fmt.Errorf("unexpected NodeProto field %d", f.num)
		}
	}
	return n, nil
}

func decodeTensor(b []byte) (string, decodedTensor, error) {
	var t decodedTensor
	var name string
	fs, err := fields(b)
	if err != nil {
		return "", t, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			t.dims = append(t.dims, int64(f.v))
		case 2:
			t.dataType = int64(f.v)
		case 8:
			name = string(f.b)
		case 9:
			t.raw = f.b
		default:
			return "", t, fmt.Errorf("unexpected TensorProto field %d", f.num)
		}
	}
	n := int64(1)
	for _, d := range t.dims {
		n *= d
	}
	size := map[int64]int64{1: 4, 2: 1, 3: 1, 6: 4, 7: 8}[t.dataType]
	if size == 0 || int64(len(t.raw)) != n*size {
		return "", t, fmt.Errorf("tensor %q: type %d, dims %v, %d raw bytes", name, t.dataType, t.dims, len(t.raw))
	}
	return name, t, nil
}

// decodeValueInfo reads name, elem_type and shape of a tensor ValueInfoProto.
func decodeValueInfo(b []byte) (decodedValueInfo, error) {
	var vi decodedValueInfo
	fs, err := fields(b)
	if err != nil {
		return vi, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			vi.name = string(f.b)
		case 2:
			tfs, err := fields(f.b) // TypeProto
			if err != nil || len(tfs) != 1 || tfs[0].num != 1 {
				return vi, fmt.Errorf("value %q: not a tensor type", vi.name)
			}
			ttf, err := fields(tfs[0].b) // TypeProto.Tensor
			if err != nil {
				return vi, err
			}
			for _, t := range ttf {
				switch t.num {
				case 1:
					vi.elemType = int64(t.v)
				case 2:
					dims, err := fields(t.b) // TensorShapeProto
					if err != nil {
						return vi, err
					}
					for _, d := range dims {
						dfs, err := fields(d.b)
						if err != nil || len(dfs) != 1 {
							return vi, fmt.Errorf("value %q: bad dimension", vi.name)
						}
						if dfs[0].num == 1 {
							vi.dims = append(vi.dims, fmt.Sprint(dfs[0].v))
						} else {
							vi.dims = append(vi.dims, string(dfs[0].b))
						}
					}
				}
			}
		}
	}
	return vi, nil
}
