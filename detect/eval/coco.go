package eval

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
)

// The parameters of pycocotools' box evaluation (Params.setDetParams).
const (
	numIoU    = 10  // IoU thresholds 0.50:0.05:0.95
	numRecall = 101 // recall points 0:0.01:1
	numArea   = 4   // all, small, medium, large
	numMaxDet = 3   // maxDets 1, 10, 100
	maxDet    = 100 // detections kept per image and category
	// eps is numpy's spacing(1), added to tp+fp in the precision.
	eps = 2.220446049250313e-16
)

var (
	iouThrs    = linspace(0.5, 0.95, numIoU)
	recallThrs = linspace(0, 1, numRecall)
	maxDets    = [numMaxDet]int{1, 10, maxDet}
	areaRanges = [numArea]struct {
		label  string
		lo, hi float64
	}{{"all", 0, 1e10}, {"small", 0, 32 * 32}, {"medium", 32 * 32, 96 * 96}, {"large", 96 * 96, 1e10}}
)

// linspace returns num points from start to stop as numpy.linspace computes them: i·step +
// start with step = (stop − start)/(num − 1), each operation rounded, and the last point stop.
func linspace(start, stop float64, num int) []float64 {
	step := (stop - start) / float64(num-1)
	y := make([]float64, num)
	for i := range y {
		y[i] = float64(float64(i)*step) + start
	}
	y[num-1] = stop
	return y
}

// stat describes one of the 12 summary numbers: AP or AR, at one IoU threshold (index) or
// averaged over all (−1), in one area range (index), with one maxDets (index).
type stat struct {
	ap     bool
	iou    int
	area   int
	maxDet int
}

// stats lists the 12 numbers in pycocotools' order (COCOeval.summarize, _summarizeDets).
var stats = [12]stat{
	{true, -1, 0, 2}, {true, 0, 0, 2}, {true, 5, 0, 2},
	{true, -1, 1, 2}, {true, -1, 2, 2}, {true, -1, 3, 2},
	{false, -1, 0, 0}, {false, -1, 0, 1}, {false, -1, 0, 2},
	{false, -1, 1, 2}, {false, -1, 2, 2}, {false, -1, 3, 2},
}

// Result is a COCO box evaluation.
type Result struct {
	// Stats are pycocotools' 12 numbers, in its order: AP (IoU 0.50:0.95), AP50, AP75,
	// AP small, medium, large, AR with maxDets 1, 10, 100, AR small, medium, large (all
	// with maxDets 100). A number with no category to average over is −1.
	Stats [12]float64
	// PerCategory holds every evaluated category's AP over all areas with maxDets 100.
	PerCategory map[int]CategoryAP
	// LeftOut counts the detections not evaluated: their image or category is not among
	// those evaluated (pycocotools drops them too).
	LeftOut int
}

// CategoryAP is one category's average precision (all areas, maxDets 100).
type CategoryAP struct {
	AP   float64 // averaged over IoU 0.50:0.95; −1 when no ground truth counts
	AP50 float64 // at IoU 0.50; −1 when no ground truth counts
	// GroundTruth counts the boxes that count: neither crowd nor ignored.
	GroundTruth int
}

// Summary returns pycocotools' 12 summary lines, each ending in a newline, formatted as
// COCOeval.summarize prints them, for example
//
//	Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.505
func (r *Result) Summary() string {
	var b strings.Builder
	for i, s := range stats {
		title, kind := "Average Precision", "(AP)"
		if !s.ap {
			title, kind = "Average Recall", "(AR)"
		}
		iou := fmt.Sprintf("%0.2f:%0.2f", iouThrs[0], iouThrs[numIoU-1])
		if s.iou >= 0 {
			iou = fmt.Sprintf("%0.2f", iouThrs[s.iou])
		}
		fmt.Fprintf(&b, " %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f\n",
			title, kind, iou, areaRanges[s.area].label, maxDets[s.maxDet], r.Stats[i])
	}
	return b.String()
}

