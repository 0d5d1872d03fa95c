package train

import (
	"fmt"

	"github.com/mobilenet-go/mobilenet/graph"
)

// newStep returns the trainable form of node n. This switch is the table of the ops training can
// differentiate; each row names the forward pass kept on the tape and the backward pass:
//
//	Conv2D           im2col (none for 1×1) and matmul; dW = dYᵀ·cols, dX = col2im(dY·W); grouped: reference loops
//	DepthwiseConv2D  direct loops; dW and dX by the same taps; multiplier > 1: reference loops
//	FullyConnected   matmul; dW = dYᵀ·X, dX = dY·W, dB = Σ dY
//	BatchNorm        training: batch statistics, moving statistics updated; inference or frozen: moving
//	                 statistics; backward through the statistics in training mode
//	Activation       clamp (ReLU, ReLU6); dX = dY where the input was not clamped
//	GlobalAvgPool    mean over pixels; dX = dY/(H·W)
//	AvgPool2D        reference loops, forward and backward
//	Reshape          shares its input's storage; nothing to do
//	Softmax          the network's last node only: probabilities; its input (the logits) gets the
//	                 cross-entropy gradient directly
//
// train reports whether the node's parameters are trained (false in a frozen backbone).
func newStep(t *tape, n *graph.Node, train bool) (step, error) {
	switch op := n.Op.(type) {
	case *graph.Conv2D:
		return newConv(t, n, op, train)
	case *graph.DepthwiseConv2D:
		return newDepthwise(t, n, op, train)
	case *graph.FullyConnected:
		return newFullyConnected(t, n, op, train)
	case *graph.BatchNorm:
		return newBatchNorm(t, n, op, train)
	case *graph.Activation:
		return newActivation(t, n, op.Act)
	case *graph.GlobalAvgPool:
		return newGlobalAvgPool(t, n)
	case *graph.AvgPool2D:
		return newAvgPool(t, n, op)
	case *graph.Reshape:
		return newReshape(t, n)
	case *graph.Softmax:
		return newSoftmax(t, n, op)
	}
	return nil, fmt.Errorf("train: node %s: op %s has no backward pass", n.Name, n.Op.Type())
}
