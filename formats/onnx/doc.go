// Package onnx writes float32 graphs as ONNX models (IR version 8, opset 13) for ONNX Runtime and
// other ONNX engines.
//
// The graph package is NHWC; ONNX convolutions and pools are NCHW. Export keeps the model's interface
// NHWC (input [N,H,W,C] with a symbolic batch "N", outputs in the graph's shapes) and transposes once to
// NCHW where the first spatial op needs it, and back only where an NHWC shape is needed again. Weights
// are rewritten into ONNX's layouts: OHWI convolution weights to OIHW, depthwise weights [1,KH,KW,C·M] to
// [C·M,1,KH,KW] with group C. Fused activations become a Relu or a Clip whose bounds are constant inputs,
// which ONNX Runtime fuses back into the convolution.
//
// The protobuf is written by hand with protowire; the field numbers are those of onnx.proto (proto.go).
package onnx
