package tflite

import (
	flatbuffers "github.com/google/flatbuffers/go"
)

// This file builds small TFLite models with the flatbuffers Builder, so tests can state
// exactly what a model holds and break one property at a time. Slot numbers are the
// schema's field ids.

type fbTensor struct {
	shape    []int32
	typ      int8
	buffer   uint32
	name     string
	scale    []float32
	zp       []int64
	qdim     int32
	variable bool
}

type fbOp struct {
	opcode          uint32
	inputs, outputs []int32
	optType         uint8
	opts            func(*flatbuffers.Builder) flatbuffers.UOffsetT
	custom          []byte
}

type fbModel struct {
	version     uint32
	codes       []int32
	customNames map[int]string // operator code index → custom_code
	buffers     [][]byte
	tensors     []fbTensor
	inputs      []int32
	outputs     []int32
	ops         []fbOp
	noSubgraphs bool
	// repeatTensor, when > 0, makes the tensors vector hold that many references to
	// tensor 0's table (for the decode-budget test).
	repeatTensor int
	trailer      []byte // appended after the finished flatbuffer
	metadata     []fbMetadata
}

type fbMetadata struct {
	name   string
	buffer uint32
}

// convModel returns a valid one-operator model: a 1×1 uint8 convolution.
//
//	t0 input  uint8 [1,4,4,2]  scale 0.5  zp 128
//	t1 filter uint8 [3,1,1,2]  scale 0.25 zp 127 (buffer 1, 6 bytes)
//	t2 bias   int32 [3]        scale 0.125        (buffer 2, 12 bytes)
//	t3 output uint8 [1,4,4,3]  scale 1    zp 0
func convModel() fbModel {
	return fbModel{
		version: 3,
		codes:   []int32{int32(Conv2D)},
		buffers: [][]byte{nil, {1, 2, 3, 4, 5, 6}, make([]byte, 12)},
		tensors: []fbTensor{
			{shape: []int32{1, 4, 4, 2}, typ: int8(Uint8), name: "input", scale: []float32{0.5}, zp: []int64{128}},
			{shape: []int32{3, 1, 1, 2}, typ: int8(Uint8), buffer: 1, name: "filter", scale: []float32{0.25}, zp: []int64{127}},
			{shape: []int32{3}, typ: int8(Int32), buffer: 2, name: "bias", scale: []float32{0.125}, zp: []int64{0}},
			{shape: []int32{1, 4, 4, 3}, typ: int8(Uint8), name: "output", scale: []float32{1}, zp: []int64{0}},
		},
		inputs:  []int32{0},
		outputs: []int32{3},
		ops: []fbOp{{
			opcode: 0, inputs: []int32{0, 1, 2}, outputs: []int32{3},
			optType: unionConv2D, opts: conv2DOpts(int8(Valid), 1, 1, int8(ActRelu6)),
		}},
	}
}

// chainModel returns a valid two-operator model: convModel followed by RELU on its output.
//
//	op 0 CONV_2D t0,t1,t2 → t3;  op 1 RELU t3 → t4
func chainModel() fbModel {
	m := convModel()
	m.codes = append(m.codes, int32(Relu))
	m.tensors = append(m.tensors, fbTensor{shape: []int32{1, 4, 4, 3}, typ: int8(Uint8), name: "relu", scale: []float32{1}, zp: []int64{0}})
	m.ops = append(m.ops, fbOp{opcode: 1, inputs: []int32{3}, outputs: []int32{4}})
	m.outputs = []int32{4}
	return m
}

func conv2DOpts(padding int8, strideW, strideH int32, act int8) func(*flatbuffers.Builder) flatbuffers.UOffsetT {
	return func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(6)
		b.PrependInt8Slot(0, padding, 0)
		b.PrependInt32Slot(1, strideW, 0)
		b.PrependInt32Slot(2, strideH, 0)
		b.PrependInt8Slot(3, act, 0)
		return b.EndObject()
	}
}

func pool2DOpts(strideW, strideH, filterW, filterH int32) func(*flatbuffers.Builder) flatbuffers.UOffsetT {
	return func(b *flatbuffers.Builder) flatbuffers.UOffsetT {
		b.StartObject(6)
		b.PrependInt8Slot(0, int8(Valid), 0)
		b.PrependInt32Slot(1, strideW, 0)
		b.PrependInt32Slot(2, strideH, 0)
		b.PrependInt32Slot(3, filterW, 0)
		b.PrependInt32Slot(4, filterH, 0)
		return b.EndObject()
	}
}

func int32Vector(b *flatbuffers.Builder, v []int32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt32(v[i])
	}
	return b.EndVector(len(v))
}

func float32Vector(b *flatbuffers.Builder, v []float32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependFloat32(v[i])
	}
	return b.EndVector(len(v))
}

func int64Vector(b *flatbuffers.Builder, v []int64) flatbuffers.UOffsetT {
	b.StartVector(8, len(v), 8)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependInt64(v[i])
	}
	return b.EndVector(len(v))
}

func offsetVector(b *flatbuffers.Builder, v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependUOffsetT(v[i])
	}
	return b.EndVector(len(v))
}

