package smevclient

import (
	"bytes"
	"encoding/gob"
	"fmt"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// keptDelivery is a Delivery with its attachments' contents, in a form
// that outlives the process: intake keeps a message it could not process
// this way, so that a person can run it again after SMEV forgot it.
type keptDelivery struct {
	MessageID   string
	Metadata    message.MessageMetadata
	Request     *message.Request
	Response    *message.Response
	Content     []byte
	ReplyTo     string
	Envelope    []byte
	Attachments []keptAttachment
}

type keptAttachment struct {
	ContentID, UUID, FileName, MimeType, Hash string
	SignaturePKCS7                            []byte
	Data                                      []byte
	FS                                        *message.FSAttachment
}

// Keep encodes the delivery, attachments included (file-storage ones by
// their access, which lasts as long as the storage keeps the file).
func (d *Delivery) Keep() ([]byte, error) {
	k := keptDelivery{MessageID: d.MessageID, Metadata: d.Metadata, Request: d.Request, Response: d.Response,
		Content: d.Content, ReplyTo: d.ReplyTo, Envelope: d.Envelope}
	for _, a := range d.Attachments {
		k.Attachments = append(k.Attachments, keptAttachment{ContentID: a.ContentID, UUID: a.UUID, FileName: a.FileName,
			MimeType: a.MimeType, Hash: a.Hash, SignaturePKCS7: a.SignaturePKCS7, Data: a.data, FS: a.fs})
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(k); err != nil {
		return nil, fmt.Errorf("smev: keep delivery %s: %w", d.MessageID, err)
	}
	return b.Bytes(), nil
}

// RestoreDelivery decodes what Keep encoded.
func RestoreDelivery(kept []byte) (*Delivery, error) {
	var k keptDelivery
	if err := gob.NewDecoder(bytes.NewReader(kept)).Decode(&k); err != nil {
		return nil, fmt.Errorf("smev: restore delivery: %w", err)
	}
	d := &Delivery{MessageID: k.MessageID, Metadata: k.Metadata, Request: k.Request, Response: k.Response,
		Content: k.Content, ReplyTo: k.ReplyTo, Envelope: k.Envelope}
	for _, a := range k.Attachments {
		d.Attachments = append(d.Attachments, ReceivedAttachment{ContentID: a.ContentID, UUID: a.UUID, FileName: a.FileName,
			MimeType: a.MimeType, Hash: a.Hash, SignaturePKCS7: a.SignaturePKCS7, data: a.Data, fs: a.FS})
	}
	return d, nil
}
