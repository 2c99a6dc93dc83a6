package smevclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// FileStorage is SMEV's file storage for large attachments. The real SMEV
// uses FTP with per-file credentials; Okno hides that behind this interface
// and the SMEV stand implements it.
type FileStorage interface {
	// Upload stores size bytes read from r and returns the file's uuid.
	Upload(ctx context.Context, r io.Reader, size int64) (string, error)
	// Open streams a file announced in a delivered message.
	Open(ctx context.Context, a message.FSAttachment) (io.ReadCloser, error)
}

// Attachment is a file to send with a request or response. Open may be
// called more than once (a retry resends MTOM parts), so it must return the
// content from its start each time.
type Attachment struct {
	FileName string
	MimeType string
	Size     int64
	Open     func() (io.ReadCloser, error)
	// SignaturePKCS7 is an optional detached CMS signature of the file (ЭП-СП).
	SignaturePKCS7 []byte
}

// mimeTypePattern is basic:RFC2046MimeTypesType.
var mimeTypePattern = regexp.MustCompile(`^(text|image|audio|video|application)/[a-zA-Z0-9\-+.]*$`)

// outPart is one MTOM part of an outgoing message.
type outPart struct {
	contentID string
	mimeType  string
	size      int64
	open      func() (io.ReadCloser, error)
}

// preparedAttachments is what attachments turn into inside a message.
type preparedAttachments struct {
	headers  *message.AttachmentHeaderList
	refs     *message.RefAttachmentHeaderList
	contents *message.AttachmentContentList
	parts    []outPart
}

// prepareAttachments checks the attachments and decides how they travel:
// MTOM when their total stays within the threshold, file storage otherwise
// (uploaded here, once, hashed while streaming).
func (c *Client) prepareAttachments(ctx context.Context, atts []Attachment) (preparedAttachments, error) {
	var p preparedAttachments
	if len(atts) == 0 {
		return p, nil
	}
	var total int64
	for i, a := range atts {
		field := fmt.Sprintf("Attachments[%d]", i)
		switch {
		case !mimeTypePattern.MatchString(a.MimeType):
			return p, &InputError{Field: field + ".MimeType", Reason: fmt.Sprintf("%q is not an RFC 2046 type SMEV accepts", a.MimeType)}
		case a.Size < 0:
			return p, &InputError{Field: field + ".Size", Reason: "negative"}
		case a.Open == nil:
			return p, &InputError{Field: field + ".Open", Reason: "nil"}
		}
		total += a.Size
	}
	if total > c.cfg.FileStorageThreshold {
		if c.cfg.Storage == nil {
			return p, &InputError{Field: "Attachments", Reason: fmt.Sprintf("%d bytes exceed the MTOM threshold of %d and no file storage is configured", total, c.cfg.FileStorageThreshold)}
		}
		p.refs = &message.RefAttachmentHeaderList{}
		for i, a := range atts {
			ref, err := c.upload(ctx, a)
			if err != nil {
				return p, fmt.Errorf("attachment %d: %w", i, err)
			}
			p.refs.RefAttachmentHeader = append(p.refs.RefAttachmentHeader, ref)
		}
		return p, nil
	}
	p.headers = &message.AttachmentHeaderList{}
	p.contents = &message.AttachmentContentList{}
	for _, a := range atts {
		// xs:ID must be an NCName; the MIME Content-ID adds a domain.
		id := "att-" + uuid.NewString()
		cid := id + "@okno"
		p.headers.AttachmentHeader = append(p.headers.AttachmentHeader, message.AttachmentHeader{
			ContentID: id, MimeType: a.MimeType, SignaturePKCS7: a.SignaturePKCS7,
		})
		p.contents.AttachmentContent = append(p.contents.AttachmentContent, message.AttachmentContent{
			ID: id, Content: message.AttachmentData{Include: "cid:" + cid},
		})
		p.parts = append(p.parts, outPart{contentID: cid, mimeType: a.MimeType, size: a.Size, open: a.Open})
	}
	return p, nil
}

