package tflite

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// modelMetadataSummary is what a metadata reader like the Task Library's takes from a ModelMetadata
// flatbuffer: the first input's content type and normalization, and the labels file of the outputs.
type modelMetadataSummary struct {
	inputContent    uint8
	mean, std       []float32
	labels          string // the name of the first TENSOR_AXIS_LABELS or TENSOR_VALUE_LABELS file of an output
	labelsType      uint8
	labelsOutput    int
	outputs, inputs int
}

// readModelMetadata decodes the TFLITE_METADATA buffer of m with this package's bounds-checked
// flatbuffer decoder and the field ids of metadata_schema.fbs.
func readModelMetadata(m *Model) (*modelMetadataSummary, error) {
	var buf []byte
	for _, e := range m.Metadata {
		if e.Name == metadataEntryName {
			buf = m.Buffers[e.Buffer]
		}
	}
	if len(buf) < 8 || string(buf[4:8]) != metadataIdentifier {
		return nil, fmt.Errorf("no %s buffer with identifier %s", metadataEntryName, metadataIdentifier)
	}
	d := newDecoder(buf)
	root, err := d.table(int64(d.rawU32(0)))
	if err != nil {
		return nil, err
	}
	sgs, err := root.tables(mmSubgraphs, "subgraph_metadata")
	if err != nil || sgs.n == 0 {
		return nil, fmt.Errorf("subgraph_metadata: %v (%d)", err, sgs.n)
	}
	sg, err := sgs.table(0)
	if err != nil {
		return nil, err
	}
	s := &modelMetadataSummary{labelsOutput: -1}
	ins, err := sg.tables(sgmInputs, "input_tensor_metadata")
	if err != nil || ins.n == 0 {
		return nil, fmt.Errorf("input_tensor_metadata: %v", err)
	}
	s.inputs = ins.n
	in, err := ins.table(0)
	if err != nil {
		return nil, err
	}
	if content, ok, err := in.sub(tmContent, "content"); err != nil {
		return nil, err
	} else if ok {
		if s.inputContent, err = content.u8(contentPropsType, 0, "content_properties_type"); err != nil {
			return nil, err
		}
	}
	units, err := in.tables(tmProcessUnits, "process_units")
	if err != nil {
		return nil, err
	}
	for i := 0; i < units.n; i++ {
		u, err := units.table(i)
		if err != nil {
			return nil, err
		}
		if typ, _ := u.u8(puOptionsType, 0, "options_type"); typ != unitNormalization {
			continue
		}
		opts, ok, err := u.sub(puOptions, "options")
		if err != nil || !ok {
			return nil, fmt.Errorf("normalization options: %v", err)
		}
		if s.mean, err = opts.float32s(0, "mean"); err != nil {
			return nil, err
		}
		if s.std, err = opts.float32s(1, "std"); err != nil {
			return nil, err
		}
	}
	outs, err := sg.tables(sgmOutputs, "output_tensor_metadata")
	if err != nil {
		return nil, err
	}
	s.outputs = outs.n
	for i := 0; i < outs.n && s.labelsOutput < 0; i++ {
		out, err := outs.table(i)
		if err != nil {
			return nil, err
		}
		files, err := out.tables(tmAssociatedFiles, "associated_files")
		if err != nil {
			return nil, err
		}
		for k := 0; k < files.n; k++ {
			f, err := files.table(k)
			if err != nil {
				return nil, err
			}
			typ, _ := f.u8(afType, 0, "type")
			if typ == fileAxisLabels || typ == fileValueLabels {
				s.labels, _ = f.str(afName, "name")
				s.labelsType, s.labelsOutput = typ, i
				break
			}
		}
	}
	return s, nil
}

