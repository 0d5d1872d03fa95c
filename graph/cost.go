package graph

import "github.com/mobilenet-go/mobilenet/tensor"

// LayerCost is one row of the cost report.
type LayerCost struct {
	Name     string  `json:"name"`
	Type     string  `json:"type"`
	Stride   int     `json:"stride"`
	Input    []int   `json:"input"`  // [h, w, c]
	Output   []int   `json:"output"` // [h, w, c]
	Params   int64   `json:"params"`
	MultAdds int64   `json:"mult_adds"`
	Share    float64 `json:"mult_adds_share"` // of the total mult-adds
}

// TypeCost sums the layers of one type, with their shares of the totals (fractions).
type TypeCost struct {
	MultAdds      int64   `json:"mult_adds"`
	Params        int64   `json:"params"`
	MultAddsShare float64 `json:"mult_adds_share"`
	ParamsShare   float64 `json:"params_share"`
}

// BlockCost compares a depthwise separable block with the standard convolution it replaces (same
// kernel, stride, input and output channels): the paper's ratio 1/N + 1/K².
type BlockCost struct {
	Depthwise        string  `json:"depthwise"`
	Pointwise        string  `json:"pointwise"`
	MultAdds         int64   `json:"mult_adds"`
	StandardMultAdds int64   `json:"standard_mult_adds"`
	Ratio            float64 `json:"ratio"`   // MultAdds / StandardMultAdds
	Formula          float64 `json:"formula"` // 1/N + 1/K²
}

// Summary is the cost report of a graph: the paper's way of counting, mult-adds of convolutions and
// fully connected layers, params their weights, and params_total every trained parameter.
type Summary struct {
	MultAdds    int64               `json:"mult_adds"`
	Params      int64               `json:"params"`
	ParamsTotal int64               `json:"params_total"`
	ByType      map[string]TypeCost `json:"by_type"`
	Layers      []LayerCost         `json:"layers"`
	Blocks      []BlockCost         `json:"separable_blocks"`
}

// Summarize computes the cost report of g at batch 1. Batch norm and activation nodes are part of the
// layer before them: they add no row, and their trained parameters count in ParamsTotal.
func Summarize(g *Graph) *Summary {
	s := &Summary{ByType: map[string]TypeCost{}}
	for _, t := range []string{TypeConv, TypeDepthwise, TypePointwise, TypeFullyConnected} {
		s.ByType[t] = TypeCost{}
	}
	var pendingDW *LayerCost
	var dwKernel int
	for _, n := range g.Nodes {
		in, out := g.pick(n.Inputs), g.pick(n.Outputs)
		info := n.Op.Describe(in, out)
		s.MultAdds += info.MultAdds
		s.Params += info.Params
		s.ParamsTotal += info.Trainable
		if info.Type == TypeBatchNorm || info.Type == TypeActivation {
			continue
		}
		row := LayerCost{Name: n.Name, Type: info.Type, Stride: info.Stride, Input: hwc(in[0].Shape),
			Output: hwc(out[0].Shape), Params: info.Params, MultAdds: info.MultAdds}
		s.Layers = append(s.Layers, row)
		if tc, ok := s.ByType[info.Type]; ok {
			tc.MultAdds += info.MultAdds
			tc.Params += info.Params
			s.ByType[info.Type] = tc
		}
		switch info.Type {
		case TypeDepthwise:
			pendingDW = &s.Layers[len(s.Layers)-1]
			dwKernel = in[1].Shape[1]
		case TypePointwise:
			if pendingDW != nil && pendingDW.Output[2] == row.Input[2] {
				s.Blocks = append(s.Blocks, block(pendingDW, &row, dwKernel))
			}
			pendingDW = nil
		default:
			pendingDW = nil
		}
	}
	for i := range s.Layers {
		s.Layers[i].Share = frac(s.Layers[i].MultAdds, s.MultAdds)
	}
	for t, tc := range s.ByType {
		tc.MultAddsShare, tc.ParamsShare = frac(tc.MultAdds, s.MultAdds), frac(tc.Params, s.Params)
		s.ByType[t] = tc
	}
	return s
}

func block(dw, pw *LayerCost, k int) BlockCost {
	m, n := int64(dw.Input[2]), int64(pw.Output[2])
	std := int64(k*k) * m * n * int64(dw.Output[0]) * int64(dw.Output[1])
	sep := dw.MultAdds + pw.MultAdds
	return BlockCost{Depthwise: dw.Name, Pointwise: pw.Name, MultAdds: sep, StandardMultAdds: std,
		Ratio: frac(sep, std), Formula: 1/float64(n) + 1/float64(k*k)}
}

func (g *Graph) pick(ids []int) []*Value {
	vs := make([]*Value, len(ids))
	for i, id := range ids {
		if id >= 0 {
			vs[i] = g.Values[id]
		}
	}
	return vs
}

// hwc returns the dimensions after the batch, as [h, w, c] (rank-2 activations as [1, 1, c]).
func hwc(s tensor.Shape) []int {
	switch len(s) {
	case 4:
		return []int{s[1], s[2], s[3]}
	case 2:
		return []int{1, 1, s[1]}
	}
	return append([]int(nil), s[min(1, len(s)):]...)
}

func frac(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