func (m fbModel) buildTensor(b *flatbuffers.Builder, t fbTensor) flatbuffers.UOffsetT {
	name := b.CreateString(t.name)
	var shape, quant flatbuffers.UOffsetT
	if t.shape != nil {
		shape = int32Vector(b, t.shape)
	}
	if t.scale != nil || t.zp != nil {
		var scale, zp flatbuffers.UOffsetT
		if t.scale != nil {
			scale = float32Vector(b, t.scale)
		}
		if t.zp != nil {
			zp = int64Vector(b, t.zp)
		}
		b.StartObject(7)
		if t.scale != nil {
			b.PrependUOffsetTSlot(2, scale, 0)
		}
		if t.zp != nil {
			b.PrependUOffsetTSlot(3, zp, 0)
		}
		b.PrependInt32Slot(6, t.qdim, 0)
		quant = b.EndObject()
	}
	b.StartObject(6)
	if t.shape != nil {
		b.PrependUOffsetTSlot(0, shape, 0)
	}
	b.PrependInt8Slot(1, t.typ, 0)
	b.PrependUint32Slot(2, t.buffer, 0)
	b.PrependUOffsetTSlot(3, name, 0)
	if quant != 0 {
		b.PrependUOffsetTSlot(4, quant, 0)
	}
	b.PrependBoolSlot(5, t.variable, false)
	return b.EndObject()
}

func (m fbModel) buildOp(b *flatbuffers.Builder, op fbOp) flatbuffers.UOffsetT {
	in := int32Vector(b, op.inputs)
	out := int32Vector(b, op.outputs)
	var opts, custom flatbuffers.UOffsetT
	if op.opts != nil {
		opts = op.opts(b)
	}
	if op.custom != nil {
		custom = b.CreateByteVector(op.custom)
	}
	b.StartObject(7)
	b.PrependUint32Slot(0, op.opcode, 0)
	b.PrependUOffsetTSlot(1, in, 0)
	b.PrependUOffsetTSlot(2, out, 0)
	b.PrependUint8Slot(3, op.optType, 0)
	if opts != 0 {
		b.PrependUOffsetTSlot(4, opts, 0)
	}
	if custom != 0 {
		b.PrependUOffsetTSlot(5, custom, 0)
	}
	return b.EndObject()
}

// build serialises the model as a .tflite file.
func (m fbModel) build() []byte {
	b := flatbuffers.NewBuilder(1024)

	bufs := make([]flatbuffers.UOffsetT, len(m.buffers))
	for i, data := range m.buffers {
		var v flatbuffers.UOffsetT
		if data != nil {
			v = b.CreateByteVector(data)
		}
		b.StartObject(3)
		if data != nil {
			b.PrependUOffsetTSlot(0, v, 0)
		}
		bufs[i] = b.EndObject()
	}
	buffers := offsetVector(b, bufs)

	codes := make([]flatbuffers.UOffsetT, len(m.codes))
	for i, c := range m.codes {
		var name flatbuffers.UOffsetT
		custom, isCustom := m.customNames[i]
		if isCustom {
			name = b.CreateString(custom)
		}
		b.StartObject(4)
		b.PrependInt8Slot(0, int8(min(c, 127)), 0)
		if isCustom {
			b.PrependUOffsetTSlot(1, name, 0)
		}
		b.PrependInt32Slot(2, 1, 0)
		b.PrependInt32Slot(3, c, 0)
		codes[i] = b.EndObject()
	}
	opcodes := offsetVector(b, codes)

	var subgraphs flatbuffers.UOffsetT
	if m.noSubgraphs {
		subgraphs = offsetVector(b, nil)
	} else {
		tensors := make([]flatbuffers.UOffsetT, len(m.tensors))
		for i, t := range m.tensors {
			tensors[i] = m.buildTensor(b, t)
		}
		if m.repeatTensor > 0 {
			first := tensors[0]
			tensors = make([]flatbuffers.UOffsetT, m.repeatTensor)
			for i := range tensors {
				tensors[i] = first
			}
		}
		tv := offsetVector(b, tensors)
		ops := make([]flatbuffers.UOffsetT, len(m.ops))
		for i, op := range m.ops {
			ops[i] = m.buildOp(b, op)
		}
		ov := offsetVector(b, ops)
		in := int32Vector(b, m.inputs)
		out := int32Vector(b, m.outputs)
		name := b.CreateString("main")
		b.StartObject(5)
		b.PrependUOffsetTSlot(0, tv, 0)
		b.PrependUOffsetTSlot(1, in, 0)
		b.PrependUOffsetTSlot(2, out, 0)
		b.PrependUOffsetTSlot(3, ov, 0)
		b.PrependUOffsetTSlot(4, name, 0)
		subgraphs = offsetVector(b, []flatbuffers.UOffsetT{b.EndObject()})
	}

	meta := make([]flatbuffers.UOffsetT, len(m.metadata))
	for i, md := range m.metadata {
		name := b.CreateString(md.name)
		b.StartObject(2)
		b.PrependUOffsetTSlot(0, name, 0)
		b.PrependUint32Slot(1, md.buffer, 0)
		meta[i] = b.EndObject()
	}
	metadata := offsetVector(b, meta)

	desc := b.CreateString("built by the tflite tests")
	b.StartObject(8)
	b.PrependUint32Slot(0, m.version, 0)
	b.PrependUOffsetTSlot(1, opcodes, 0)
	b.PrependUOffsetTSlot(2, subgraphs, 0)
	b.PrependUOffsetTSlot(3, desc, 0)
	b.PrependUOffsetTSlot(4, buffers, 0)
	b.PrependUOffsetTSlot(6, metadata, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte(fileIdentifier))
	return append(append([]byte(nil), b.FinishedBytes()...), m.trailer...)
}
