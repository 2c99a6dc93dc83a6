package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/okno-oiv/okno/internal/pgtest"
	"github.com/okno-oiv/okno/internal/smevstand/store"
)

func open(t *testing.T, url string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func request(t *testing.T, recipient string, at time.Time) *store.Message {
	id, err := uuid.NewUUID()
	if err != nil {
		t.Fatal(err)
	}
	return &store.Message{ID: id, Kind: store.KindRequest, Sender: "A", Recipient: recipient,
		Namespace: "urn:x", RootElement: "Req", Payload: []byte("<x/>"), SentAt: at}
}

// Two stand processes sharing the database (two pools, schema created twice)
// never hand out the same message twice within the redelivery timeout.
func TestDeliveryIsExclusiveAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := pgtest.NewDatabase(t)
	a, b := open(t, url), open(t, url)
	ctx := context.Background()
	now := time.Now()
	const n = 40
	for i := 0; i < n; i++ {
		if err := a.InsertMessage(ctx, request(t, "P", now), nil); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[uuid.UUID]int{}
	var wg sync.WaitGroup
	for _, s := range []*store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				m, err := s.Deliver(ctx, store.Selector{Recipient: "P", Kind: store.KindRequest}, now, store.Redelivery{Base: time.Hour})
				if err != nil {
					t.Error(err)
					return
				}
				if m == nil {
					return
				}
				mu.Lock()
				seen[m.ID]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("delivered %d distinct messages, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("message %s delivered %d times", id, c)
		}
	}
}

func TestAckAndDuplicates(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	now := time.Now()
	m := request(t, "P", now)
	if err := s.InsertMessage(ctx, m, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertMessage(ctx, m, nil); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second insert of %s: %v, want ErrDuplicate", m.ID, err)
	}
	if _, err := s.Ack(ctx, "P", m.ID, true, now, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack before delivery: %v, want ErrNotFound", err)
	}
	if got, err := s.Deliver(ctx, store.Selector{Recipient: "P", Kind: store.KindRequest, Namespace: "urn:x", RootElement: "Other"}, now, store.Redelivery{Base: time.Minute}); err != nil || got != nil {
		t.Fatalf("deliver with another type = %v, %v; want nothing", got, err)
	}
	if got, err := s.Deliver(ctx, store.Selector{Recipient: "P", Kind: store.KindRequest, Namespace: "urn:x", RootElement: "Req"}, now, store.Redelivery{Base: time.Minute}); err != nil || got == nil || got.ID != m.ID {
		t.Fatalf("deliver = %v, %v; want %s", got, err, m.ID)
	}
	if _, err := s.Ack(ctx, "Q", m.ID, true, now, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ack by another recipient: %v, want ErrNotFound", err)
	}
	if _, err := s.Ack(ctx, "P", m.ID, true, now, nil); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if _, err := s.Ack(ctx, "P", m.ID, true, now, nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second ack: %v, want ErrNotFound", err)
	}
	if got, err := s.Deliver(ctx, store.Selector{Recipient: "P", Kind: store.KindRequest}, now.Add(time.Hour), store.Redelivery{Base: time.Minute}); err != nil || got != nil {
		t.Fatalf("deliver after ack = %v, %v; want nothing", got, err)
	}
}

func TestTaskRunsOnceWhenDueAndIsPutOffOnFailure(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	now := time.Now()
	if err := s.AddTask(ctx, "FNS", "answer", now.Add(time.Minute), map[string]string{"id": "1"}); err != nil {
		t.Fatal(err)
	}
	ran, err := s.RunDueTask(ctx, "FNS", now, func(store.Task) error { t.Fatal("task run before due"); return nil })
	if err != nil || ran {
		t.Fatalf("before due: ran=%v err=%v", ran, err)
	}
	boom := errors.New("boom")
	if _, err := s.RunDueTask(ctx, "FNS", now.Add(time.Minute), func(store.Task) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("failing task: %v, want boom", err)
	}
	// A failed task is put off (a second, doubling), not first again at once.
	due := now.Add(time.Minute)
	ran, err = s.RunDueTask(ctx, "FNS", due, func(store.Task) error { t.Fatal("failed task run again at once"); return nil })
	if err != nil || ran {
		t.Fatalf("right after the failure: ran=%v err=%v", ran, err)
	}
	if _, err := s.RunDueTask(ctx, "FNS", due.Add(time.Second), func(store.Task) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("second attempt: %v, want boom", err)
	}
	due = due.Add(time.Second)
	ran, err = s.RunDueTask(ctx, "FNS", due.Add(time.Second), func(store.Task) error { t.Fatal("run before its doubled delay"); return nil })
	if err != nil || ran {
		t.Fatalf("before the doubled delay: ran=%v err=%v", ran, err)
	}
	var payload string
	ran, err = s.RunDueTask(ctx, "FNS", due.Add(2*time.Second), func(tk store.Task) error { payload = string(tk.Payload); return nil })
	if err != nil || !ran || payload != `{"id": "1"}` {
		t.Fatalf("due task: ran=%v err=%v payload=%s", ran, err, payload)
	}
	ran, err = s.RunDueTask(ctx, "FNS", now.Add(time.Hour), func(store.Task) error { return nil })
	if err != nil || ran {
		t.Fatalf("after success: ran=%v err=%v", ran, err)
	}
}

func TestLargeMessagesStayHiddenLonger(t *testing.T) {
	t.Parallel()
	s := open(t, pgtest.NewDatabase(t))
	ctx := context.Background()
	now := time.Now()
	small, large := request(t, "P", now), request(t, "P", now)
	large.AttachmentBytes = 3 << 20
	for _, m := range []*store.Message{small, large} {
		if err := s.InsertMessage(ctx, m, nil); err != nil {
			t.Fatal(err)
		}
	}
	re := store.Redelivery{Base: time.Minute, PerMiB: time.Minute}
	sel := store.Selector{Recipient: "P", Kind: store.KindRequest}
	for range 2 {
		if m, err := s.Deliver(ctx, sel, now, re); err != nil || m == nil {
			t.Fatalf("first deliveries: %v, %v", m, err)
		}
	}
	// After 2 minutes only the small one is back; the 3 MiB one needs 4.
	if m, err := s.Deliver(ctx, sel, now.Add(2*time.Minute), re); err != nil || m == nil || m.ID != small.ID {
		t.Fatalf("at +2m got %v (%v), want the small message", m, err)
	}
	if _, err := s.Ack(ctx, "P", small.ID, true, now.Add(2*time.Minute), nil); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Deliver(ctx, sel, now.Add(3*time.Minute), re); err != nil || m != nil {
		t.Fatalf("at +3m got %v (%v), want nothing", m, err)
	}
	if m, err := s.Deliver(ctx, sel, now.Add(4*time.Minute+time.Second), re); err != nil || m == nil || m.ID != large.ID {
		t.Fatalf("at +4m got %v (%v), want the large message", m, err)
	}
}
