// Package assets holds the files built into the mobilenet binary: the default classifier and the
// ImageNet labels. Their origins and licences are in the repository's NOTICE file.
package assets

import _ "embed"

// DefaultClassifier is the official quantized MobileNet V1 0.75/192 TFLite model
// (mobilenet_v1_0.75_192_quant.tflite, uint8, 1001 classes).
//
//go:embed mobilenet_v1_0.75_192_quant.tflite
var DefaultClassifier []byte

// DefaultClassifierName is the file name of DefaultClassifier.
const DefaultClassifierName = "mobilenet_v1_0.75_192_quant.tflite"

// ImageNetLabels is the ImageNet label list of the TFLite classifiers: 1001 lines, "background" first.
//
//go:embed imagenet_labels_1001_tflite_support.txt
var ImageNetLabels string