// COCO evaluates detections against ground truth as pycocotools' COCOeval does for boxes
// (see the package comment), over the given images and categories: ground truth and
// detections of other images or categories are left out. Nil images means every image
// that has ground truth or a detection; nil categories means every category that has
// ground truth (categories without it would score −1 and leave the means unchanged). An
// image without ground truth still counts: its detections are false positives.
//
// COCO returns an error when a box or area is not finite or a size is negative, or when a
// score is not finite. It takes time O(n log n) in the number of boxes, plus, per image and
// category, the product of its detection (at most 100) and ground-truth counts.
func COCO(gt []GroundTruth, dt []Detection, images, categories []int) (*Result, error) {
	if err := checkInputs(gt, dt); err != nil {
		return nil, err
	}
	if images == nil {
		for _, g := range gt {
			images = append(images, g.Image)
		}
		for _, d := range dt {
			images = append(images, d.Image)
		}
	}
	if categories == nil {
		for _, g := range gt {
			categories = append(categories, g.Category)
		}
	}
	catIDs := sortedUnique(categories)
	imgRank, catRank := ranks(sortedUnique(images)), ranks(catIDs)

	// Both lists sorted by category, image, falling score (detections) and given order.
	gs := make([]ref, 0, len(gt))
	for i, g := range gt {
		if ir, ok := imgRank[g.Image]; ok {
			if cr, ok := catRank[g.Category]; ok {
				gs = append(gs, ref{cr, ir, i, 0})
			}
		}
	}
	res := &Result{PerCategory: make(map[int]CategoryAP, len(catIDs))}
	ds := make([]ref, 0, len(dt))
	for i, d := range dt {
		ir, iok := imgRank[d.Image]
		cr, cok := catRank[d.Category]
		if !iok || !cok {
			res.LeftOut++
			continue
		}
		ds = append(ds, ref{cr, ir, i, d.Score})
	}
	slices.SortFunc(gs, compareRefs)
	slices.SortFunc(ds, compareRefs)

	per := make([]categoryEval, len(catIDs))
	for k := range per {
		gEnd := k0(gs, k+1)
		dEnd := k0(ds, k+1)
		per[k] = evalCategory(gt, dt, gs[:gEnd], ds[:dEnd])
		gs, ds = gs[gEnd:], ds[dEnd:]
	}
	for k, id := range catIDs {
		res.PerCategory[id] = CategoryAP{
			AP:          summarize(per[k:k+1], stats[0]),
			AP50:        summarize(per[k:k+1], stats[1]),
			GroundTruth: per[k].counted[0],
		}
	}
	for i, s := range stats {
		res.Stats[i] = summarize(per, s)
	}
	return res, nil
}

// sortedUnique returns the distinct ids in increasing order.
func sortedUnique(ids []int) []int { return slices.Compact(slices.Sorted(slices.Values(ids))) }

// ranks maps each of the sorted distinct ids to its index.
func ranks(sorted []int) map[int]int {
	r := make(map[int]int, len(sorted))
	for i, id := range sorted {
		r[id] = i
	}
	return r
}

// ref is a box of the ground truth or detections: the ranks of its category and image,
// its index, and (for a detection) its score.
type ref struct {
	cat, img, i int
	score       float64
}

// compareRefs orders refs by category, image, falling score and index: a total order that
// gives what a stable sort by falling score would.
func compareRefs(a, b ref) int {
	if c := cmp.Compare(a.cat, b.cat); c != 0 {
		return c
	}
	if c := cmp.Compare(a.img, b.img); c != 0 {
		return c
	}
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(a.i, b.i)
}

// k0 returns the number of refs (sorted by category) whose category rank is below k.
func k0(refs []ref, k int) int {
	n, _ := slices.BinarySearchFunc(refs, k, func(r ref, k int) int { return cmp.Compare(r.cat, k) })
	return n
}

// categoryEval holds one category's accumulated results.
type categoryEval struct {
	counted [numArea]int // ground-truth boxes that count, per area range
	// precision holds, per area range, maxDets and IoU threshold, the sum of the precision
	// over the 101 recall points; recall holds the final recall. Both are meaningful only
	// where counted > 0.
	precision, recall [numArea][numMaxDet][numIoU]float64
}

// imageEval is the matching of one image's detections in one category: per area range,
// the ground truth that counts, and per detection (by falling score) bit t set where it is
// matched, or ignored, at threshold t.
type imageEval struct {
	counted          [numArea]int
	matched, ignored [numArea][]uint16
}

// evalCategory matches and accumulates one category; gs and ds hold its boxes in gt and dt,
// sorted by image, detections by falling score within an image.
func evalCategory(gt []GroundTruth, dt []Detection, gs, ds []ref) categoryEval {
	var ce categoryEval
	var images []imageEval
	// ranked lists every detection evaluated (the best maxDet of each image) with its image
	// (index in images) and rank in that image.
	type ranked struct {
		score   float64
		img, at int
	}
	all := make([]ranked, 0, len(ds))
	for len(gs) > 0 || len(ds) > 0 {
		img := math.MaxInt
		if len(gs) > 0 {
			img = gs[0].img
		}
		if len(ds) > 0 {
			img = min(img, ds[0].img)
		}
		g := 0
		for g < len(gs) && gs[g].img == img {
			g++
		}
		d := 0
		for d < len(ds) && ds[d].img == img {
			d++
		}
		im := matchImage(gt, dt, gs[:g], ds[:min(d, maxDet)])
		for a := range numArea {
			ce.counted[a] += im.counted[a]
		}
		for at, r := range ds[:min(d, maxDet)] {
			all = append(all, ranked{r.score, len(images), at})
		}
		images = append(images, im)
		gs, ds = gs[g:], ds[d:]
	}
	// By falling score, then image order, then rank within the image: what pycocotools'
	// stable sort gives. Keeping those ranked below m in their image then gives its list
	// for maxDets m.
	slices.SortFunc(all, func(a, b ranked) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.img, b.img); c != 0 {
			return c
		}
		return cmp.Compare(a.at, b.at)
	})
	matched := make([]uint16, len(all))
	ignored := make([]uint16, len(all))
	rc := make([]float64, 0, len(all))
	pr := make([]float64, 0, len(all))
	for a := range numArea {
		if ce.counted[a] == 0 {
			continue
		}
		for e, r := range all {
			matched[e], ignored[e] = images[r.img].matched[a][r.at], images[r.img].ignored[a][r.at]
		}
		for m, md := range maxDets {
			for t := range numIoU {
				bit := uint16(1) << t
				rc, pr = rc[:0], pr[:0]
				tp, fp := 0, 0
				for e, r := range all {
					if r.at >= md {
						continue
					}
					if ignored[e]&bit == 0 {
						if matched[e]&bit != 0 {
							tp++
						} else {
							fp++
						}
					}
					rc = append(rc, float64(tp)/float64(ce.counted[a]))
					pr = append(pr, float64(tp)/(float64(tp+fp)+eps))
				}
				if len(rc) > 0 {
					ce.recall[a][m][t] = rc[len(rc)-1]
				}
				ce.precision[a][m][t] = sampledPrecision(rc, pr)
			}
		}
	}
	return ce
}

