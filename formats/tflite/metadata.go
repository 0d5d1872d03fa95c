package tflite

import (
	"archive/zip"
	"bytes"
	"fmt"
	"math"
	"strings"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/mobilenet-go/mobilenet/graph"
)

// This file writes TFLite metadata (tensorflow/tflite-support, metadata_schema.fbs, schema 1.0.0):
// a ModelMetadata flatbuffer (file identifier "M001") in a buffer that the model's metadata entry
// "TFLITE_METADATA" names, and the associated files (the labels) in a zip archive appended to the
// model, stored uncompressed with offsets counted from the start of the file, as the metadata
// populator writes them. Field ids are the schema's.

// Field ids of metadata_schema.fbs.
const (
	mmName            = 0 // ModelMetadata
	mmDescription     = 1
	mmVersion         = 2
	mmSubgraphs       = 3
	mmAuthor          = 4
	mmMinParser       = 7
	sgmName           = 0 // SubGraphMetadata
	sgmInputs         = 2
	sgmOutputs        = 3
	tmName            = 0 // TensorMetadata
	tmDescription     = 1
	tmContent         = 3
	tmProcessUnits    = 4
	tmStats           = 5
	tmAssociatedFiles = 6
	contentPropsType  = 0 // Content
	contentProps      = 1
	contentRange      = 2
	afName            = 0 // AssociatedFile
	afDescription     = 1
	afType            = 2
	puOptionsType     = 0 // ProcessUnit
	puOptions         = 1

	metadataIdentifier = "M001"
	metadataParser     = "1.0.0"

	contentFeature     = 1 // ContentProperties union
	contentImage       = 2
	contentBoundingBox = 3
	colorRGB           = 1 // ColorSpaceType
	colorGrayscale     = 2
	unitNormalization  = 1 // ProcessUnitOptions union
	fileAxisLabels     = 2 // AssociatedFileType TENSOR_AXIS_LABELS
	fileValueLabels    = 3 // AssociatedFileType TENSOR_VALUE_LABELS

	// LabelsFile is the name of the labels file Encode packs with a model.
	LabelsFile = "labels.txt"
)

// metadataPlan is what buildMetadata decided: the ModelMetadata bytes and the associated files.
type metadataPlan struct {
	meta  []byte
	files []associated
}

type associated struct {
	name string
	data []byte
}

// buildMetadata returns the TFLITE_METADATA buffer (a ModelMetadata flatbuffer) and the associated
// files to append to the model; a zero plan when opt asks for no metadata.
func buildMetadata(g *graph.Graph, opt WriteOptions) (metadataPlan, error) {
	if len(opt.Labels) == 0 && opt.Normalization == nil {
		return metadataPlan{}, nil
	}
	if n := opt.Normalization; n != nil {
		if len(n.Mean) == 0 || len(n.Std) == 0 {
			return metadataPlan{}, fmt.Errorf("tflite: write: normalization needs a mean and a standard deviation")
		}
		for _, s := range n.Std {
			if !(s > 0) || math.IsInf(float64(s), 0) {
				return metadataPlan{}, fmt.Errorf("tflite: write: normalization standard deviation %v is not positive and finite", s)
			}
		}
		for _, m := range n.Mean {
			if math.IsNaN(float64(m)) || math.IsInf(float64(m), 0) {
				return metadataPlan{}, fmt.Errorf("tflite: write: normalization mean %v is not finite", m)
			}
		}
	}
	for i, l := range opt.Labels {
		if strings.ContainsAny(l, "\r\n") {
			return metadataPlan{}, fmt.Errorf("tflite: write: label %d (%q) holds a line break", i, l)
		}
	}
	detector := isDetector(g)
	b := flatbuffers.NewBuilder(1024)

	var files []associated
	labelsFor := -1 // the output whose tensor metadata carries the labels file
	if len(opt.Labels) > 0 {
		files = append(files, associated{LabelsFile, []byte(strings.Join(opt.Labels, "\n") + "\n")})
		labelsFor = 0
		if detector {
			labelsFor = 1 // the classes output
		}
	}

	inputs := make([]flatbuffers.UOffsetT, len(g.Inputs))
	for i, id := range g.Inputs {
		inputs[i] = inputMetadata(b, g.Values[id], i == 0, opt.Normalization)
	}
	outputs := make([]flatbuffers.UOffsetT, len(g.Outputs))
	for i := range g.Outputs {
		var labels flatbuffers.UOffsetT
		if i == labelsFor {
			kind := int8(fileAxisLabels)
			desc := "Labels for the classes the model can recognize."
			if detector {
				kind, desc = fileValueLabels, "Labels of the class ids the detections hold."
			}
			labels = associatedFiles(b, LabelsFile, desc, kind)
		}
		outputs[i] = outputMetadata(b, g, i, detector, labels)
	}
	inVec := b.CreateVectorOfTables(inputs)
	outVec := b.CreateVectorOfTables(outputs)
	b.StartObject(7)
	b.PrependUOffsetTSlot(sgmInputs, inVec, 0)
	b.PrependUOffsetTSlot(sgmOutputs, outVec, 0)
	sg := b.EndObject()
	sgVec := b.CreateVectorOfTables([]flatbuffers.UOffsetT{sg})

	name := b.CreateString(g.Name)
	desc := b.CreateString(opt.Description)
	author := b.CreateString("mobilenet-go")
	parser := b.CreateString(metadataParser)
	b.StartObject(8)
	b.PrependUOffsetTSlot(mmName, name, 0)
	b.PrependUOffsetTSlot(mmDescription, desc, 0)
	b.PrependUOffsetTSlot(mmSubgraphs, sgVec, 0)
	b.PrependUOffsetTSlot(mmAuthor, author, 0)
	b.PrependUOffsetTSlot(mmMinParser, parser, 0)
	root := b.EndObject()
	b.FinishWithFileIdentifier(root, []byte(metadataIdentifier))
	return metadataPlan{meta: bytes.Clone(b.FinishedBytes()), files: files}, nil
}

