package detect

import (
	"cmp"
	"fmt"
	"slices"
)

// Detection is one output row of the post-process.
type Detection struct {
	Box Box
	// Class is 0-based without background: COCO's label map id is Class+1.
	Class int
	Score float32
}

// NonMaxSuppressionSingleClass selects boxes by greedy non-maximum suppression, as TFLite's
// NonMaxSuppressionSingleClassHelper does, and returns their indices in selection order
// (decreasing score):
//
//   - keep the indices i with scores[i] ≥ scoreThreshold (NaN scores are never kept);
//   - sort them by decreasing score with a stable sort, so equal scores stay in increasing
//     index order (TFLite's DecreasingArgSort, std::stable_sort);
//   - walk that order: take the next box not yet suppressed and suppress every later box
//     whose IoU with it is strictly greater than iouThreshold; stop after max boxes (or
//     when none is left).
//
// scores[i] belongs to boxes[i]; it panics if boxes is shorter than scores. max ≤ 0 selects
// nothing.
func NonMaxSuppressionSingleClass(boxes []Box, scores []float32, scoreThreshold, iouThreshold float32, max int) []int {
	if len(boxes) < len(scores) {
		panic(fmt.Sprintf("detect: NonMaxSuppressionSingleClass: %d boxes for %d scores", len(boxes), len(scores)))
	}
	var order []int
	for i, s := range scores {
		if s >= scoreThreshold {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(scores[b], scores[a]) })
	limit := min(len(order), max)
	if limit <= 0 {
		return nil
	}
	selected := make([]int, 0, limit)
	active := make([]bool, len(order))
	for i := range active {
		active[i] = true
	}
	left := len(order)
	for i, bi := range order {
		if left == 0 || len(selected) >= limit {
			break
		}
		if !active[i] {
			continue
		}
		selected = append(selected, bi)
		active[i] = false
		left--
		for j := i + 1; j < len(order); j++ {
			if active[j] && IoU(boxes[bi], boxes[order[j]]) > iouThreshold {
				active[j] = false
				left--
			}
		}
	}
	return selected
}

// labelOffset returns classesIn − NumClasses, which must be 0 (no background column) or 1
// (background in column 0), and checks that scores holds a row of classesIn per box.
func labelOffset(fn string, boxes []Box, scores []float32, classesIn int, o Options) int {
	off := classesIn - o.NumClasses
	if off != 0 && off != 1 || o.NumClasses < 1 || len(scores)/classesIn < len(boxes) {
		panic(fmt.Sprintf("detect: %s: %d scores in rows of %d for %d boxes and %d classes", fn, len(scores), classesIn, len(boxes), o.NumClasses))
	}
	return off
}

