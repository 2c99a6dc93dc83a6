package filestore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

// Client reaches the stand's file storage over HTTP; it implements
// smevclient.FileStorage.
type Client struct {
	base string // e.g. http://localhost:7590/files/
	http *http.Client
}

// NewClient returns a client for the storage at base (ending in "/").
func NewClient(base string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: base, http: hc}
}

// Upload stores size bytes from r and returns the file's uuid.
func (c *Client) Upload(ctx context.Context, r io.Reader, size int64) (string, error) {
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
	var up Uploaded
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&up); err != nil {
		return "", fmt.Errorf("file storage upload: decode answer: %w", err)
	}
	return up.UUID, nil
}

// Open streams a stored file with the credentials of its FSAttachment.
func (c *Client) Open(ctx context.Context, a message.FSAttachment) (io.ReadCloser, error) {
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
