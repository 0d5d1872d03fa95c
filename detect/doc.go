// Package detect holds the geometry of the SSD post-process (TFLite's custom operator
// TFLite_Detection_PostProcess): the anchors of SSD MobileNet V1, box decoding, IoU, and
// single- and multi-class non-maximum suppression (fast and regular), plus the operator's
// options and their validation (formats/tflite reads them from a model's FlexBuffer).
//
// The semantics follow TensorFlow Lite's kernel, tensorflow/lite/kernels/detection_postprocess.cc
// (tensorflow/tensorflow; read at commit 07306637681f, and compared with the older
// tensorflow/contrib/lite/kernels/detection_postprocess.cc of 2018), and the anchor recipe of
// the TensorFlow Object Detection API, research/object_detection/anchor_generators/
// multiple_grid_anchor_generator.py (create_ssd_anchors) and grid_anchor_generator.py
// (tile_anchors). The code here is written from those descriptions, not translated.
//
// What the kernel does, and what this package reproduces:
//
//   - Boxes are decoded in float64 from float32 inputs, and each of the centre and the
//     half-sizes is rounded to float32 before the corners are formed in float32.
//   - IoU is computed in float32; a box with area ≤ 0 overlaps nothing.
//   - Single-class NMS keeps the scores ≥ the score threshold, sorts them in decreasing order
//     with a stable sort (equal scores keep increasing index order), and selects greedily,
//     dropping later boxes whose IoU with a selected one is strictly greater than the IoU
//     threshold, until max detections.
//   - Fast NMS takes each anchor's best class with an arg-max that keeps the first maximum
//     (lowest class index); regular NMS runs single-class NMS per class and keeps the best
//     max_detections across classes.
//
// TestHeadGolden checks decoding, IoU and the fast path bit for bit against the TFLite
// interpreter's outputs for the shared post-process head model (testdata/golden), whose
// noise cases are full of equal scores: float64 decoding, the stable order of equal scores
// and the first-maximum class all matter there (float32 decoding, the reverse tie order or
// a last-maximum arg-max each fail it). Regular NMS, which neither shared model uses, is
// checked on hand-worked cases only.
//
// The kernel also refuses to run when a decoded box has YMin > YMax or XMin > XMax
// (ValidateBoxes); the functions here accept any box and leave that check to the caller.
//
// Only the standard library is imported.
package detect
