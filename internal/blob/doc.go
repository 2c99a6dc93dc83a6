// Package blob owns the bytes of Okno: the documents, scans, signatures and
// decisions attached to cases. Everything else (which case a file belongs to,
// its name, its type) lives in PostgreSQL; this package only stores opaque
// content under opaque keys built by callers, for example
// "agency/<uuid>/case/<uuid>/doc/<uuid>".
//
// One interface, [Store], has two implementations chosen by [New]:
//
//   - [Local], a directory on the server's disk (the default, ./.data/files);
//   - [S3], a bucket on any S3-compatible server (MinIO in practice).
//
// Both give the same guarantees, checked by one contract test suite:
//
//   - Put streams: the content never sits in memory as a whole. SHA-256 is
//     computed in the same pass, and callers may tee the stream into their own
//     digests (a GOST R 34.11-2012 Streebog hash, say) with [WithTee].
//   - Put refuses content larger than the configured maximum with an error
//     matching [ErrTooLarge] (as a [*TooLargeError] carrying the limit, so the
//     web layer can tell a person which size is allowed) and leaves nothing
//     behind.
//   - Put is atomic: a reader sees either the previous content of a key or
//     the new one, never a partial file.
//   - Open returns a reader that re-checks SHA-256 when it reaches EOF and
//     fails with [ErrChecksum] if the stored bytes have changed.
//   - Missing keys give [ErrNotFound]; malformed keys give [ErrInvalidKey]
//     before anything is read or written. Delete of a missing key succeeds,
//     so cleanups can be retried.
//   - Check proves the store is writable, for startup and readiness probes.
//
// Local layout: the key "a/b/c" is the file <dir>/a/b/c.blob. The suffix
// keeps files and directories apart (keys "a/b" and "a/b/c" can coexist). A
// file starts with a 40-byte header, the magic "OKNOBLB1" followed by the
// SHA-256 of the content, so the digest is written with the content in a single
// atomic rename and never drifts from it; `tail -c +41 file` gives the content.
//
// S3 layout: the key is the object name; the hex SHA-256 travels as the user
// metadata x-amz-meta-sha256. Put spools the stream to a temporary file first:
// this enforces the size limit and computes the digest before a single byte
// reaches the bucket, and lets the upload declare its size, which avoids the
// client library's part-sized memory buffers for streams of unknown length.
package blob
