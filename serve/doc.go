// Package serve is the HTTP server of mobilenet: image classification and object detection over
// HTTP, Prometheus metrics and a small web page, with inference through a bounded pool.
//
// Endpoints:
//
//	POST /v1/classify  an image (the raw body, or the multipart/form-data field "image"); ?top=K (1 to
//	                   1000, default 5) → 200 {"image": NAME, "predictions": [{"index","label","score"}]},
//	                   the element object of "mobilenet classify --json"; NAME is the upload's file name,
//	                   else "body"
//	POST /v1/detect    an image, as above → 200 {"image": NAME, "detections": [{"label","class","score",
//	                   "box": {"x_min","y_min","x_max","y_max"}}]}, the element object of "mobilenet
//	                   detect --json"; with ?draw=1 the image with the boxes drawn, as PNG
//	GET  /v1/models    the loaded models: inputs, outputs, label count and cost (graph.Summarize)
//	GET  /healthz      200 {"status":"ok"} while the process runs
//	GET  /readyz       200 {"status":"ready"} while the server accepts work; 503 once it drains
//	GET  /metrics      Prometheus text format, from a registry private to the Server
//	GET  /             the web page: pick or drop a photo, see the top 5 and the boxes
//
// Statuses, every error with the body {"error": "..."}:
//
//	400  not an image of a known format, a corrupt image, an empty body, a multipart form without
//	     "image", or a bad query parameter
//	404  an unknown route; /v1/detect when no detector is loaded
//	405  a known route with the wrong method (Allow lists the right ones)
//	408  the body did not arrive within Config.BodyTimeout
//	413  a body over Config.MaxBody
//	422  an image whose header claims more than Config.MaxPixels pixels, or a progressive JPEG of more
//	     than Config.MaxProgressivePixels (refused before decoding)
//	503  the pool is full (every worker busy and every queue slot taken), the request's timeout ran
//	     out while it waited in the queue, or the server is draining (and, past Config.DrainTimeout,
//	     cancelled it); each with Retry-After
//	504  the inference started but did not finish within the request's timeout: it is cancelled
//	     between two layers
//	500  any other failure of the model
//
// A request for /v1/classify or /v1/detect first reads its body, within Config.BodyTimeout, into a
// buffer that grows with the bytes that arrive (never with what Content-Length claims), and checks the
// image's header; slow or bad uploads hold no worker and no queue slot. Then it takes one of
// Concurrency+Queue admission slots, without waiting (503 when none is free), and waits for one of
// Concurrency workers, which decodes the image and runs the model, converting only the pixels the
// resize reads. Config.Timeout bounds this second part, from the end of the body; when it runs out
// the work is cancelled. Images of more than Config.LargePixels go one at a time, each followed by a
// rest as long as its turn: a stream of huge images keeps at most one decoded image in memory and
// half of one worker busy.
package serve