// upload streams one attachment into file storage, hashing it on the way.
func (c *Client) upload(ctx context.Context, a Attachment) (message.RefAttachmentHeader, error) {
	rc, err := a.Open()
	if err != nil {
		return message.RefAttachmentHeader{}, &AttachmentError{Name: a.FileName, Err: fmt.Errorf("open: %w", err)}
	}
	defer rc.Close()
	h := c.cfg.NewHash()
	counted := &countingReader{r: io.TeeReader(rc, h)}
	id, err := c.cfg.Storage.Upload(ctx, counted, a.Size)
	if err != nil {
		return message.RefAttachmentHeader{}, fmt.Errorf("upload to file storage: %w", err)
	}
	if counted.n != a.Size {
		return message.RefAttachmentHeader{}, &InputError{Field: "Attachment.Size", Reason: fmt.Sprintf("declared %d bytes, storage read %d", a.Size, counted.n)}
	}
	return message.RefAttachmentHeader{
		UUID:           id,
		FileName:       a.FileName,
		Hash:           base64.StdEncoding.EncodeToString(h.Sum(nil)),
		MimeType:       a.MimeType,
		SignaturePKCS7: a.SignaturePKCS7,
	}, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// writeMTOM writes the XOP package: the envelope as the root part, then each
// attachment streamed from its source.
func writeMTOM(mw *multipart.Writer, envelope []byte, parts []outPart) error {
	root, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {`application/xop+xml; charset=UTF-8; type="text/xml"`},
		"Content-Transfer-Encoding": {"8bit"},
		"Content-Id":                {"<" + rootContentID + ">"},
	})
	if err != nil {
		return fmt.Errorf("write MTOM root part: %w", err)
	}
	if _, err := root.Write(envelope); err != nil {
		return fmt.Errorf("write MTOM root part: %w", err)
	}
	for _, p := range parts {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.mimeType},
			"Content-Transfer-Encoding": {"binary"},
			"Content-Id":                {"<" + p.contentID + ">"},
		})
		if err != nil {
			return fmt.Errorf("write MTOM part %s: %w", p.contentID, err)
		}
		if err := copyPart(w, p); err != nil {
			return err
		}
	}
	return mw.Close()
}

func copyPart(w io.Writer, p outPart) error {
	rc, err := p.open()
	if err != nil {
		return &AttachmentError{Name: p.contentID, Err: fmt.Errorf("open: %w", err)}
	}
	defer rc.Close()
	src := &sourceReader{r: rc, name: p.contentID}
	n, err := io.Copy(w, src)
	if src.err != nil {
		return src.err
	}
	if err != nil {
		return fmt.Errorf("stream attachment %s: %w", p.contentID, err)
	}
	if n != p.size {
		return &AttachmentError{Name: p.contentID, Err: fmt.Errorf("declared %d bytes, read %d", p.size, n)}
	}
	return nil
}

// sourceReader tells a failing attachment source apart from a failing
// connection: only the first is the caller's problem.
type sourceReader struct {
	r    io.Reader
	name string
	err  *AttachmentError
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		s.err = &AttachmentError{Name: s.name, Err: fmt.Errorf("read: %w", err)}
		return n, s.err
	}
	return n, err
}

// readMTOM reads an XOP package: the root part (the envelope) within the
// XML limits, the other parts within maxParts bytes together.
func readMTOM(body io.Reader, params map[string]string, limits message.Limits, maxParts int64) (*reply, error) {
	boundary := params["boundary"]
	if boundary == "" {
		return nil, fmt.Errorf("multipart reply without boundary")
	}
	start := strings.Trim(params["start"], "<>")
	mr := multipart.NewReader(body, boundary)
	rep := &reply{parts: map[string][]byte{}}
	var total int64
	for first := true; ; first = false {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read multipart reply: %w", err)
		}
		id := strings.Trim(part.Header.Get("Content-Id"), "<>")
		if (start != "" && id == start) || (start == "" && first) {
			if rep.envelope, err = limits.ReadLimited(part); err != nil {
				return nil, fmt.Errorf("read root part: %w", err)
			}
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, maxParts-total+1))
		if err != nil {
			return nil, fmt.Errorf("read part %s: %w", id, err)
		}
		total += int64(len(data))
		if total > maxParts {
			return nil, fmt.Errorf("part %s: %w (%d bytes of attachments)", id, message.ErrTooLarge, maxParts)
		}
		rep.parts[id] = data
	}
	if rep.envelope == nil {
		return nil, fmt.Errorf("multipart reply has no root part")
	}
	return rep, nil
}

