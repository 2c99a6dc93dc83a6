package bus_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/okno-oiv/okno/internal/smevclient/message"
	"github.com/okno-oiv/okno/internal/smevstand/bus"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

// TestConcurrentSendsNeverOverfillAQueue: many senders at once against a
// queue with a few places left get exactly that many acceptances, every
// other call a DestinationOverflow, and the queue never holds more than its
// capacity (the stand's log once showed «holds 1001 messages» against 1000).
func TestConcurrentSendsNeverOverfillAQueue(t *testing.T) {
	const capacity, senders = 5, 40
	s := newStand(t, message.DefaultLimits(), func(c *bus.Config) { c.QueueCapacity = capacity })
	envelopes := make([][]byte, senders)
	for i := range envelopes {
		req := fnsRequest(t, newMessageID(t))
		sign(t, s.minstroy, req, req.SenderProvidedRequestData.ID, func(sig *message.Signature) { req.CallerInformationSystemSignature = sig })
		env, err := message.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		envelopes[i] = env
	}
	var mu sync.Mutex
	accepted, overflowed := 0, 0
	var wg sync.WaitGroup
	for _, env := range envelopes {
		wg.Go(func() {
			var reply message.SendRequestResponse
			err := s.post(message.OpSendRequest, env, &reply)
			mu.Lock()
			defer mu.Unlock()
			var f *message.Fault
			switch {
			case err == nil:
				accepted++
			case errors.As(err, &f) && f.Kind == message.FaultDestinationOverflow:
				overflowed++
			default:
				t.Errorf("send: %v", err)
			}
		})
	}
	wg.Wait()
	if n := s.queued("FNS", store.KindRequest); n != capacity || accepted != capacity || overflowed != senders-capacity {
		t.Fatalf("queue holds %d of %d; %d accepted, %d overflowed of %d", n, capacity, accepted, overflowed, senders)
	}
}
