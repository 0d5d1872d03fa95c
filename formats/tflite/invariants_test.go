package tflite

import (
	"fmt"
	"math"
)

// checkInvariants restates, independently of the parser's code, what Parse promises about
// a model it accepts, and exercises the accessors. It returns the first broken promise.
func checkInvariants(m *Model) error {
	if len(m.Subgraphs) == 0 {
		return fmt.Errorf("no subgraph 0")
	}
	if len(m.Buffers) == 0 || len(m.Buffers[0]) != 0 {
		return fmt.Errorf("buffer 0 is not an empty sentinel")
	}
	for i, c := range m.OperatorCodes {
		if c.Builtin < 0 || (c.Builtin == Custom && c.Custom == "") {
			return fmt.Errorf("operator code %d invalid: %+v", i, c)
		}
	}
	for _, md := range m.Metadata {
		if md.Buffer < 0 || md.Buffer >= len(m.Buffers) {
			return fmt.Errorf("metadata %q buffer %d out of range", md.Name, md.Buffer)
		}
	}
	for si := range m.Subgraphs {
		if err := checkSubgraphInvariants(m, &m.Subgraphs[si]); err != nil {
			return fmt.Errorf("subgraph %d: %v", si, err)
		}
	}
	// A corrupt archive is reported as an error, which is allowed; it must not panic.
	_, _ = m.AssociatedFiles()
	return nil
}

func checkSubgraphInvariants(m *Model, sg *Subgraph) error {
	n := len(sg.Tensors)
	for i := range sg.Tensors {
		if err := checkTensorInvariants(m, &sg.Tensors[i]); err != nil {
			return fmt.Errorf("tensor %d: %v", i, err)
		}
	}
	ready := make([]bool, n)
	for _, t := range sg.Inputs {
		if t < 0 || t >= n {
			return fmt.Errorf("input tensor %d out of range", t)
		}
		ready[t] = true
	}
	for i := range sg.Tensors {
		if m.TensorData(&sg.Tensors[i]) != nil || sg.Tensors[i].Variable {
			ready[i] = true
		}
	}
	written := make([]bool, n)
	for i, op := range sg.Operators {
		if op.Opcode < 0 || op.Opcode >= len(m.OperatorCodes) {
			return fmt.Errorf("operator %d opcode %d out of range", i, op.Opcode)
		}
		code := m.Op(sg, i)
		if _, ok := optionKinds[code.Builtin]; ok != (op.Options != nil) {
			return fmt.Errorf("operator %d (%s): options %T", i, code, op.Options)
		}
		for _, t := range op.Inputs {
			if t < -1 || t >= n {
				return fmt.Errorf("operator %d input tensor %d out of range", i, t)
			}
			if t >= 0 && !ready[t] {
				return fmt.Errorf("operator %d reads tensor %d before it is available", i, t)
			}
		}
		for _, t := range op.Outputs {
			if t < 0 || t >= n || written[t] {
				return fmt.Errorf("operator %d output tensor %d out of range or written twice", i, t)
			}
			written[t], ready[t] = true, true
		}
	}
	for _, t := range sg.Outputs {
		if t < 0 || t >= n || !ready[t] {
			return fmt.Errorf("output tensor %d out of range or never produced", t)
		}
	}
	return nil
}

func checkTensorInvariants(m *Model, t *Tensor) error {
	if len(t.Shape) > 8 {
		return fmt.Errorf("rank %d", len(t.Shape))
	}
	elements := int64(1)
	for _, d := range t.Shape {
		if d < 0 {
			return fmt.Errorf("negative dim in %v", t.Shape)
		}
		elements *= int64(d)
		if elements >= 1<<31 {
			return fmt.Errorf("shape %v too large", t.Shape)
		}
	}
	if int64(t.Elements()) != elements {
		return fmt.Errorf("Elements() = %d, want %d", t.Elements(), elements)
	}
	if t.Buffer < 0 || t.Buffer >= len(m.Buffers) {
		return fmt.Errorf("buffer %d out of range", t.Buffer)
	}
	if data := m.TensorData(t); data != nil && t.Type.Size() != 0 && int64(len(data)) != elements*int64(t.Type.Size()) {
		return fmt.Errorf("%d data bytes for %d %s elements", len(data), elements, t.Type)
	}
	q := t.Quant
	if q == nil {
		return nil
	}
	if len(q.Scale) == 0 || len(q.Scale) != len(q.ZeroPoint) {
		return fmt.Errorf("%d scales, %d zero points", len(q.Scale), len(q.ZeroPoint))
	}
	if q.PerChannel() && (q.Axis < 0 || q.Axis >= len(t.Shape) || t.Shape[q.Axis] != len(q.Scale)) {
		return fmt.Errorf("%d scales on axis %d of %v", len(q.Scale), q.Axis, t.Shape)
	}
	for c, s := range q.Scale {
		if math.IsNaN(float64(s)) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("scale %d is %v", c, s)
		}
		if (t.Type == Uint8 || t.Type == Int8) && s <= 0 {
			return fmt.Errorf("scale %d is %v", c, s)
		}
	}
	return nil
}
