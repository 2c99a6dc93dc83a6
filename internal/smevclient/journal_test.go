package smevclient

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

func TestReplyID(t *testing.T) {
	const id, fallback = "9a8e7d66-5d2a-11ef-9c11-0242ac120003", "fallback"
	tests := []struct {
		name, envelope, want string
	}{
		{"unprefixed", `<MessageMetadata><MessageId>` + id + `</MessageId>`, id},
		{"prefixed", `<ns2:MessageMetadata><ns2:MessageId>` + id + `</ns2:MessageId>`, id},
		{"original id is not the message id", `<OriginalMessageId>7c1f0b2e-5d2a-11ef-8a3b-0242ac120002</OriginalMessageId><MessageId>` + id + `</MessageId>`, id},
		{"no id", `<AckResponse/>`, fallback},
		{"garbage id", `<MessageId>../../etc/passwd</MessageId>`, fallback},
		{"at the very start", `MessageId>` + id, fallback},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := replyID([]byte(tc.envelope), fallback); got != tc.want {
				t.Errorf("replyID = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "none"},
		{"9a8e7d66-5d2a-11ef-9c11-0242ac120003", "9a8e7d66-5d2a-11ef-9c11-0242ac120003"},
		{"../x y", "___x_y"},
	}
	for _, tc := range tests {
		if got := safeName(tc.in); got != tc.want {
			t.Errorf("safeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestJournalNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	j := journal{dir: dir}
	at := time.Date(2026, 11, 23, 6, 0, 0, 123, time.UTC)
	for _, body := range []string{"first", "second"} {
		if err := j.write(at, dirOut, message.OpAck, "id", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"20261123T060000.000000123Z_out_Ack_id.xml":   "first",
		"20261123T060000.000000123Z_out_Ack_id.1.xml": "second",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
	if err := (journal{dir: filepath.Join(dir, "missing")}).write(at, dirIn, message.OpAck, "id", nil); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}
