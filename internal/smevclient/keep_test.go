package smevclient

import (
	"bytes"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// TestKeepRestoresDelivery: a kept delivery comes back with its metadata
// and the contents of its attachments.
func TestKeepRestoresDelivery(t *testing.T) {
	d := &Delivery{MessageID: "m1", Metadata: message.MessageMetadata{MessageID: "m1", SendingTimestamp: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
		Request: &message.Request{ReplyTo: "r"}, Content: []byte("<a/>"), ReplyTo: "r", Envelope: []byte("<env/>"),
		Attachments: []ReceivedAttachment{{ContentID: "c1", FileName: "a.pdf", data: []byte("%PDF")}, {UUID: "u", fs: &message.FSAttachment{UUID: "u", FileName: "b.pdf"}}}}
	kept, err := d.Keep()
	if err != nil {
		t.Fatal(err)
	}
	got, err := RestoreDelivery(kept)
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageID != "m1" || !got.Metadata.SendingTimestamp.Equal(d.Metadata.SendingTimestamp) || got.Request.ReplyTo != "r" ||
		!bytes.Equal(got.Content, d.Content) || !bytes.Equal(got.Envelope, d.Envelope) || len(got.Attachments) != 2 {
		t.Fatalf("restored %+v", got)
	}
	if !bytes.Equal(got.Attachments[0].data, []byte("%PDF")) || got.Attachments[1].fs == nil || got.Attachments[1].fs.FileName != "b.pdf" {
		t.Errorf("attachments restored as %+v", got.Attachments)
	}
}
