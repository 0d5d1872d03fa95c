package eval

import (
	"cmp"
	"fmt"
	"slices"
)

// VOC returns PASCAL VOC's average precision per class (Category), as the VOC devkit's
// VOCevaldet.m and VOCap.m compute it, for every class with ground truth that counts.
//
// Per class, detections are taken by falling score with a stable sort (equal scores keep
// the order of dt, as MATLAB's sort does). Each takes, among the ground-truth boxes of its
// image and class that it overlaps, the one of greatest IoU (the first of equal ones). If
// that IoU is ≥ minIoU, the detection is ignored when the box is Ignore or Crowd (VOC's
// difficult), a true positive when the box is still free (it is then taken), and a false
// positive when it was taken already, even if another box overlaps enough; otherwise it is
// a false positive. Boxes that are Ignore or Crowd count neither way. Recall is tp over the
// boxes that count, precision tp/(tp+fp) (0 before any).
//
// AP is the area under the precision envelope (precision made non-increasing from the
// right) over recall from 0 to 1 (VOC2010 and later); with use07, VOC2007's 11-point
// average of the greatest precision at recall ≥ 0, 0.1, …, 1 (0 where none), the points
// rounded from k/10 so that a recall of exactly 3/10 counts at 0.3.
//
// IoU is that of COCO's continuous boxes (w·h areas), not the devkit's integer pixels that
// add 1 to each side. A class whose only boxes are ignored, or which has only detections,
// has no AP and is absent from the map. VOC returns an error on a threshold outside [0, 1]
// and on the inputs COCO refuses.
func VOC(gt []GroundTruth, dt []Detection, minIoU float64, use07 bool) (map[int]float64, error) {
	if !(minIoU >= 0 && minIoU <= 1) {
		return nil, fmt.Errorf("IoU threshold %g outside [0, 1]", minIoU)
	}
	if err := checkInputs(gt, dt); err != nil {
		return nil, err
	}
	type key struct{ img, cat int }
	type vocBox struct {
		box            Box
		ignored, taken bool
	}
	boxes := map[key][]vocBox{}
	positives := map[int]int{}
	for _, g := range gt {
		ignored := g.Ignore || g.Crowd
		k := key{g.Image, g.Category}
		boxes[k] = append(boxes[k], vocBox{box: g.Box, ignored: ignored})
		if !ignored {
			positives[g.Category]++
		}
	}
	order := make([]int, len(dt))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmp.Compare(dt[a].Category, dt[b].Category); c != 0 {
			return c
		}
		return cmp.Compare(dt[b].Score, dt[a].Score)
	})
	ap := make(map[int]float64, len(positives))
	for len(order) > 0 {
		cat := dt[order[0]].Category
		n := 1
		for n < len(order) && dt[order[n]].Category == cat {
			n++
		}
		if npos := positives[cat]; npos > 0 {
			var rec, prec []float64
			tp, fp := 0, 0
			for _, i := range order[:n] {
				bs := boxes[key{dt[i].Image, cat}]
				best, j := 0.0, -1
				for m := range bs {
					if v := iou(dt[i].Box, bs[m].box, false); v > best {
						best, j = v, m
					}
				}
				switch {
				case j < 0 || !(best >= minIoU):
					fp++
				case bs[j].ignored:
				case !bs[j].taken:
					bs[j].taken = true
					tp++
				default:
					fp++
				}
				rec = append(rec, float64(tp)/float64(npos))
				p := 0.0
				if tp+fp > 0 {
					p = float64(tp) / float64(tp+fp)
				}
				prec = append(prec, p)
			}
			if use07 {
				ap[cat] = ap11(rec, prec)
			} else {
				ap[cat] = apArea(rec, prec)
			}
		}
		order = order[n:]
	}
	for cat := range positives {
		if _, ok := ap[cat]; !ok {
			ap[cat] = 0 // ground truth but no detection
		}
	}
	return ap, nil
}

// apArea is VOCap.m: the area under the precision envelope, rec and prec taken as steps
// between recall 0 (precision 0) and 1 (precision 0).
func apArea(rec, prec []float64) float64 {
	mrec := append(append([]float64{0}, rec...), 1)
	mpre := append(append([]float64{0}, prec...), 0)
	for i := len(mpre) - 2; i >= 0; i-- {
		mpre[i] = max(mpre[i], mpre[i+1])
	}
	sum := 0.0
	for i := 1; i < len(mrec); i++ {
		if mrec[i] != mrec[i-1] {
			sum += float64((mrec[i] - mrec[i-1]) * mpre[i])
		}
	}
	return sum
}

// ap11 is VOC2007's 11-point AP: the mean over t = 0, 0.1, …, 1 of the greatest precision at
// recall ≥ t, 0 where there is none.
func ap11(rec, prec []float64) float64 {
	sum := 0.0
	for k := range 11 {
		t, p := float64(k)/10, 0.0
		for i, r := range rec {
			if r >= t {
				p = max(p, prec[i])
			}
		}
		sum += p
	}
	return sum / 11
}
