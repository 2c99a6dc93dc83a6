package smevclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// HTTPFileStorage is the client side of large-file transfer over HTTP: an
// upload that answers the file's uuid and a download guarded by the
// per-file credentials of a delivered message's FSAttachment. The SMEV 3
// stand serves this protocol; the real bus's FTP is not built yet.
type HTTPFileStorage struct {
	base string // e.g. http://localhost:7590/files/
	http *http.Client
}

// UploadedFile is the storage's JSON answer to an upload.
type UploadedFile struct {
	UUID string `json:"uuid"`
	Hash string `json:"hash"`
	Size int64  `json:"size"`
}

// NewHTTPFileStorage returns a client for the storage at base (ending in "/").
func NewHTTPFileStorage(base string, hc *http.Client) *HTTPFileStorage {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &HTTPFileStorage{base: base, http: hc}
}

// Upload stores size bytes from r and returns the file's uuid.
func (c *HTTPFileStorage) Upload(ctx context.Context, r io.Reader, size int64) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base, r)
	if err != nil {
		return "", fmt.Errorf("file storage upload: %w", err)
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("file storage upload: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("file storage upload: HTTP %d: %s", resp.StatusCode, msg)
	}
	var up UploadedFile
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&up); err != nil {
		return "", fmt.Errorf("file storage upload: decode answer: %w", err)
	}
	return up.UUID, nil
}

// Open streams a stored file with the credentials of its FSAttachment.
func (c *HTTPFileStorage) Open(ctx context.Context, a message.FSAttachment) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+url.PathEscape(a.UUID), nil)
	if err != nil {
		return nil, fmt.Errorf("file storage open %s: %w", a.UUID, err)
	}
	req.SetBasicAuth(a.UserName, a.Password)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("file storage open %s: %w", a.UUID, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("file storage open %s: HTTP %d", a.UUID, resp.StatusCode)
	}
	return resp.Body, nil
}
