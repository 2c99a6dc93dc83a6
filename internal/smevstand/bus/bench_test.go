package bus_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
)

// timed counts the time spent in the stand's signing and verification.
type timed struct {
	signer   bus.SignatureMaker
	verifier bus.SignatureVerifier
	spent    *atomic.Int64
}

func (t timed) Sign(doc []byte, id string) ([]byte, error) {
	start := time.Now()
	defer func() { t.spent.Add(int64(time.Since(start))) }()
	return t.signer.Sign(doc, id)
}

func (t timed) Verify(doc []byte, id string, cert []byte) error {
	start := time.Now()
	defer func() { t.spent.Add(int64(time.Since(start))) }()
	return t.verifier.Verify(doc, id, cert)
}

// BenchmarkGetRequestAck measures a provider's round trip through the
// stand over HTTP: GetRequest (signed selector, verified by the stand,
// delivered with a fresh SMEVSignature) and Ack (signed, verified). It
// reports round trips per second and the share of wall time spent in GOST
// signing and verification on both sides.
//
//	go test -run '^$' -bench GetRequestAck -benchtime 200x ./internal/smevstand/bus/
func BenchmarkGetRequestAck(b *testing.B) {
	var spent atomic.Int64
	s := newStand(b, message.DefaultLimits(), func(c *bus.Config) {
		t := timed{signer: c.Signer, verifier: c.Verifier, spent: &spent}
		c.Signer, c.Verifier = t, t
	})
	ctx := context.Background()
	for range b.N {
		req := fnsRequest(b, newMessageID(b))
		if _, err := s.bus.SendRequest(ctx, bus.Outgoing{Sender: "MINSTROY"}, req); err != nil {
			b.Fatal(err)
		}
	}
	spent.Store(0)
	var clientSpent time.Duration
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		sel := &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: time.Now()}}
		t0 := time.Now()
		sign(b, s.fns, sel, "SIGNED_BY_CALLER", func(sig *message.Signature) { sel.CallerInformationSystemSignature = sig })
		clientSpent += time.Since(t0)
		var got message.GetRequestResponse
		if err := s.call(message.OpGetRequest, sel, &got); err != nil || got.RequestMessage == nil {
			b.Fatalf("GetRequest: %+v, %v", got.RequestMessage, err)
		}
		ack := &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", MessageID: got.RequestMessage.Request.MessageMetadata.MessageID}}
		t0 = time.Now()
		sign(b, s.fns, ack, "SIGNED_BY_CALLER", func(sig *message.Signature) { ack.CallerInformationSystemSignature = sig })
		clientSpent += time.Since(t0)
		if err := s.call(message.OpAck, ack, &message.AckResponse{}); err != nil {
			b.Fatalf("Ack: %v", err)
		}
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "roundtrips/s")
	b.ReportMetric(100*float64(spent.Load())/float64(elapsed), "%stand-gost")
	b.ReportMetric(100*float64(clientSpent)/float64(elapsed), "%client-sign")
}

// BenchmarkGetRequestAckParallel is the same round trip from eight
// consumers at once: PostgreSQL commits overlap, so the stand's throughput
// is higher than one consumer's.
//
//	go test -run '^$' -bench GetRequestAckParallel -benchtime 400x ./internal/smevstand/bus/
func BenchmarkGetRequestAckParallel(b *testing.B) {
	s := newStand(b, message.DefaultLimits())
	ctx := context.Background()
	for range b.N {
		if _, err := s.bus.SendRequest(ctx, bus.Outgoing{Sender: "MINSTROY"}, fnsRequest(b, newMessageID(b))); err != nil {
			b.Fatal(err)
		}
	}
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	var done atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sel := &message.GetRequestRequest{MessageTypeSelector: message.MessageTypeSelector{ID: "SIGNED_BY_CALLER", Timestamp: time.Now()}}
			sign(b, s.fns, sel, "SIGNED_BY_CALLER", func(sig *message.Signature) { sel.CallerInformationSystemSignature = sig })
			var got message.GetRequestResponse
			if err := s.call(message.OpGetRequest, sel, &got); err != nil || got.RequestMessage == nil {
				b.Errorf("GetRequest: %+v, %v", got.RequestMessage, err)
				return
			}
			ack := &message.AckRequest{AckTargetMessage: message.AckTargetMessage{ID: "SIGNED_BY_CALLER", MessageID: got.RequestMessage.Request.MessageMetadata.MessageID}}
			sign(b, s.fns, ack, "SIGNED_BY_CALLER", func(sig *message.Signature) { ack.CallerInformationSystemSignature = sig })
			if err := s.call(message.OpAck, ack, &message.AckResponse{}); err != nil {
				b.Errorf("Ack: %v", err)
				return
			}
			done.Add(1)
		}
	})
	b.ReportMetric(float64(done.Load())/time.Since(start).Seconds(), "roundtrips/s")
}
