package filestore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/esign/streebog"
	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevclient"
	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/filestore"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

func TestUploadAndDownloadWithFileCredentials(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, err := store.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := httptest.NewServer(filestore.NewHandler(st, "/files/", 1<<20, slog.New(slog.NewTextHandler(io.Discard, nil))))
	defer srv.Close()
	c := smevclient.NewHTTPFileStorage(srv.URL+"/files/", srv.Client())

	data := bytes.Repeat([]byte("чертёж "), 1000)
	id, err := c.Upload(ctx, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := st.File(ctx, uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	sum := streebog.Sum256(data)
	if want := base64.StdEncoding.EncodeToString(sum[:]); f.Hash != want {
		t.Fatalf("stored hash %s, want Streebog-256 %s", f.Hash, want)
	}

	rc, err := c.Open(ctx, message.FSAttachment{UUID: id, UserName: "MINSTROY", Password: f.Password})
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded %d bytes (%v), want the %d uploaded", len(got), err, len(data))
	}
	if _, err := c.Open(ctx, message.FSAttachment{UUID: id, UserName: "MINSTROY", Password: "guess"}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("download with a wrong password: %v, want HTTP 401", err)
	}
	if _, err := c.Open(ctx, message.FSAttachment{UUID: uuid.NewString(), Password: f.Password}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("download of a missing file: %v, want HTTP 404", err)
	}
	big := bytes.Repeat([]byte{1}, 2<<20)
	if _, err := c.Upload(ctx, bytes.NewReader(big), int64(len(big))); err == nil || !strings.Contains(err.Error(), "413") {
		t.Fatalf("upload over the limit: %v, want HTTP 413", err)
	}
}