// isDetector reports whether g ends in the SSD post-process (its four outputs are the op's).
func isDetector(g *graph.Graph) bool {
	if len(g.Outputs) != 4 {
		return false
	}
	for _, n := range g.Nodes {
		if _, ok := n.Op.(*graph.DetectionPostProcess); ok && len(n.Outputs) == 4 {
			for i, id := range n.Outputs {
				if g.Outputs[i] != id {
					return false
				}
			}
			return true
		}
	}
	return false
}

// associatedFiles writes a one-file vector of AssociatedFile.
func associatedFiles(b *flatbuffers.Builder, name, desc string, kind int8) flatbuffers.UOffsetT {
	n := b.CreateString(name)
	d := b.CreateString(desc)
	b.StartObject(4)
	b.PrependUOffsetTSlot(afName, n, 0)
	b.PrependUOffsetTSlot(afDescription, d, 0)
	b.PrependInt8Slot(afType, kind, 0)
	f := b.EndObject()
	return b.CreateVectorOfTables([]flatbuffers.UOffsetT{f})
}

func floatVector(b *flatbuffers.Builder, v []float32) flatbuffers.UOffsetT {
	b.StartVector(4, len(v), 4)
	for i := len(v) - 1; i >= 0; i-- {
		b.PrependFloat32(v[i])
	}
	return b.EndVector(len(v))
}

// inputMetadata describes an input: an image (RGB or greyscale, with the normalization) when it is
// the first input and NHWC with 1 or 3 channels, a feature otherwise.
func inputMetadata(b *flatbuffers.Builder, v *graph.Value, first bool, norm *Normalization) flatbuffers.UOffsetT {
	image := first && len(v.Shape) == 4 && (v.Shape[3] == 1 || v.Shape[3] == 3)
	var content, units, stats flatbuffers.UOffsetT
	if image {
		color := int8(colorRGB)
		if v.Shape[3] == 1 {
			color = colorGrayscale
		}
		b.StartObject(2)
		b.PrependInt8Slot(0, color, 0)
		props := b.EndObject()
		b.StartObject(3)
		b.PrependByteSlot(contentPropsType, contentImage, 0)
		b.PrependUOffsetTSlot(contentProps, props, 0)
		content = b.EndObject()
		if norm != nil {
			mean, std := floatVector(b, norm.Mean), floatVector(b, norm.Std)
			b.StartObject(2)
			b.PrependUOffsetTSlot(0, mean, 0)
			b.PrependUOffsetTSlot(1, std, 0)
			opts := b.EndObject()
			b.StartObject(2)
			b.PrependByteSlot(puOptionsType, unitNormalization, 0)
			b.PrependUOffsetTSlot(puOptions, opts, 0)
			unit := b.EndObject()
			units = b.CreateVectorOfTables([]flatbuffers.UOffsetT{unit})
		}
		// The pixels' range before normalization.
		maxV, minV := floatVector(b, []float32{255}), floatVector(b, []float32{0})
		b.StartObject(2)
		b.PrependUOffsetTSlot(0, maxV, 0)
		b.PrependUOffsetTSlot(1, minV, 0)
		stats = b.EndObject()
	} else {
		content = featureContent(b, -1)
	}
	name := b.CreateString(map[bool]string{true: "image", false: v.Name}[image])
	desc := b.CreateString(map[bool]string{true: "Input image to be processed.", false: "Model input."}[image])
	b.StartObject(7)
	b.PrependUOffsetTSlot(tmName, name, 0)
	b.PrependUOffsetTSlot(tmDescription, desc, 0)
	b.PrependUOffsetTSlot(tmContent, content, 0)
	if units != 0 {
		b.PrependUOffsetTSlot(tmProcessUnits, units, 0)
	}
	if stats != 0 {
		b.PrependUOffsetTSlot(tmStats, stats, 0)
	}
	return b.EndObject()
}

