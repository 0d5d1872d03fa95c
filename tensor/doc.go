// Package tensor holds the data that flows through every model: dense NHWC arrays of float32, uint8, int8
// or int32 elements, their shapes and their quantization parameters.
//
// It knows nothing of operators, files or models. Activations are laid out NHWC (batch, height, width,
// channels, channels fastest); the layouts of weights are the business of the ops that own them.
package tensor
