package smevclient_test

import (
	"context"
	"io"
	"runtime"
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// patternReader produces n bytes without holding them, like a file on disk.
type patternReader struct{ left int64 }

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	n := int64(len(b))
	if n > p.left {
		n = p.left
	}
	for i := range b[:n] {
		b[i] = byte(int64(i) * 31)
	}
	p.left -= n
	return int(n), nil
}

// discardStorage reads uploads to the end and keeps nothing.
type discardStorage struct{ got int64 }

func (d *discardStorage) Upload(_ context.Context, r io.Reader, _ int64) (string, error) {
	n, err := io.Copy(io.Discard, r)
	d.got += n
	return "f0e3b1d2-0000-1000-8000-000000000000", err
}

func (d *discardStorage) Open(context.Context, message.FSAttachment) (io.ReadCloser, error) {
	return nil, io.ErrUnexpectedEOF
}

func largeAttachment(size int64) smevclient.Attachment {
	return smevclient.Attachment{FileName: "archive.zip", MimeType: "application/zip", Size: size,
		Open: func() (io.ReadCloser, error) { return io.NopCloser(&patternReader{left: size}), nil }}
}

// A large file passes to storage in a stream: the client allocates a small
// fraction of its size.
func TestLargeAttachmentIsStreamed(t *testing.T) {
	const size = 64 << 20
	store := &discardStorage{}
	f := newFakeSMEV(t, replyFunc(accepted))
	c := newClient(t, f, func(cfg *smevclient.Config) { cfg.Storage, cfg.Verifier, cfg.SMEVCertificates = store, nil, nil })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	if _, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest), Attachments: []smevclient.Attachment{largeAttachment(size)}}); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if store.got != size {
		t.Fatalf("storage received %d bytes, want %d", store.got, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/4 {
		t.Fatalf("sending a %d-byte file allocated %d bytes; it is not streamed", size, alloc)
	}
}

func BenchmarkSendRequestRoundTrip(b *testing.B) {
	f := newUncheckedSMEV(b, replyFunc(accepted)) // measure the client, not xmllint
	c, err := smevclient.New(smevclient.Config{Endpoint: f.srv.URL, Signer: oknoKeys})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUploadToFileStorage(b *testing.B) {
	const size = 32 << 20
	f := newUncheckedSMEV(b, replyFunc(accepted))
	c, err := smevclient.New(smevclient.Config{Endpoint: f.srv.URL, Signer: oknoKeys, Storage: &discardStorage{}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.SendRequest(context.Background(), smevclient.Request{Content: []byte(elkRequest), Attachments: []smevclient.Attachment{largeAttachment(size)}}); err != nil {
			b.Fatal(err)
		}
	}
}