// FastNMS is the post-process's default multi-class NMS (TFLite's
// NonMaxSuppressionMultiClassFastHelper). scores holds a row of classesIn values per box;
// classesIn − o.NumClasses is the label offset, 1 when column 0 is the background (then
// ignored), else 0. For each box it ranks the classes and takes the top
// k = min(MaxClassesPerDetection, NumClasses); the box's NMS score is its best class score.
// Single-class NMS on those scores (o.ScoreThreshold, o.IoUThreshold, at most
// o.MaxDetections boxes) selects boxes, and each selected box yields k detections, its
// classes in decreasing score order. The result holds len(selected)·k detections.
//
// The best class is the first maximum (TFLite's ArgMaxVector); for k > 1 TFLite uses
// std::partial_sort, whose order among equal scores is unspecified, and this function puts
// lower class indices first.
//
// Filling TFLite's outputs from the result: output rows are MaxDetections·MaxClassesPerDetection;
// selected box s fills rows s·MaxClassesPerDetection + c for c < k; num_detections is the
// number of selected boxes, len(result)/k (TFLite releases before the 2020 rewrite counted
// rows, len(result)). Rows past the result are not written by the kernel: their content is
// whatever the output buffer held, so write zeros there.
//
// It panics if classesIn − o.NumClasses is not 0 or 1 or scores is shorter than
// len(boxes)·classesIn; o should have passed Validate.
func FastNMS(boxes []Box, scores []float32, classesIn int, o Options) []Detection {
	off := labelOffset("FastNMS", boxes, scores, classesIn, o)
	k := min(o.MaxClassesPerDetection, o.NumClasses)
	best := make([]float32, len(boxes))
	top := make([]int, len(boxes)*k)
	var ranks []int
	for r := range boxes {
		row := scores[r*classesIn+off : r*classesIn+off+o.NumClasses]
		t := top[r*k : (r+1)*k]
		if k == 1 {
			t[0] = argMax(row)
		} else {
			ranks = rankClasses(row, ranks)
			copy(t, ranks[:k])
		}
		best[r] = row[t[0]]
	}
	selected := NonMaxSuppressionSingleClass(boxes, best, o.ScoreThreshold, o.IoUThreshold, o.MaxDetections)
	dets := make([]Detection, 0, len(selected)*k)
	for _, r := range selected {
		row := scores[r*classesIn+off : r*classesIn+off+o.NumClasses]
		for _, c := range top[r*k : (r+1)*k] {
			dets = append(dets, Detection{Box: boxes[r], Class: c, Score: row[c]})
		}
	}
	return dets
}

// argMax returns the index of the first maximum of v (only a strictly greater value
// replaces the current one), as TFLite's ArgMaxVector does.
func argMax(v []float32) int {
	best := 0
	for i := 1; i < len(v); i++ {
		if v[i] > v[best] {
			best = i
		}
	}
	return best
}

// rankClasses returns the indices of v by decreasing value, equal values in increasing
// index order, reusing buf.
func rankClasses(v []float32, buf []int) []int {
	buf = buf[:0]
	for i := range v {
		buf = append(buf, i)
	}
	slices.SortStableFunc(buf, func(a, b int) int { return cmp.Compare(v[b], v[a]) })
	return buf
}

// RegularNMS is the post-process's multi-class NMS with use_regular_nms set (TFLite's
// NonMaxSuppressionMultiClassRegularHelper). scores and classesIn are as for FastNMS. For
// each class in turn it runs single-class NMS on that class's column (o.ScoreThreshold,
// o.IoUThreshold, at most o.DetectionsPerClass boxes), adds the selections to the running
// list and keeps the o.MaxDetections best of it by decreasing score. It returns that list,
// at most MaxDetections detections, best first.
//
// Among equal scores the list keeps its earlier entries first (lower classes, then the
// class's own NMS order). TFLite's std::partial_sort leaves that order unspecified except
// when it keeps a single entry, where its arg-max also keeps the first.
//
// Filling TFLite's outputs: rows 0..len−1 get the result, rows len..MaxDetections−1 are
// zeroed, and num_detections = len; rows from MaxDetections on (present only when
// MaxClassesPerDetection > 1) are left unwritten.
//
// It panics like FastNMS on inconsistent sizes.
func RegularNMS(boxes []Box, scores []float32, classesIn int, o Options) []Detection {
	off := labelOffset("RegularNMS", boxes, scores, classesIn, o)
	column := make([]float32, len(boxes))
	var kept []Detection
	for c := 0; c < o.NumClasses; c++ {
		for r := range boxes {
			column[r] = scores[r*classesIn+off+c]
		}
		for _, r := range NonMaxSuppressionSingleClass(boxes, column, o.ScoreThreshold, o.IoUThreshold, o.DetectionsPerClass) {
			kept = append(kept, Detection{Box: boxes[r], Class: c, Score: column[r]})
		}
		slices.SortStableFunc(kept, func(a, b Detection) int { return cmp.Compare(b.Score, a.Score) })
		kept = kept[:min(len(kept), o.MaxDetections)]
	}
	return kept
}
