package bus

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// inlineAttachments pairs AttachmentHeaderList with AttachmentContentList
// (order may differ) and resolves MTOM parts. Any header without content,
// content without header or xop:Include without its part is
// AttachmentContentMiscoordination.
func (b *Bus) inlineAttachments(headers *message.AttachmentHeaderList, contents *message.AttachmentContentList, parts map[string][]byte) ([]store.Attachment, error) {
	var hs []message.AttachmentHeader
	if headers != nil {
		hs = headers.AttachmentHeader
	}
	var cs []message.AttachmentContent
	if contents != nil {
		cs = contents.AttachmentContent
	}
	if len(hs) != len(cs) {
		return nil, newFault(message.FaultAttachmentContentMiscoordination, "%d attachment headers but %d contents", len(hs), len(cs))
	}
	byID := map[string][]byte{}
	var total int64
	for _, c := range cs {
		if _, dup := byID[c.ID]; dup {
			return nil, newFault(message.FaultAttachmentContentMiscoordination, "attachment content %q appears twice", c.ID)
		}
		data := c.Content.Inline
		if c.Content.Include != "" {
			part, ok := parts[contentIDFromHref(c.Content.Include)]
			if !ok {
				return nil, newFault(message.FaultAttachmentContentMiscoordination, "xop:Include %q of attachment %q names no MIME part", c.Content.Include, c.ID)
			}
			data = part
		}
		byID[c.ID] = data
		total += int64(len(data))
	}
	if total > b.maxAttach {
		f := newFault(message.FaultAttachmentSizeLimitExceeded, "attachments total %d bytes, the limit is %d", total, b.maxAttach)
		f.PermittedTotalSize, f.RealTotalSize = b.maxAttach, total
		return nil, f
	}
	out := make([]store.Attachment, 0, len(hs))
	for _, h := range hs {
		data, ok := byID[h.ContentID]
		if !ok {
			return nil, newFault(message.FaultAttachmentContentMiscoordination, "attachment header %q has no content", h.ContentID)
		}
		out = append(out, store.Attachment{ContentID: h.ContentID, Content: data})
	}
	return out, nil
}

// contentIDFromHref turns "cid:abc%40x" into the Content-ID "abc@x".
func contentIDFromHref(href string) string {
	id := strings.TrimPrefix(href, "cid:")
	if u, err := url.PathUnescape(id); err == nil {
		return u
	}
	return id
}

// refAttachments checks that every file referenced through the file
// storage exists and has the declared hash.
func (b *Bus) refAttachments(ctx context.Context, refs *message.RefAttachmentHeaderList) ([]store.FSAttachment, error) {
	if refs == nil {
		return nil, nil
	}
	var out []store.FSAttachment
	for _, r := range refs.RefAttachmentHeader {
		id, err := uuid.Parse(r.UUID)
		if err != nil {
			return nil, newFault(message.FaultAttachmentContentMiscoordination, "RefAttachmentHeader uuid %q is not a UUID", r.UUID)
		}
		f, err := b.store.FileInfo(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil, newFault(message.FaultAttachmentContentMiscoordination, "file %s is not in the file storage", r.UUID)
		}
		if err != nil {
			return nil, err
		}
		if r.Hash != f.Hash {
			return nil, newFault(message.FaultAttachmentContentMiscoordination, "file %s has hash %s, the header says %s", r.UUID, f.Hash, r.Hash)
		}
		name := r.FileName
		if name == "" {
			name = f.FileName
		}
		out = append(out, store.FSAttachment{UUID: f.UUID.String(), FileName: name, Size: f.Size})
	}
	return out, nil
}

// fsList gives the receiver the access data of a message's stored files.
func (b *Bus) fsList(ctx context.Context, files []store.FSAttachment, recipient string) (*message.FSAttachmentsList, error) {
	if len(files) == 0 {
		return nil, nil
	}
	l := &message.FSAttachmentsList{}
	for _, fa := range files {
		f, err := b.store.FileInfo(ctx, uuid.MustParse(fa.UUID))
		if err != nil {
			return nil, err
		}
		l.FSAttachment = append(l.FSAttachment, message.FSAttachment{UUID: fa.UUID, UserName: recipient, Password: f.Password, FileName: fa.FileName})
	}
	return l, nil
}

func contentList(as []store.Attachment) *message.AttachmentContentList {
	if len(as) == 0 {
		return nil
	}
	l := &message.AttachmentContentList{}
	for _, a := range as {
		l.AttachmentContent = append(l.AttachmentContent, message.AttachmentContent{ID: a.ContentID, Content: message.AttachmentData{Inline: a.Content}})
	}
	return l
}
