// Package eval scores object detections against ground truth: the COCO box metrics of
// pycocotools' COCOeval (the 12 summary numbers and per-category AP) and PASCAL VOC's
// per-class average precision, plus readers for COCO's ground-truth and results JSON files.
//
// The COCO semantics follow pycocotools, PythonAPI/pycocotools/cocoeval.py, coco.py (loadRes)
// and common/maskApi.c (bbIou) of cocodataset/cocoapi; the VOC semantics follow the VOC
// devkit's VOCevaldet.m and VOCap.m. The code here is written from those descriptions, not
// translated. What this package reproduces:
//
//   - IoU of two boxes [x, y, w, h] in float64 as bbIou computes it: the overlap's width and
//     height are min(x+w) − max(x) (0 when ≤ 0), the union is area(d) + area(g) − overlap with
//     areas w·h of the boxes (not the annotations' area field), and a crowd box's union is the
//     detection's area alone.
//   - IoU thresholds 0.50:0.05:0.95 and recall points 0:0.01:1 rounded as numpy.linspace
//     rounds them (i·step + start, the last one exactly the end), so a recall that lands on a
//     point compares as it does in pycocotools.
//   - Per image and category, the detections sorted by falling score with a stable sort
//     (equal scores keep the order they were given in) and cut to the 100 best. Each
//     detection, at each threshold, takes the ground-truth box of best IoU ≥ the threshold
//     that is still free (crowd boxes never stop being free); boxes that count are tried
//     before ignored ones (crowd, Ignore, or area outside the range), a later box of equal
//     IoU wins, and a detection matched to an ignored box, or unmatched with its own area
//     (w·h) outside the range, is ignored.
//   - Per category, area range and maxDets (1, 10, 100, the best of each image), the
//     detections of all images sorted again by falling score with a stable sort, images
//     taken in increasing id, so equal scores keep image order and then their order within
//     an image; precision tp/(tp+fp+ε) with ε = 2⁻⁵², made non-increasing from the right,
//     sampled at each recall point at the first detection whose recall reaches it (0 past
//     the last); recall is the final one. A category with no ground truth that counts in a
//     range is −1 there and left out of that range's mean; a mean over nothing is −1.
//   - Area ranges by the annotation's area: all [0, 10¹⁰], small [0, 32²], medium [32², 96²],
//     large [96², 10¹⁰], both ends inclusive.
//   - pycocotools' "ignore" is its "iscrowd": the readers do not read an "ignore" key, as
//     pycocotools overwrites it; GroundTruth.Ignore is there for callers (VOC's difficult).
//
// The means are plain sums where numpy sums pairwise, so a statistic may differ from
// pycocotools' in the last bits (about 1e-16); TestCOCOFixture holds the difference under
// 1e-9 on the shared COCO fixture.
//
// Only the standard library is imported.
package eval
