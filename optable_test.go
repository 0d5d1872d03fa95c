package mobilenet_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mobilenet-go/mobilenet/formats/onnx"
	"github.com/mobilenet-go/mobilenet/formats/tflite"
	"github.com/mobilenet-go/mobilenet/graph"
)

// graphColumns are the columns of the op table that the graph package implements or refuses; its own
// op-table test walks them.
var graphColumns = []graph.Column{graph.ColShape, graph.ColCost, graph.ColReference, graph.ColFast, graph.ColQuantized, graph.ColBackward}

// cellFunc reads one file-format column of the op table for a graph op type: what implements it, or
// the reason the format refuses it; known is false when the format's table has no row for the op.
type cellFunc func(opType string) (impl, refusal string, known bool)

// formatCells are the file-format columns of the op table.
var formatCells = map[graph.Column]cellFunc{
	graph.ColTFLiteImport: func(opType string) (string, string, bool) {
		from, refusal, known := tflite.ImportedFrom(opType)
		names := make([]string, len(from))
		for i, code := range from {
			names[i] = code.String()
		}
		return strings.Join(names, ", "), refusal, known
	},
	graph.ColTFLiteExport: exportCell(tflite.ExportRefusal),
	graph.ColONNXExport:   exportCell(onnx.ExportRefusal),
}

// exportCell makes the cell of an exporter from its refusal function, which gives "" for an op it writes.
func exportCell(refusal func(opType string) (string, bool)) cellFunc {
	return func(opType string) (string, string, bool) {
		r, known := refusal(opType)
		if r != "" {
			return "", r, known
		}
		return "exported", "", known
	}
}

// TestOpTable walks every op of graph.OpTypes and every file-format column, logs the table, and fails
// for a cell that is not exactly one of implemented or refused with a reason: an op added to
// graph.OpTypes without a row in each format's table is a red test. (Checked by hand: deleting the "Mul"
// row of formats/onnx/optable.go makes it fail with "Mul / onnx export: the format's table has no row".)
// It also fails for a column of graph.Columns that is neither a graph column nor a format column here.
// Whether the formats' tables tell the truth is tested beside them, against the importer and exporter.
func TestOpTable(t *testing.T) {
	var cols []graph.Column
	for _, c := range graph.Columns {
		switch _, isFormat := formatCells[c]; {
		case isFormat:
			cols = append(cols, c)
		case !slices.Contains(graphColumns, c):
			t.Errorf("column %q is neither a graph column nor a format column of this test", c)
		}
	}
	var table strings.Builder
	for _, op := range graph.OpTypes() {
		opType := op.Type()
		for _, c := range cols {
			impl, refusal, known := formatCells[c](opType)
			var cell string
			switch {
			case !known:
				cell = "MISSING"
				t.Errorf("%s / %s: the format's table has no row", opType, c)
			case (impl == "") == (refusal == ""):
				cell = fmt.Sprintf("INVALID: implemented by %q and refused with %q", impl, refusal)
				t.Errorf("%s / %s: %s", opType, c, cell)
			case impl != "":
				cell = "ok (" + impl + ")"
			default:
				cell = "refused: " + refusal
			}
			fmt.Fprintf(&table, "%-21s %-14s %s\n", opType, c, cell)
		}
	}
	t.Logf("op table, file-format columns:\n%s", table.String())
}
