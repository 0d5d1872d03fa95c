// Package data holds the labelled image sets training reads: IDX files (MNIST, Fashion-MNIST),
// folders of images with one sub-folder per class, views of them (a validation split, a limit), and
// the Loader that turns them into shuffled, augmented, normalised batches on background goroutines.
//
// Images are kept in memory as bytes, HWC, one set of labels 0..K−1 with K class names. Every reader
// checks sizes before it allocates and returns one-line errors naming the file and what is wrong.
package data
