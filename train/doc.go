// Package train trains MobileNet networks: the backward passes of the graph's ops, a training loop
// with optimizers, schedules, augmentation, validation and checkpoints, and evaluation.
//
// Training walks the graph itself. A tape (tape.go) runs the graph's nodes forward keeping every
// activation, then backward in reverse order; ops.go maps each op type to its forward and backward
// pass and is the table of what can be trained. Weights are the graph's constants, updated in place,
// so a trained graph folds (graph.Fold) and runs for inference as it is, and a checkpoint maps value
// names to tensors.
//
// Every matrix product goes through one function, matmul (matmul.go). Results do not depend on the
// number of threads: each kernel computes every value with the same arithmetic whatever the split of
// the work. With the data order and augmentation drawn from counters (package data), a run resumed from
// a checkpoint reaches the same weights, bit for bit, as one that was never interrupted.
package train