// TestMetadataReadsLikeGoogles: the decoder above reads the metadata Google's populator wrote into
// mobilenet_v1_0.25_224_quant.tflite (so its field ids are the schema's), and reads the same structure
// from the metadata Encode writes: an image input with mean and std 127.5, and the labels as the
// classifier output's TENSOR_AXIS_LABELS file, packed in the zip after the model, which
// AssociatedFiles reads back line for line.
func TestMetadataReadsLikeGoogles(t *testing.T) {
	google := parseModel(t, "mobilenet_v1_0.25_224_quant.tflite")
	gs, err := readModelMetadata(google)
	if err != nil {
		t.Fatalf("Google's metadata: %v", err)
	}
	if gs.inputContent != contentImage || gs.labelsType != fileAxisLabels || gs.labelsOutput != 0 || len(gs.mean) != 1 || len(gs.std) != 1 {
		t.Fatalf("Google's metadata reads as %+v", gs)
	}
	files, err := google.AssociatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	labels := strings.Split(strings.TrimSpace(string(files[gs.labels])), "\n")
	if len(labels) != 1001 {
		t.Fatalf("Google's %s holds %d labels", gs.labels, len(labels))
	}

	g, err := google.Graph()
	if err != nil {
		t.Fatal(err)
	}
	opt := WriteOptions{Description: "MobileNet V1 0.25/224 uint8", Labels: labels,
		Normalization: &Normalization{Mean: []float32{127.5}, Std: []float32{127.5}}}
	m, err := roundTrip(g, opt)
	if err != nil {
		t.Fatal(err)
	}
	ms, err := readModelMetadata(m)
	if err != nil {
		t.Fatalf("written metadata: %v", err)
	}
	if ms.inputContent != contentImage || ms.labels != LabelsFile || ms.labelsType != fileAxisLabels || ms.labelsOutput != 0 ||
		!slices.Equal(ms.mean, []float32{127.5}) || !slices.Equal(ms.std, []float32{127.5}) || ms.inputs != 1 || ms.outputs != 1 {
		t.Fatalf("written metadata reads as %+v", ms)
	}
	if !slices.Equal(gs.mean, ms.mean) || !slices.Equal(gs.std, ms.std) {
		t.Fatalf("normalization %v/%v, Google's %v/%v", ms.mean, ms.std, gs.mean, gs.std)
	}
	got, err := m.AssociatedFiles()
	if err != nil {
		t.Fatal(err)
	}
	if back := strings.Split(strings.TrimSuffix(string(got[LabelsFile]), "\n"), "\n"); !slices.Equal(back, labels) || len(got) != 1 {
		t.Fatalf("associated files %d, labels read back %d of %d equal", len(got), len(back), len(labels))
	}
	t.Logf("Google's metadata: %+v; written: %+v", *gs, *ms)
}

// TestMetadataDetector: a detector's labels are the TENSOR_VALUE_LABELS file of its classes output.
func TestMetadataDetector(t *testing.T) {
	m := parseModel(t, "coco_ssd_mobilenet_v1_1.0_quant_2018_06_29_no_metadata.tflite")
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]string, 90)
	for i := range labels {
		labels[i] = fmt.Sprintf("class %d", i+1)
	}
	w, err := roundTrip(g, WriteOptions{Labels: labels, Normalization: &Normalization{Mean: []float32{127.5}, Std: []float32{127.5}}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := readModelMetadata(w)
	if err != nil {
		t.Fatal(err)
	}
	if s.labelsOutput != 1 || s.labelsType != fileValueLabels || s.outputs != 4 {
		t.Fatalf("detector metadata %+v", s)
	}
}

// TestMetadataRefuses: bad metadata options give one-line errors.
func TestMetadataRefuses(t *testing.T) {
	g, _ := opFixture(t, "Logistic")
	for _, opt := range []WriteOptions{
		{Normalization: &Normalization{Mean: []float32{1}}},
		{Normalization: &Normalization{Mean: []float32{1}, Std: []float32{0}}},
		{Labels: []string{"a", "b\nc"}},
	} {
		if _, err := Encode(g, opt); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: error %v", opt, err)
		}
	}
}
