package blob

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
)

const benchSize = 10 << 20

// BenchmarkPut stores a 10 MiB stream per iteration, overwriting one key, so
// the figures include hashing, the size check and the durable write (fsync on
// the local disk, the spool file and an upload to a local MinIO for S3).
func BenchmarkPut(b *testing.B) {
	b.Run("local", func(b *testing.B) {
		store, err := NewLocal(b.TempDir(), benchSize)
		if err != nil {
			b.Fatal(err)
		}
		benchmarkPut(b, store)
	})
	b.Run("s3", func(b *testing.B) {
		server := startMinio(b)
		store, err := NewS3(server.config(server.newBucket(b), b.TempDir()), benchSize)
		if err != nil {
			b.Fatal(err)
		}
		benchmarkPut(b, store)
	})
}

func benchmarkPut(b *testing.B, store Store) {
	ctx := context.Background()
	src := newPatternReader(benchSize)
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		src.left, src.off = benchSize, 0
		if _, err := store.Put(ctx, "agency/a1/case/c1/doc/bench", src); err != nil {
			b.Fatal(err)
		}
	}
}

// patternReader yields n bytes of a fixed pseudo-random block without
// allocating per read, so benchmarks measure the store, not the source.
type patternReader struct {
	block []byte
	left  int64
	off   int
}

func newPatternReader(n int64) *patternReader {
	block := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range block {
		block[i] = byte(rng.Uint32())
	}
	return &patternReader{block: block, left: n}
}

func (p *patternReader) Read(buf []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	if int64(len(buf)) > p.left {
		buf = buf[:p.left]
	}
	n := 0
	for n < len(buf) {
		c := copy(buf[n:], p.block[p.off:])
		n += c
		p.off = (p.off + c) % len(p.block)
	}
	p.left -= int64(n)
	return n, nil
}
