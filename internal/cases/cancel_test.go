package cases

import (
	"strings"
	"testing"
)

func TestParseWithdrawal(t *testing.T) {
	f := DefaultWithdrawalForm()
	open := `<CancelRequest xmlns="` + f.Namespace + `">`
	for _, tc := range []struct {
		name, doc     string
		order, reason string
		err           string // part of the error; "" when the document is good
	}{
		{name: "order and reason", doc: open + `<orderId> 1042 </orderId><reason>Передумал
			строить</reason></CancelRequest>`, order: "1042", reason: "Передумал строить"},
		{name: "no reason", doc: open + `<orderId>7</orderId></CancelRequest>`, order: "7"},
		{name: "unknown elements ignored", doc: open + `<extra><orderId>9</orderId></extra><orderId>8</orderId></CancelRequest>`, order: "8"},
		{name: "no order", doc: open + `<reason>x</reason></CancelRequest>`, err: "has no orderId"},
		{name: "empty order", doc: open + `<orderId>  </orderId></CancelRequest>`, err: "has no orderId"},
		{name: "two orders", doc: open + `<orderId>1</orderId><orderId>2</orderId></CancelRequest>`, err: "2 orderId elements"},
		{name: "long order", doc: open + `<orderId>` + strings.Repeat("1", 65) + `</orderId></CancelRequest>`, err: "longer than 64"},
		{name: "other root", doc: `<FormData xmlns="` + f.Namespace + `"><orderId>1</orderId></FormData>`, err: "is not the withdrawal"},
		{name: "other namespace", doc: `<CancelRequest xmlns="urn:other"><orderId>1</orderId></CancelRequest>`, err: "is not the withdrawal"},
		{name: "doctype", doc: `<!DOCTYPE CancelRequest [<!ENTITY x "1">]>` + open + `<orderId>&x;</orderId></CancelRequest>`, err: "DTD or entity"},
		{name: "too deep", doc: open + strings.Repeat("<a>", 8) + strings.Repeat("</a>", 8) + `<orderId>1</orderId></CancelRequest>`, err: "deeper than 8"},
		{name: "too large", doc: open + `<orderId>1</orderId><reason>` + strings.Repeat("x", 70<<10) + `</reason></CancelRequest>`, err: "exceeds"},
		{name: "broken", doc: open + `<orderId>1</orderId>`, err: "not well-formed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := parseWithdrawal([]byte(tc.doc), f)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if w.order != tc.order || w.reason != tc.reason {
				t.Fatalf("got order %q reason %q, want %q %q", w.order, w.reason, tc.order, tc.reason)
			}
		})
	}
}

func TestLongWithdrawalReasonIsCut(t *testing.T) {
	f := DefaultWithdrawalForm()
	doc := `<CancelRequest xmlns="` + f.Namespace + `"><orderId>1</orderId><reason>` + strings.Repeat("я", 2500) + `</reason></CancelRequest>`
	w, err := parseWithdrawal([]byte(doc), f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len([]rune(w.reason)); n != withdrawalMaxReason {
		t.Fatalf("reason of %d runes, want %d", n, withdrawalMaxReason)
	}
}
