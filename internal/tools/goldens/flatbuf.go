package main

import (
	"encoding/binary"
	"fmt"
	"math"
)

// tensorInfo is what the generator needs to know about one tensor of a .tflite model.
type tensorInfo struct {
	Index int
	Name  string
	Shape []int
	Type  int // TensorType: FLOAT32 0, INT32 2, UINT8 3, INT8 9
	Scale float32
	Zero  int64
	Quant bool // one scale and zero point are present
}

// elems returns the number of elements of the tensor.
func (t tensorInfo) elems() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// graph is the main subgraph of a model: its tensors, inputs and outputs, and where the outputs vector
// offset is stored (for rewriting the outputs list).
type graph struct {
	Tensors    []tensorInfo
	Inputs     []int
	Outputs    []int
	outputsPos int // absolute position of the SubGraph.outputs offset field
}

// fbuf reads a flatbuffer with bounds checks on every access.
type fbuf []byte

func (b fbuf) u16(pos int) (int, error) {
	if pos < 0 || pos+2 > len(b) {
		return 0, fmt.Errorf("goldens: u16 at %d out of range (file is %d bytes)", pos, len(b))
	}
	return int(binary.LittleEndian.Uint16(b[pos:])), nil
}

func (b fbuf) u32(pos int) (uint32, error) {
	if pos < 0 || pos+4 > len(b) {
		return 0, fmt.Errorf("goldens: u32 at %d out of range (file is %d bytes)", pos, len(b))
	}
	return binary.LittleEndian.Uint32(b[pos:]), nil
}

// ref follows the unsigned offset stored at pos.
func (b fbuf) ref(pos int) (int, error) {
	off, err := b.u32(pos)
	if err != nil {
		return 0, err
	}
	to := pos + int(off)
	if to >= len(b) {
		return 0, fmt.Errorf("goldens: offset at %d points to %d, past the end (%d bytes)", pos, to, len(b))
	}
	return to, nil
}

// table is a flatbuffer table: its position and its vtable.
type table struct {
	b      fbuf
	pos    int
	vt     int
	vtSize int
}

func (b fbuf) table(pos int) (table, error) {
	so, err := b.u32(pos)
	if err != nil {
		return table{}, err
	}
	vt := pos - int(int32(so))
	size, err := b.u16(vt)
	if err != nil {
		return table{}, fmt.Errorf("goldens: table at %d: vtable: %w", pos, err)
	}
	if size < 4 || vt+size > len(b) {
		return table{}, fmt.Errorf("goldens: table at %d: vtable at %d has bad size %d", pos, vt, size)
	}
	return table{b: b, pos: pos, vt: vt, vtSize: size}, nil
}

// field returns the absolute position of field k, or -1 when it is absent.
func (t table) field(k int) (int, error) {
	at := 4 + 2*k
	if at+2 > t.vtSize {
		return -1, nil
	}
	off, err := t.b.u16(t.vt + at)
	if err != nil || off == 0 {
		return -1, err
	}
	return t.pos + off, nil
}

// sub follows field k to a table, a vector or a string; it returns -1 when the field is absent.
func (t table) sub(k int) (int, error) {
	p, err := t.field(k)
	if err != nil || p < 0 {
		return -1, err
	}
	return t.b.ref(p)
}

// vector returns the position of the first element and the length of the vector at pos.
func (b fbuf) vector(pos, elem int) (int, int, error) {
	n, err := b.u32(pos)
	if err != nil {
		return 0, 0, err
	}
	if uint64(pos)+4+uint64(n)*uint64(elem) > uint64(len(b)) {
		return 0, 0, fmt.Errorf("goldens: vector at %d of %d elements runs past the end (%d bytes)", pos, n, len(b))
	}
	return pos + 4, int(n), nil
}

// ints reads an int32 vector field; absent gives nil.
func (t table) ints(k int) ([]int, error) {
	p, err := t.sub(k)
	if err != nil || p < 0 {
		return nil, err
	}
	start, n, err := t.b.vector(p, 4)
	if err != nil {
		return nil, err
	}
	out := make([]int, n)
	for i := range out {
		out[i] = int(int32(binary.LittleEndian.Uint32(t.b[start+4*i:])))
	}
	return out, nil
}

func (t table) str(k int) (string, error) {
	p, err := t.sub(k)
	if err != nil || p < 0 {
		return "", err
	}
	start, n, err := t.b.vector(p, 1)
	if err != nil {
		return "", err
	}
	return string(t.b[start : start+n]), nil
}

func (t table) i8(k int) (int, error) {
	p, err := t.field(k)
	if err != nil || p < 0 {
		return 0, err
	}
	if p >= len(t.b) {
		return 0, fmt.Errorf("goldens: byte field at %d out of range", p)
	}
	return int(int8(t.b[p])), nil
}

