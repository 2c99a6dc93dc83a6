package portal

import (
	"encoding/json"
	"errors"
	"net/http"
)

// Filed is the JSON answer of the filing endpoint.
type Filed struct {
	OrderNumber int64  `json:"orderNumber"`
	MessageID   string `json:"messageId"`
	Service     string `json:"service"`
	Recipient   string `json:"recipient"`
}

// FilingHandler files one application on POST, for the service named by
// the "service" query parameter (any regular service when absent). The
// control example and tests use it to get an application on demand.
func (p *Portal) FilingHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST to file an application", http.StatusMethodNotAllowed)
			return
		}
		app, err := p.FileApplication(r.Context(), r.URL.Query().Get("service"))
		if errors.Is(err, ErrNoService) {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		if err != nil {
			p.cfg.Log.Error("portal: file on demand", "err", err)
			http.Error(w, "cannot file the application", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(Filed{OrderNumber: app.OrderNumber, MessageID: app.ID.String(), Service: app.ServiceCode, Recipient: app.Recipient})
	})
}
