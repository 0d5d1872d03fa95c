// Package graph is the one model representation of the project and the runtime that executes it.
//
// A Graph is a list of values (tensors: activations, or constants such as weights) and a list of nodes in
// execution order, each applying an Op to some values and producing others. The MobileNet builder, an
// imported .tflite file and a trained checkpoint all become a Graph; inference, the cost report, export
// and training all read one.
//
// An Op is described once: its attributes, its shape rule (Shapes), its cost (Describe) and its kernels
// (Compile picks the float or 8-bit kernel from the input's type). Compile turns a graph into a Program
// for a batch size, checking every shape on the way; Program.Run executes it.
package graph
