package message_test

import (
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient/message"
)

func deliveredEnvelope(tb testing.TB) []byte {
	tb.Helper()
	for _, tc := range bodies() {
		if tc.name == "GetRequestResponse/request" {
			env, err := message.Marshal(tc.body)
			if err != nil {
				tb.Fatal(err)
			}
			return env
		}
	}
	tb.Fatal("no delivered request among the test bodies")
	return nil
}

func BenchmarkMarshalSendRequest(b *testing.B) {
	body := bodies()[0].body
	b.ReportAllocs()
	for b.Loop() {
		if _, err := message.Marshal(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnmarshalDeliveredRequest(b *testing.B) {
	env := deliveredEnvelope(b)
	b.SetBytes(int64(len(env)))
	b.ReportAllocs()
	for b.Loop() {
		var got message.GetRequestResponse
		if err := message.Unmarshal(env, message.DefaultLimits(), &got); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzUnmarshal: whatever a server sends, decoding returns a value or an
// error, never a panic.
func FuzzUnmarshal(f *testing.F) {
	f.Add(deliveredEnvelope(f))
	fault, err := message.MarshalFault(&message.Fault{Kind: message.FaultSignatureVerification, SignatureCode: message.SigNoSignatureFound})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fault)
	f.Add([]byte(`<!DOCTYPE x><x/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var got message.GetRequestResponse
		_ = message.Unmarshal(data, message.Limits{MaxBytes: 1 << 16, MaxDepth: 32}, &got)
	})
}