// tables reads a vector of tables at field k.
func (t table) tables(k int) ([]table, error) {
	p, err := t.sub(k)
	if err != nil || p < 0 {
		return nil, err
	}
	start, n, err := t.b.vector(p, 4)
	if err != nil {
		return nil, err
	}
	out := make([]table, n)
	for i := range out {
		q, err := t.b.ref(start + 4*i)
		if err != nil {
			return nil, err
		}
		if out[i], err = t.b.table(q); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readGraph parses subgraph 0 of a .tflite file (field ids from shared/docs/FACTS.md §3).
func readGraph(model []byte) (*graph, error) {
	b := fbuf(model)
	if len(b) < 8 || string(b[4:8]) != "TFL3" {
		return nil, fmt.Errorf("goldens: not a .tflite file (no TFL3 identifier)")
	}
	rootPos, err := b.ref(0)
	if err != nil {
		return nil, err
	}
	root, err := b.table(rootPos)
	if err != nil {
		return nil, err
	}
	subs, err := root.tables(2)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("goldens: model has no subgraphs")
	}
	sg := subs[0]
	g := &graph{}
	if g.Inputs, err = sg.ints(1); err != nil {
		return nil, err
	}
	if g.Outputs, err = sg.ints(2); err != nil {
		return nil, err
	}
	if g.outputsPos, err = sg.field(2); err != nil {
		return nil, err
	}
	ts, err := sg.tables(0)
	if err != nil {
		return nil, err
	}
	for i, tt := range ts {
		ti := tensorInfo{Index: i}
		if ti.Shape, err = tt.ints(0); err != nil {
			return nil, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		if ti.Type, err = tt.i8(1); err != nil {
			return nil, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		if ti.Name, err = tt.str(3); err != nil {
			return nil, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		if err := readQuant(tt, &ti); err != nil {
			return nil, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		g.Tensors = append(g.Tensors, ti)
	}
	for _, list := range [][]int{g.Inputs, g.Outputs} {
		for _, i := range list {
			if i < 0 || i >= len(g.Tensors) {
				return nil, fmt.Errorf("goldens: graph input/output %d out of range (%d tensors)", i, len(g.Tensors))
			}
		}
	}
	return g, nil
}

// readQuant reads a per-tensor scale and zero point, if the tensor has exactly one of each.
func readQuant(tt table, ti *tensorInfo) error {
	qp, err := tt.sub(4)
	if err != nil || qp < 0 {
		return err
	}
	q, err := tt.b.table(qp)
	if err != nil {
		return err
	}
	sp, err := q.sub(2)
	if err != nil || sp < 0 {
		return err
	}
	zp, err := q.sub(3)
	if err != nil || zp < 0 {
		return err
	}
	s0, ns, err := q.b.vector(sp, 4)
	if err != nil {
		return err
	}
	z0, nz, err := q.b.vector(zp, 8)
	if err != nil {
		return err
	}
	if ns != 1 || nz != 1 {
		return nil
	}
	ti.Scale = math.Float32frombits(binary.LittleEndian.Uint32(q.b[s0:]))
	ti.Zero = int64(binary.LittleEndian.Uint64(q.b[z0:]))
	ti.Quant = true
	return nil
}

// withOutputs returns a copy of the model whose main subgraph outputs the given tensors. The new outputs
// vector is appended at the end of the file (4-byte aligned) and the SubGraph.outputs offset, which sits
// before it, is repointed there: flatbuffer offsets only point forward, so nothing else moves.
func withOutputs(model []byte, g *graph, outputs []int) ([]byte, error) {
	if g.outputsPos < 0 {
		return nil, fmt.Errorf("goldens: subgraph has no outputs field to rewrite")
	}
	out := make([]byte, len(model), len(model)+8+4*len(outputs))
	copy(out, model)
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	vec := len(out)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(outputs)))
	for _, t := range outputs {
		if t < 0 || t >= len(g.Tensors) {
			return nil, fmt.Errorf("goldens: output tensor %d out of range (%d tensors)", t, len(g.Tensors))
		}
		out = binary.LittleEndian.AppendUint32(out, uint32(t))
	}
	binary.LittleEndian.PutUint32(out[g.outputsPos:], uint32(vec-g.outputsPos))
	return out, nil
}

// withRank1AxisZero returns a copy of the model in which every rank-1 tensor of the main subgraph whose
// quantization stores a quantized_dimension other than 0 stores 0, and how many it changed. Old
// converters copied a depthwise filter's axis (3) onto its rank-1 per-channel bias; the oracle's
// interpreter refuses that, and for a rank-1 tensor axis 0 is the only one there is. The field is an
// int32 stored in place, so only those four bytes change.
func withRank1AxisZero(model []byte) ([]byte, int, error) {
	out := append([]byte(nil), model...)
	b := fbuf(out)
	if len(b) < 8 || string(b[4:8]) != "TFL3" {
		return nil, 0, fmt.Errorf("goldens: not a .tflite file (no TFL3 identifier)")
	}
	rootPos, err := b.ref(0)
	if err != nil {
		return nil, 0, err
	}
	root, err := b.table(rootPos)
	if err != nil {
		return nil, 0, err
	}
	subs, err := root.tables(2)
	if err != nil || len(subs) == 0 {
		return nil, 0, fmt.Errorf("goldens: model has no subgraphs (%v)", err)
	}
	ts, err := subs[0].tables(0)
	if err != nil {
		return nil, 0, err
	}
	changed := 0
	for i, tt := range ts {
		shape, err := tt.ints(0)
		if err != nil {
			return nil, 0, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		qp, err := tt.sub(4)
		if err != nil || qp < 0 || len(shape) != 1 {
			if err != nil {
				return nil, 0, fmt.Errorf("goldens: tensor %d: %w", i, err)
			}
			continue
		}
		q, err := b.table(qp)
		if err != nil {
			return nil, 0, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		at, err := q.field(6) // QuantizationParameters.quantized_dimension
		if err != nil || at < 0 {
			if err != nil {
				return nil, 0, fmt.Errorf("goldens: tensor %d: %w", i, err)
			}
			continue
		}
		v, err := b.u32(at)
		if err != nil {
			return nil, 0, fmt.Errorf("goldens: tensor %d: %w", i, err)
		}
		if v != 0 {
			binary.LittleEndian.PutUint32(out[at:], 0)
			changed++
		}
	}
	return out, changed, nil
}
