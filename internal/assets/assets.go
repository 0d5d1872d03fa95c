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

// DefaultDetector is the official quantized COCO SSD MobileNet V1 detector
// (coco_ssd_mobilenet_v1_1.0_quant_2018_06_29, uint8 300×300 input, 90 classes, with the
// TFLite_Detection_PostProcess op).
//
//go:embed coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite
var DefaultDetector []byte

// DefaultDetectorName is the file name of DefaultDetector.
const DefaultDetectorName = "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite"

// COCOLabels is the COCO label map of the detector: 90 lines, line i naming class i ("???" in the gaps).
//
//go:embed coco_labelmap_tflite_support.txt
var COCOLabels string

// DefaultSegmenter is DeepLab V3 on MobileNet V2 (depth multiplier 0.5), uint8, 513×513 input, trained
// on PASCAL VOC 2012 segmentation (deeplabv3_mnv2_dm05_pascal_quant.tflite, from google-coral/test_data):
// its output is the class of every pixel (ARG_MAX over 21 classes).
//
//go:embed deeplabv3_mnv2_dm05_pascal_quant.tflite
var DefaultSegmenter []byte

// DefaultSegmenterName is the file name of DefaultSegmenter.
const DefaultSegmenterName = "deeplabv3_mnv2_dm05_pascal_quant.tflite"

// PascalVOCLabels is the PASCAL VOC segmentation label list: 21 lines, "background" first, then a
// blank line and a note on the ignore label 255, which is not a label.
//
//go:embed pascal_voc_segmentation_labels.txt
var PascalVOCLabels string
