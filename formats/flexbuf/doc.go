// Package flexbuf is a minimal, bounds-checked reader of FlexBuffers, the schema-less binary
// format TFLite uses for a custom operator's options (Operator.custom_options with
// custom_options_format FLEXBUFFERS).
//
// It reads what such options hold: the root value, maps with string keys, and the scalar
// types INT, UINT, FLOAT, BOOL, their INDIRECT_ forms, STRING and KEY. Every offset, width
// and size is checked against the buffer before it is used, so a hostile buffer gives an
// error, never a panic or an out-of-range read. Nothing is copied: values refer into the
// caller's bytes, which must not change while they are in use.
//
// The layout follows the public FlexBuffers description (the FlexBuffers section of the
// FlatBuffers internals documentation) and google/flatbuffers include/flatbuffers/flexbuffers.h:
//
//   - The last byte of the buffer is the root's byte width W, the byte before it the root's
//     packed type (type<<2 | log2 of the byte width of what it points to), and the root
//     value occupies the W bytes before that.
//   - INT, UINT, FLOAT and BOOL are stored in place, in the width of the slot that holds
//     them; every other type is an unsigned offset counted backwards from the slot.
//   - A map's data starts where its offset points; with element width w, the element count
//     is the w bytes before the data, the key vector's byte width the w bytes before that,
//     and the backward offset to the key vector the w bytes before that. Element i is at
//     data+i·w and its packed type at data+count·w+i. The key vector (also preceded by its
//     count) holds backward offsets to NUL-terminated key strings, sorted by strcmp.
//   - FLOAT widths 4 and 8 are IEEE floats; widths 1 and 2 are read as signed integers, as
//     flexbuffers.h does (its builder never writes them).
package flexbuf
