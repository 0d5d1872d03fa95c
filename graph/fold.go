package graph

import (
	"github.com/mobilenet-go/mobilenet/kernels/ref"
	"github.com/mobilenet-go/mobilenet/tensor"
)

// Fold returns the inference form of g: each float BatchNorm that is the only reader of a convolution's
// output is folded into that convolution's weights and bias (w′ = w·γ/√(σ²+ε), b′ = (b − μ)·γ/√(σ²+ε) + β),
// and each Activation that is the only reader of a convolution's output becomes the convolution's fused
// activation. g is not modified; values that do not change are shared.
func Fold(g *Graph) *Graph {
	f := &Graph{Name: g.Name, Values: append([]*Value(nil), g.Values...), Inputs: g.Inputs, Outputs: g.Outputs}
	consumers := g.Consumers()
	output := map[int]bool{}
	for _, id := range g.Outputs {
		output[id] = true
	}
	producer := map[int]*Node{} // value id → the node of f that computes it
	for _, n := range g.Nodes {
		var prev *Node
		if len(n.Inputs) > 0 && n.Inputs[0] >= 0 {
			x := n.Inputs[0]
			if p := producer[x]; p != nil && len(consumers[x]) == 1 && !output[x] && g.Values[x].DType == tensor.Float32 {
				prev = p
			}
		}
		if prev != nil && f.absorb(prev, n) {
			prev.Outputs = n.Outputs
			producer[n.Outputs[0]] = prev
			continue
		}
		c := &Node{Name: n.Name, Op: n.Op, Inputs: append([]int(nil), n.Inputs...), Outputs: n.Outputs}
		switch op := n.Op.(type) {
		case *Conv2D:
			cp := *op
			c.Op = &cp
		case *DepthwiseConv2D:
			cp := *op
			c.Op = &cp
		}
		f.Nodes = append(f.Nodes, c)
		for _, id := range n.Outputs {
			producer[id] = c
		}
	}
	return f
}

// absorb folds node n (a BatchNorm or an Activation) into prev (a convolution of f) when it can.
func (f *Graph) absorb(prev, n *Node) bool {
	act := func() *Act {
		switch op := prev.Op.(type) {
		case *Conv2D:
			return &op.Act
		case *DepthwiseConv2D:
			return &op.Act
		}
		return nil
	}()
	if act == nil {
		return false
	}
	switch op := n.Op.(type) {
	case *Activation:
		if *act != ActNone {
			return false
		}
		*act = op.Act
		return true
	case *BatchNorm:
		if *act != ActNone {
			return false
		}
		f.foldBN(prev, n, op)
		return true
	}
	return false
}

func (f *Graph) foldBN(conv, bn *Node, op *BatchNorm) {
	wv := f.Values[conv.Inputs[1]]
	_, channelLast := conv.Op.(*DepthwiseConv2D)
	cout := wv.Shape[0]
	if channelLast {
		cout = wv.Shape[3]
	}
	w := append([]float32(nil), wv.Data.F32...)
	var bias []float32
	if len(conv.Inputs) == 3 && conv.Inputs[2] >= 0 {
		bias = f.Values[conv.Inputs[2]].Data.F32
	}
	vals := make([][]float32, 4)
	for i := range vals {
		vals[i] = f.Values[bn.Inputs[i+1]].Data.F32
	}
	nb := ref.FoldBatchNorm(w, cout, channelLast, bias, vals[0], vals[1], vals[2], vals[3], op.Epsilon)
	wt, _ := tensor.FromFloat32(wv.Shape, w)
	bt, _ := tensor.FromFloat32(tensor.Shape{cout}, nb)
	wid := f.AddConst(wv.Name, wt)
	bid := f.AddConst(bn.Name+"/folded_bias", bt)
	conv.Inputs = []int{conv.Inputs[0], wid, bid}
}
