// Package vision turns image files into model input tensors and draws
// detection results back onto images.
//
// The pipeline follows TensorFlow Lite's label_image example:
//
//  1. [Decode] reads JPEG, PNG, GIF (first frame), BMP or WebP, and refuses
//     an image whose header claims more pixels than a limit before any pixel
//     buffer is allocated; [Limits] also bounds progressive JPEGs, whose
//     decoder holds every DCT coefficient.
//  2. [ToPixels] converts the image to dense float32 HWC values in 0..255,
//     either RGB or grey (ITU-R 601 luma). Alpha is ignored: the colour
//     channels are taken non-premultiplied, as label_image reads raw RGB.
//  3. [CentralCrop] optionally keeps the central part, with the integer
//     arithmetic of tf.image.central_crop.
//  4. [ResizeBilinear] resizes with the legacy TF1/TFLite semantics
//     (align_corners = false, half_pixel_centers = false) in float32.
//  5. [Pixels.Float32], [Pixels.Uint8] or [Pixels.Int8] produce the tensor
//     data: (v−mean)/std, (uint8)v or (int8)(v−128).
//
// [Load] runs all of these in one call, and [ResizeImage] runs steps 2 to 4
// converting only the pixels the resize reads, so that neither holds a
// float32 copy of a full-size photo.
//
// EXIF orientation is not applied: a JPEG whose EXIF says "rotate 90°" is
// used as stored, as label_image does. Callers who want upright photos must
// rotate them first.
//
// [DrawBoxes] and [SaveImage] serve the detection demo: boxes with labels in
// a palette of distinct colours, written atomically as PNG or JPEG.
package vision
