package tflite

import "fmt"

// checkDataflow checks that subgraph si can run its operators in the stored order: every
// operator input is a constant, a subgraph input, a variable or the output of an earlier
// operator; no tensor is written twice, and no operator writes a constant or a subgraph
// input; every subgraph output is available once all operators have run.
func (m *Model) checkDataflow(si int) error {
	sg := &m.Subgraphs[si]
	const none = -1
	producer := make([]int, len(sg.Tensors))
	for i := range producer {
		producer[i] = none
	}
	isInput := make([]bool, len(sg.Tensors))
	for _, t := range sg.Inputs {
		isInput[t] = true
	}
	opName := func(i int) string {
		return fmt.Sprintf("operator %d (%s)", i, m.opName(sg.Operators[i].Opcode))
	}
	source := func(t int) bool {
		return isInput[t] || sg.Tensors[t].Variable || m.TensorData(&sg.Tensors[t]) != nil
	}
	for i, op := range sg.Operators {
		for k, t := range op.Outputs {
			switch {
			case isInput[t]:
				return fmt.Errorf("tflite: subgraph %d %s: output %d is tensor %d (%q), a subgraph input", si, opName(i), k, t, sg.Tensors[t].Name)
			case m.TensorData(&sg.Tensors[t]) != nil:
				return fmt.Errorf("tflite: subgraph %d %s: output %d is tensor %d (%q), a constant", si, opName(i), k, t, sg.Tensors[t].Name)
			case producer[t] == i:
				return fmt.Errorf("tflite: subgraph %d %s: writes tensor %d (%q) twice", si, opName(i), t, sg.Tensors[t].Name)
			case producer[t] != none:
				return fmt.Errorf("tflite: subgraph %d: tensor %d (%q) is written by %s and by %s", si, t, sg.Tensors[t].Name, opName(producer[t]), opName(i))
			}
			producer[t] = i
		}
	}
	for i, op := range sg.Operators {
		for k, t := range op.Inputs {
			if t < 0 || source(t) {
				continue
			}
			switch p := producer[t]; {
			case p == none:
				return fmt.Errorf("tflite: subgraph %d %s: input %d is tensor %d (%q), which is no constant, subgraph input or operator output", si, opName(i), k, t, sg.Tensors[t].Name)
			case p == i:
				return fmt.Errorf("tflite: subgraph %d %s: input %d is tensor %d (%q), its own output", si, opName(i), k, t, sg.Tensors[t].Name)
			case p > i:
				return fmt.Errorf("tflite: subgraph %d %s: input %d is tensor %d (%q), produced later by %s (a cycle or out-of-order operators)", si, opName(i), k, t, sg.Tensors[t].Name, opName(p))
			}
		}
	}
	for k, t := range sg.Outputs {
		if producer[t] == none && !source(t) {
			return fmt.Errorf("tflite: subgraph %d: output %d is tensor %d (%q), which no operator produces", si, k, t, sg.Tensors[t].Name)
		}
	}
	return nil
}