// featureContent writes a Content of FeatureProperties; rangeDim ≥ 0 sets its range to that one
// dimension.
func featureContent(b *flatbuffers.Builder, rangeDim int) flatbuffers.UOffsetT {
	b.StartObject(0)
	props := b.EndObject()
	var rng flatbuffers.UOffsetT
	if rangeDim >= 0 {
		b.StartObject(2)
		b.PrependInt32Slot(0, int32(rangeDim), 0)
		b.PrependInt32Slot(1, int32(rangeDim), 0)
		rng = b.EndObject()
	}
	b.StartObject(3)
	b.PrependByteSlot(contentPropsType, contentFeature, 0)
	b.PrependUOffsetTSlot(contentProps, props, 0)
	if rng != 0 {
		b.PrependUOffsetTSlot(contentRange, rng, 0)
	}
	return b.EndObject()
}

// outputMetadata describes output i: a classifier's probabilities, or a detector's four outputs
// (location as BOUNDARIES boxes in (top, left, bottom, right) order, category, score, count), as the
// Task Library's object detector reads them.
func outputMetadata(b *flatbuffers.Builder, g *graph.Graph, i int, detector bool, labels flatbuffers.UOffsetT) flatbuffers.UOffsetT {
	name, desc := "probability", "Probabilities of the classes."
	if len(g.Outputs) > 1 {
		name, desc = g.Values[g.Outputs[i]].Name, "Model output."
	}
	var content flatbuffers.UOffsetT
	if detector {
		name = [...]string{"location", "category", "score", "number of detections"}[i]
		desc = [...]string{"The locations of the detected boxes.", "The categories of the detected boxes.",
			"The scores of the detected boxes.", "The number of the detected boxes."}[i]
		switch i {
		case 0:
			// Left, top, right and bottom are at 1, 0, 3 and 2 of (ymin, xmin, ymax, xmax).
			order := []uint32{1, 0, 3, 2}
			b.StartVector(4, len(order), 4)
			for k := len(order) - 1; k >= 0; k-- {
				b.PrependUint32(order[k])
			}
			index := b.EndVector(len(order))
			b.StartObject(3)
			b.PrependUOffsetTSlot(0, index, 0)
			b.PrependInt8Slot(1, 1, 0) // BOUNDARIES
			b.PrependInt8Slot(2, 0, 0) // RATIO
			props := b.EndObject()
			b.StartObject(2)
			b.PrependInt32Slot(0, 2, 0)
			b.PrependInt32Slot(1, 2, 0)
			rng := b.EndObject()
			b.StartObject(3)
			b.PrependByteSlot(contentPropsType, contentBoundingBox, 0)
			b.PrependUOffsetTSlot(contentProps, props, 0)
			b.PrependUOffsetTSlot(contentRange, rng, 0)
			content = b.EndObject()
		case 1, 2:
			content = featureContent(b, 1)
		default:
			content = featureContent(b, -1)
		}
	} else {
		content = featureContent(b, -1)
	}
	n := b.CreateString(name)
	d := b.CreateString(desc)
	b.StartObject(7)
	b.PrependUOffsetTSlot(tmName, n, 0)
	b.PrependUOffsetTSlot(tmDescription, d, 0)
	b.PrependUOffsetTSlot(tmContent, content, 0)
	if labels != 0 {
		b.PrependUOffsetTSlot(tmAssociatedFiles, labels, 0)
	}
	return b.EndObject()
}

// zipFiles packs the associated files as an uncompressed zip archive to append after offset bytes of
// model, its offsets counted from the start of the file.
func zipFiles(files []associated, offset int64) ([]byte, error) {
	if len(files) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.SetOffset(offset)
	for _, f := range files {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
