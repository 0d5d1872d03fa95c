// Package train trains MobileNet classifiers: a training loop with optimizers, schedules, augmentation,
// validation and checkpoints, and evaluation.
//
// Training is not a second engine. The network is a graph.Graph, compiled for training by
// graph.CompileTrain: the same forward kernels inference runs, each op's backward declared beside its
// forward, and a softmax cross-entropy attached to the logits (network.go). Weights are the graph's
// constants, updated in place, so a trained graph folds (graph.Fold) and runs for inference as it is,
// and a checkpoint (formats/checkpoint) maps value names to tensors. Validation compiles the inference
// program of the current weights.
//
// Results do not depend on the number of threads: each kernel computes every value with the same
// arithmetic whatever the split of the work. With the data order and augmentation drawn from counters
// (package data), a run resumed from a checkpoint reaches the same weights, bit for bit, as one that
// was never interrupted.
package train
