// Package detdata reads object-detection data sets (images with labelled boxes) and turns them into
// the batches an SSD detector trains and is evaluated on.
//
// [Load] reads four formats, told apart by the path it is given:
//
//   - Pascal VOC, a folder holding Annotations/*.xml and JPEGImages/ (or annotations/ and images/),
//     with optional lists ImageSets/Main/NAME.txt chosen by [Options.Split];
//   - CSV, a .csv file with the header filename,width,height,class,xmin,ymin,xmax,ymax (one row per
//     box, as the raccoon data set's train_labels.csv);
//   - COCO, a .json file with images, annotations (bbox [x, y, w, h]) and categories;
//   - YOLO, a folder of images, each with a .txt of "class cx cy w h" lines in fractions of the image,
//     and a classes.txt naming the classes.
//
// Boxes are kept as pixel corners; a box is valid when 0 ≤ xmin < xmax ≤ width and
// 0 ≤ ymin < ymax ≤ height. Every image is looked for and its header read at load time, so a
// missing image, one that is not an image, one larger than the pixel limit, or one whose size
// disagrees with its annotation is found before training starts. A bad annotation is an error
// naming the file and line; with [Options.SkipBad] the image it belongs to is left out instead
// (dropping only the box would leave an object in the image that training would learn as
// background) and counted in [Set.Skipped].
//
// A [Loader] makes batches of square network inputs: each image is decoded (the vision package,
// with its pixel limit), optionally augmented (SSD's random crop, a horizontal flip and photometric
// distortion), resized without keeping its aspect ratio to Size×Size with vision's bilinear resize,
// and scaled to [−1, 1]; its boxes come out relative to the input. Every random choice is drawn from
// (seed, epoch, sample), so an epoch resumed at any batch gives the batches an uninterrupted one
// would. Decoded images are cached up to a byte budget.
package detdata