// sampledPrecision makes pr non-increasing from the right and returns its sum over the
// recall points: at each point, the precision of the first entry whose recall rc reaches
// it, 0 once none does.
func sampledPrecision(rc, pr []float64) float64 {
	for i := len(pr) - 1; i > 0; i-- {
		if pr[i] > pr[i-1] {
			pr[i-1] = pr[i]
		}
	}
	sum, i := 0.0, 0
	for _, r := range recallThrs {
		for i < len(rc) && rc[i] < r {
			i++
		}
		if i == len(rc) {
			break
		}
		sum += pr[i]
	}
	return sum
}

// matchImage matches one image's detections of one category, ds (by falling score, at most
// maxDet), to its ground truth gs, at every area range and IoU threshold.
func matchImage(gt []GroundTruth, dt []Detection, gs, ds []ref) imageEval {
	var im imageEval
	// order[a] lists the boxes that count in range a, then from split[a] the ignored ones.
	var order [numArea][]int
	var split [numArea]int
	for a, ar := range areaRanges {
		for pass := range 2 {
			for j, r := range gs {
				g := &gt[r.i]
				ignored := g.Crowd || g.Ignore || g.Area < ar.lo || g.Area > ar.hi
				if ignored == (pass == 1) {
					order[a] = append(order[a], j)
				}
			}
			if pass == 0 {
				split[a] = len(order[a])
			}
		}
		im.counted[a] = split[a]
		im.matched[a] = make([]uint16, len(ds))
		im.ignored[a] = make([]uint16, len(ds))
	}
	taken := make([]uint16, numArea*len(gs)) // bit t of taken[a·G+g]: box g matched at threshold t in range a
	row := make([]float64, len(gs))
	for d, r := range ds {
		det := &dt[r.i]
		for j, g := range gs {
			row[j] = iou(det.Box, gt[g.i].Box, gt[g.i].Crowd)
		}
		area := det.Box.W * det.Box.H
		for a, ar := range areaRanges {
			for t, thr := range iouThrs {
				bit := uint16(1) << t
				best, m, mj := thr, -1, -1
				for j, g := range order[a] {
					if j == split[a] && m >= 0 {
						break // matched a box that counts: ignored boxes cannot take it
					}
					if taken[a*len(gs)+g]&bit != 0 && !gt[gs[g].i].Crowd {
						continue
					}
					if !(row[g] >= best) {
						continue
					}
					best, m, mj = row[g], g, j
				}
				switch {
				case m >= 0:
					im.matched[a][d] |= bit
					taken[a*len(gs)+m] |= bit
					if mj >= split[a] {
						im.ignored[a][d] |= bit
					}
				case area < ar.lo || area > ar.hi:
					im.ignored[a][d] |= bit
				}
			}
		}
	}
	return im
}

// summarize returns one of the 12 numbers: the mean over categories with ground truth in
// the range of the precision (over thresholds and recall points) or recall (over
// thresholds), or −1 when no category has any.
func summarize(per []categoryEval, s stat) float64 {
	sum, n := 0.0, 0
	for k := range per {
		if per[k].counted[s.area] == 0 {
			continue
		}
		v := &per[k].recall[s.area][s.maxDet]
		if s.ap {
			v = &per[k].precision[s.area][s.maxDet]
		}
		if s.iou >= 0 {
			sum += v[s.iou]
			n++
		} else {
			for _, x := range v {
				sum += x
			}
			n += numIoU
		}
	}
	if n == 0 {
		return -1
	}
	if s.ap {
		n *= numRecall
	}
	return sum / float64(n)
}