// ReceivedAttachment is a file that came with a delivered message: inline or
// by MTOM (ContentID set, content already here), or through file storage
// (UUID set, content fetched on OpenAttachment).
type ReceivedAttachment struct {
	ContentID      string
	UUID           string
	FileName       string
	MimeType       string
	SignaturePKCS7 []byte
	// Hash is the base64 digest from RefAttachmentHeader, checked on reading.
	Hash string

	data []byte
	fs   *message.FSAttachment
}

// receivedAttachments pairs the headers of a delivered message with the
// contents or storage access it carries; a header without either fails with
// ErrAttachmentMissing.
func receivedAttachments(headers *message.AttachmentHeaderList, refs *message.RefAttachmentHeaderList, contents *message.AttachmentContentList, fs *message.FSAttachmentsList, parts map[string][]byte) ([]ReceivedAttachment, error) {
	var out []ReceivedAttachment
	if headers != nil {
		byID := map[string]message.AttachmentData{}
		if contents != nil {
			for _, ac := range contents.AttachmentContent {
				byID[ac.ID] = ac.Content
			}
		}
		for _, h := range headers.AttachmentHeader {
			content, ok := byID[h.ContentID]
			if !ok {
				return nil, fmt.Errorf("%w: no AttachmentContent for contentId %q", ErrAttachmentMissing, h.ContentID)
			}
			data := content.Inline
			if content.Include != "" {
				cid := strings.TrimPrefix(content.Include, "cid:")
				part, ok := parts[cid]
				if !ok {
					// RFC 2392: a cid URL is percent-encoded, the Content-ID is not.
					if unescaped, err := url.PathUnescape(cid); err == nil {
						part, ok = parts[unescaped]
					}
				}
				if !ok {
					return nil, fmt.Errorf("%w: no MIME part %q for contentId %q", ErrAttachmentMissing, cid, h.ContentID)
				}
				data = part
			}
			out = append(out, ReceivedAttachment{ContentID: h.ContentID, MimeType: h.MimeType, SignaturePKCS7: h.SignaturePKCS7, data: data})
		}
	}
	if refs != nil {
		byUUID := map[string]message.FSAttachment{}
		if fs != nil {
			for _, f := range fs.FSAttachment {
				byUUID[f.UUID] = f
			}
		}
		for _, r := range refs.RefAttachmentHeader {
			f, ok := byUUID[r.UUID]
			if !ok {
				return nil, fmt.Errorf("%w: no FSAttachment for uuid %q", ErrAttachmentMissing, r.UUID)
			}
			out = append(out, ReceivedAttachment{UUID: r.UUID, FileName: r.FileName, MimeType: r.MimeType, SignaturePKCS7: r.SignaturePKCS7, Hash: r.Hash, fs: &f})
		}
	}
	return out, nil
}

// OpenAttachment streams a received attachment. A file from storage is
// hashed while it is read; the final Read returns ErrAttachmentHash instead
// of io.EOF when the digest differs from the header's.
func (c *Client) OpenAttachment(ctx context.Context, a ReceivedAttachment) (io.ReadCloser, error) {
	if a.fs == nil {
		return io.NopCloser(bytes.NewReader(a.data)), nil
	}
	if c.cfg.Storage == nil {
		return nil, &InputError{Field: "Config.Storage", Reason: "nil; the attachment is in file storage"}
	}
	want, err := base64.StdEncoding.DecodeString(a.Hash)
	if err != nil {
		return nil, fmt.Errorf("%w: hash of %s is not base64: %w", ErrAttachmentHash, a.UUID, err)
	}
	rc, err := c.cfg.Storage.Open(ctx, *a.fs)
	if err != nil {
		return nil, fmt.Errorf("open %s in file storage: %w", a.UUID, err)
	}
	return &verifyingReader{rc: rc, h: c.cfg.NewHash(), want: want, uuid: a.UUID}, nil
}

type verifyingReader struct {
	rc   io.ReadCloser
	h    hash.Hash
	want []byte
	uuid string
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	v.h.Write(p[:n])
	if errors.Is(err, io.EOF) && !bytes.Equal(v.h.Sum(nil), v.want) {
		return n, fmt.Errorf("%w: file %s", ErrAttachmentHash, v.uuid)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.rc.Close() }
